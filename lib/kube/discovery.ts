import type { KubeConfig } from '@kubernetes/client-node';
import { describeKubeError } from './errors';
import { getJson } from './http';

/** One listable API resource, as discovery reports it. */
export interface ApiResource {
  group: string;
  version: string;
  /** group/version as used in apiVersion: "v1", "apps/v1". */
  apiVersion: string;
  kind: string;
  /** The plural resource name used in URLs. */
  name: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
}

/** The URL path of a resource's objects in its version, within `namespace` when one is given. */
export function resourcePath(resource: Pick<ApiResource, 'group' | 'version' | 'name'>, namespace?: string): string {
  const gv = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${gv}${ns}/${resource.name}`;
}

export interface DiscoveryResult {
  /** The resources of each group's preferred version. */
  resources: ApiResource[];
  /** Every version each group serves ('' for the core group), preferred or not. */
  servedVersions?: ReadonlyMap<string, ReadonlyArray<string>>;
  /** Group versions whose discovery failed; the rest are still returned. */
  failures: { groupVersion: string; message: string }[];
}

interface ApiResourceList {
  groupVersion: string;
  resources: {
    name: string;
    namespaced: boolean;
    kind: string;
    verbs?: string[];
    shortNames?: string[];
  }[];
}

interface ApiGroupList {
  groups: { name: string; versions?: { groupVersion: string; version: string }[]; preferredVersion?: { groupVersion: string; version: string } }[];
}

/**
 * Lists every resource of the preferred version of each API group, core included. A group whose
 * discovery fails (an aggregated API that is down, say) is reported and skipped.
 */
export async function discoverResources(kc: KubeConfig): Promise<DiscoveryResult> {
  const groups = await getJson<ApiGroupList>(kc, '/apis', { timeoutMs: 15_000 });
  const servedVersions = new Map<string, string[]>([['', ['v1']], ...groups.groups.map((g): [string, string[]] => [g.name, (g.versions ?? []).map((v) => v.version)])]);
  const groupVersions = ['v1', ...groups.groups.flatMap((g) => (g.preferredVersion ? [g.preferredVersion.groupVersion] : []))];
  const settled = await Promise.allSettled(groupVersions.map((gv) => discoverGroupVersion(kc, gv)));
  const resources: ApiResource[] = [];
  const failures: DiscoveryResult['failures'] = [];
  settled.forEach((result, i) => {
    const gv = groupVersions[i] ?? '';
    if (result.status === 'rejected') {
      const err: unknown = result.reason;
      failures.push({ groupVersion: gv, message: describeKubeError(err) });
      return;
    }
    resources.push(...result.value);
  });
  resources.sort((a, b) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind));
  return { resources, failures, servedVersions };
}

/** The resources one group-version serves (the preferred one, or another that manifests are written for). */
export async function discoverGroupVersion(kc: KubeConfig, groupVersion: string): Promise<ApiResource[]> {
  const path = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
  return resourcesOf(groupVersion, await getJson<ApiResourceList>(kc, path, { timeoutMs: 15_000 }));
}

function resourcesOf(gv: string, list: ApiResourceList): ApiResource[] {
  const [group, version] = gv.includes('/') ? (gv.split('/') as [string, string]) : ['', gv];
  const out: ApiResource[] = [];
  for (const r of list.resources) {
    if (r.name.includes('/')) continue; // subresources such as pods/log
    out.push({ group, version, apiVersion: gv, kind: r.kind, name: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [], shortNames: r.shortNames ?? [] });
  }
  return out;
}
