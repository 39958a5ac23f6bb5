import { discoverResources, type ApiResource } from './discovery';
import { describeKubeError } from './errors';
import { errorMessage, type KubeconfigOrigin, type LoadedKubeconfig } from './kubeconfig';
import { getConnection } from './connection';
import { listNamespaces, type NamespaceSummary } from './namespaces';

export interface ClusterOverview {
  context: string;
  server: string;
  origin: KubeconfigOrigin;
  namespaces: NamespaceSummary[];
  resources: ApiResource[];
  /** Problems that left part of the overview empty; the rest is still shown. */
  errors: string[];
}

export type ClusterOverviewResult = { ok: true; overview: ClusterOverview } | { ok: false; error: string };

/** What the first page shows: which cluster, its namespaces and what it serves. */
export async function getClusterOverview(connect: () => LoadedKubeconfig = getConnection): Promise<ClusterOverviewResult> {
  let conn: LoadedKubeconfig;
  try {
    conn = connect();
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
  const [namespaces, discovery] = await Promise.allSettled([listNamespaces(conn.kc), discoverResources(conn.kc)]);
  const errors: string[] = [];
  if (namespaces.status === 'rejected') errors.push(`Namespaces: ${describeKubeError(namespaces.reason)}`);
  if (discovery.status === 'rejected') errors.push(`API discovery: ${describeKubeError(discovery.reason)}`);
  if (discovery.status === 'fulfilled') {
    for (const f of discovery.value.failures) errors.push(`API discovery of ${f.groupVersion}: ${f.message}`);
  }
  return {
    ok: true,
    overview: {
      context: conn.context,
      server: conn.server,
      origin: conn.origin,
      namespaces: namespaces.status === 'fulfilled' ? namespaces.value : [],
      resources: discovery.status === 'fulfilled' ? discovery.value.resources : [],
      errors,
    },
  };
}
