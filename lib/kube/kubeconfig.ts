import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { KubeConfig, loadYaml } from '@kubernetes/client-node';

/** Where a kubeconfig came from, shown in the UI so nobody wonders which cluster they look at. */
export type KubeconfigOrigin = 'explicit-path' | 'KUBECONFIG' | 'in-cluster' | 'home';

export interface LoadedKubeconfig {
  kc: KubeConfig;
  origin: KubeconfigOrigin;
  /** File path(s) the config was read from; empty for in-cluster. */
  paths: string[];
  context: string;
  server: string;
}

export interface KubeconfigRequest {
  /** An explicit kubeconfig file (DRIFTWATCH_KUBECONFIG); wins over everything else. */
  path?: string;
  /** Context to use instead of the file's current-context (DRIFTWATCH_CONTEXT). */
  context?: string;
  env?: Record<string, string | undefined>;
}

export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Resolves the kubeconfig the way kubectl users expect, but explicitly, so that the origin can be
 * reported: an explicit path, then $KUBECONFIG (a path list), then the in-cluster service account,
 * then ~/.kube/config.
 */
export function loadKubeconfig(req: KubeconfigRequest = {}): LoadedKubeconfig {
  const env = req.env ?? process.env;
  const kc = new KubeConfig();
  let origin: KubeconfigOrigin;
  let paths: string[] = [];

  const explicit = req.path ?? env.DRIFTWATCH_KUBECONFIG;
  if (explicit) {
    // A path given by the caller is a cluster's `kubeconfig` in the configuration file, unless it is
    // the environment variable's (which the configuration loader hands on the same way).
    requireFile(explicit, req.path === undefined || req.path === env.DRIFTWATCH_KUBECONFIG ? 'DRIFTWATCH_KUBECONFIG' : 'the cluster\'s kubeconfig in the configuration file');
    paths = [explicit];
    origin = 'explicit-path';
    loadFiles(kc, paths);
  } else if (env.KUBECONFIG) {
    paths = env.KUBECONFIG.split(':').filter((p) => p.length > 0);
    const present = paths.filter((p) => existsSync(p));
    if (present.length === 0) {
      throw new KubeconfigError(`KUBECONFIG is set to ${env.KUBECONFIG} but no such file exists`);
    }
    paths = present;
    origin = 'KUBECONFIG';
    loadFiles(kc, paths);
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(IN_CLUSTER_TOKEN)) {
    origin = 'in-cluster';
    kc.loadFromCluster();
  } else {
    const home = join(homedir(), '.kube', 'config');
    if (!existsSync(home)) {
      throw new KubeconfigError(
        'No kubeconfig found: set DRIFTWATCH_KUBECONFIG or KUBECONFIG, create ~/.kube/config, ' +
          'or run inside a cluster. To try Driftwatch without a cluster, run the demo (see README).',
      );
    }
    paths = [home];
    origin = 'home';
    loadFiles(kc, paths);
  }

  const wanted = req.context ?? env.DRIFTWATCH_CONTEXT;
  if (wanted) {
    if (!kc.getContextObject(wanted)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeconfigError(
        `Context "${wanted}" is not in the kubeconfig ${paths.join(':') || '(in-cluster)'} (known: ${known.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(wanted);
  }
  const context = kc.getCurrentContext();
  const where = paths.join(':') || '(in-cluster)';
  if (!context) {
    throw new KubeconfigError(`The kubeconfig ${where} has no current context; set DRIFTWATCH_CONTEXT or a cluster's context in the configuration file`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    // As kubectl says it: the context is there, the cluster it names is not.
    const named = kc.getContextObject(context)?.cluster;
    throw new KubeconfigError(`Context "${context}" in the kubeconfig ${where} names cluster "${named ?? ''}", which is not in it (known: ${kc.getClusters().map((c) => c.name).join(', ') || 'none'})`);
  }
  // client-node decodes these leniently, skipping what is not base64: a path pasted where the
  // data belongs became a CA no server matches ("unable to verify the first certificate").
  // kubectl refuses such a file; so do we, naming the field.
  const user = kc.getCurrentUser();
  for (const [field, owner, value] of [
    ['certificate-authority-data', `cluster "${cluster.name}"`, cluster.caData],
    ['client-certificate-data', `user "${user?.name ?? ''}"`, user?.certData],
    ['client-key-data', `user "${user?.name ?? ''}"`, user?.keyData],
  ] as const) {
    const bad = value === undefined ? undefined : base64Problem(value);
    if (bad !== undefined) throw new KubeconfigError(`The kubeconfig ${where}: ${field} of ${owner} is not base64 (${bad}); it holds the data itself, base64-encoded — a file's path goes in ${field.replace('-data', '')}`);
  }
  return { kc, origin, paths, context, server: cluster.server };
}

/** Why Go's base64.StdEncoding (what kubectl decodes these fields with) refuses a value, or undefined. */
export function base64Problem(value: string): string | undefined {
  // Line breaks are skipped by Go's decoder; nothing else is.
  const s = value.replace(/[\r\n]/g, '');
  const bad = /[^A-Za-z0-9+/=]/.exec(s);
  if (bad) return `illegal character ${JSON.stringify(bad[0])} at byte ${bad.index}`;
  const pad = s.indexOf('=');
  if ((pad >= 0 && !/^=={0,1}$/.test(s.slice(pad))) || s.length % 4 !== 0) return `not a whole number of 4-character groups, or padding out of place (${s.length} characters)`;
  return undefined;
}

function requireFile(path: string, what: string): void {
  if (!existsSync(path)) {
    throw new KubeconfigError(`${what} points to ${path}, which does not exist`);
  }
}

/**
 * Loads one or more files with kubectl's merge rule: for clusters, users and contexts of the same
 * name, and for current-context, the first file that sets it wins. (client-node's mergeConfig
 * throws on duplicates instead, which would refuse configs kubectl accepts.)
 */
function loadFiles(kc: KubeConfig, paths: string[]): void {
  try {
    const parts = paths.map((p) => {
      const part = new KubeConfig();
      part.loadFromFile(p);
      refreshTokenFiles(part, p);
      return part;
    });
    const firstByName = <T extends { name: string }>(items: T[]) =>
      items.filter((item, i) => items.findIndex((other) => other.name === item.name) === i);
    kc.loadFromOptions({
      clusters: firstByName(parts.flatMap((p) => p.getClusters())),
      users: firstByName(parts.flatMap((p) => p.getUsers())),
      contexts: firstByName(parts.flatMap((p) => p.getContexts())),
      currentContext: parts.map((p) => p.getCurrentContext()).find((c) => c) ?? '',
    });
  } catch (err) {
    // An empty file parses to nothing, and client-node then fails on a property of undefined.
    const reason = err instanceof TypeError ? 'not a kubeconfig (empty, or not a map of clusters, users and contexts)' : errorMessage(err);
    throw new KubeconfigError(`Could not read kubeconfig ${paths.join(':')}: ${reason}`);
  }
}

/**
 * kubectl's `tokenFile` (and client-node's own `token-file`): a bearer token in a file that is
 * rotated in place (a projected service account token, vault-agent). client-node drops `tokenFile`
 * and reads `token-file` once, so the dashboard would go on as anonymous, or with a token that
 * expired, until restarted. Its `tokenFile` auth provider reads the file again every minute, as
 * client-go does. A path is relative to the kubeconfig's directory, as for kubectl.
 */
function refreshTokenFiles(kc: KubeConfig, file: string): void {
  const raw = loadYaml<{ users?: unknown }>(readFileSync(file, 'utf8'));
  if (!Array.isArray(raw?.users)) return;
  for (const entry of raw.users as { name?: unknown; user?: Record<string, unknown> | null }[]) {
    const u = entry?.user;
    if (!u || u.exec || u['auth-provider']) continue;
    const tokenFile = typeof u.tokenFile === 'string' && u.tokenFile !== '' ? u.tokenFile : typeof u['token-file'] === 'string' && u['token-file'] !== '' ? u['token-file'] : undefined;
    const user = tokenFile === undefined ? undefined : kc.getUser(String(entry.name));
    if (!user || tokenFile === undefined) continue;
    Object.assign(user, { token: undefined, authProvider: { name: 'tokenFile', config: { tokenFile: resolve(dirname(file), tokenFile) } } });
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
