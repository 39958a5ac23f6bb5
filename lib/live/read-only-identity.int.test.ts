/**
 * The shipped deploy/ manifests against the real API server: the dashboard runs as the
 * `driftwatch` ServiceAccount bound to the shipped ClusterRole (token from the TokenRequest API),
 * reports drift as usual, and the API server refuses every write that identity attempts.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../../testing/kube-write';
import { parseDashboardConfig } from '../config/dashboard-config';
import { KubeApiError } from '../kube/http';
import { SECRETS_NOT_READABLE } from './drift-tracker';
import { DirectoryManifestFeed } from './manifest-feed';
import { LiveRuntime } from './runtime';
import { ownerTemplateBuilder } from './runtime-options';
import { tempDirs } from '../../testing/temp-dirs';

// Made while the file is collected, removed after it even when a filter skips their describe block.
const tempDir = tempDirs('dw-ro-identity-');

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GITOPS = 'gitops';
const CANARY = 'identity-canary-7f3a';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}

/** Every document of deploy/*.yaml (optional/ is not applied by default, so not here either). */
function shippedManifests(): Manifest[] {
  const dir = join(repoRoot, 'deploy');
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Manifest))
    .filter((m) => m && typeof m === 'object' && m.kind);
}

const RESOURCE: Record<string, string> = {
  Namespace: 'namespaces',
  ServiceAccount: 'serviceaccounts',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  Deployment: 'deployments',
  Service: 'services',
};

function pathOf(m: Manifest, query: Record<string, string>): string {
  const resource = RESOURCE[m.kind];
  if (!resource) throw new Error(`no resource name for ${m.kind} in this test`);
  return objectPath({ apiVersion: m.apiVersion, resource, namespace: m.metadata.namespace, name: m.metadata.name }, query);
}

/** What a write as the read-only identity ends with: the API server's HTTP status. */
async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof KubeApiError) return err.status;
    throw err;
  }
}

describe('the shipped read-only identity (deploy/) on the real test cluster', () => {
  const { kc: admin, state } = testCluster();
  const ns = uniqueName('ro-identity');
  const dir = tempDir();
  const manifests = shippedManifests();
  const sa = manifests.find((m) => m.kind === 'ServiceAccount');
  let sakc: KubeConfig;
  let kubeconfigFile: string;
  let runtime: LiveRuntime | undefined;

  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: ns }, data: { LOG_LEVEL: 'info' } };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
    },
  };
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: ns }, stringData: { password: CANARY } };

  const applySsa = (kc: KubeConfig, resource: string, m: { apiVersion: string; metadata: { name: string; namespace?: string } }) =>
    kubeWrite(kc, 'PATCH', objectPath({ apiVersion: m.apiVersion, resource, namespace: m.metadata.namespace, name: m.metadata.name }, { fieldManager: GITOPS, force: 'true' }), m, CONTENT_TYPE.apply);

  beforeAll(async () => {
    if (!sa) throw new Error('deploy/ ships no ServiceAccount');
    // Identity objects as shipped; the Deployment and Service are validated by the API server
    // (dry run) but not created: the test cluster has no scheduler to run them.
    for (const m of manifests) {
      const dryRun: Record<string, string> = m.kind === 'Deployment' || m.kind === 'Service' ? { dryRun: 'All' } : {};
      await kubeWrite(admin, 'PATCH', pathOf(m, { fieldManager: 'driftwatch-deploy-test', force: 'true', ...dryRun }), m, CONTENT_TYPE.apply);
    }
    const tr = await kubeWrite<{ status: { token: string } }>(
      admin,
      'POST',
      `/api/v1/namespaces/${sa.metadata.namespace}/serviceaccounts/${sa.metadata.name}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    );
    const cluster = admin.getCurrentCluster();
    if (!cluster) throw new Error('no cluster');
    sakc = new KubeConfig();
    sakc.loadFromOptions({
      clusters: [{ name: 'test', server: cluster.server, caData: cluster.caData, caFile: cluster.caFile, skipTLSVerify: false }],
      users: [{ name: 'driftwatch', token: tr.status.token }],
      contexts: [{ name: 'driftwatch', cluster: 'test', user: 'driftwatch' }],
      currentContext: 'driftwatch',
    });
    kubeconfigFile = join(dir, 'driftwatch-sa.kubeconfig');
    writeFileSync(kubeconfigFile, sakc.exportConfig(), { mode: 0o600 });

    await kubeWrite(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await applySsa(admin, 'configmaps', cm);
    await applySsa(admin, 'deployments', deployment);
    await applySsa(admin, 'secrets', secret);
    const mdir = join(dir, 'manifests');
    mkdirSync(mdir);
    writeFileSync(join(mdir, 'app.yaml'), [cm, deployment, secret].map((m) => JSON.stringify(m)).join('\n---\n'));

    const config = parseDashboardConfig({ clusters: [{ name: 'test', kubeconfig: kubeconfigFile }], manifests: [mdir], fieldManager: GITOPS, watch: { namespaces: [ns] } }, 'test');
    const feed = new DirectoryManifestFeed(config.manifests, { rescanIntervalMs: 0, gitPollMs: 0, debounceMs: 50 });
    runtime = new LiveRuntime({ config, manifests: feed, ownerTemplate: ownerTemplateBuilder, informer: {}, log: () => undefined });
    await runtime.start();
    await runtime.ready(60_000);
  }, 180_000);

  afterAll(async () => {
    await runtime?.stop();
    await kubeWrite(admin, 'DELETE', `/api/v1/namespaces/${ns}`, undefined).catch(() => undefined);
  });

  const stateOf = (kind: string, name: string, group = '') => runtime?.get(`test/${group}/${kind}/${ns}/${name}`)?.state;

  it('is the ServiceAccount, not the admin', async () => {
    const review = await kubeWrite<{ status: { userInfo: { username: string } } }>(sakc, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    });
    expect(review.status.userInfo.username).toBe(`system:serviceaccount:${sa?.metadata.namespace}:${sa?.metadata.name}`);
  });

  it('watches and compares as usual: in sync first, drift reported when someone edits', async () => {
    if (!runtime) throw new Error('no runtime');
    const resources = runtime.resourceStates();
    for (const r of ['configmaps', 'deployments', 'pods', 'replicasets']) {
      expect(resources.find((s) => s.resource === r), r).toMatchObject({ status: 'synced' });
    }
    expect(stateOf('ConfigMap', 'app-config')).toMatchObject({ status: 'in-sync' });
    expect(stateOf('Deployment', 'web', 'apps')).toMatchObject({ status: 'in-sync' });
    await kubeWrite(admin, 'PATCH', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name: 'app-config' }, { fieldManager: 'kubectl-edit' }), { data: { LOG_LEVEL: 'debug' } }, CONTENT_TYPE.merge);
    const drifted = await eventually(async () => {
      const s = stateOf('ConfigMap', 'app-config');
      return s?.status === 'drifted' ? s : undefined;
    }, 'the edited ConfigMap reported as drifted');
    expect(drifted.changes).toMatchObject([{ path: 'data.LOG_LEVEL', op: 'changed', live: 'debug', manager: { name: 'kubectl-edit' } }]);
  });

  it('cannot read Secrets by default, and says so on the Secret instead of a diff', () => {
    if (!runtime) throw new Error('no runtime');
    expect(runtime.resourceStates().find((r) => r.resource === 'secrets')).toMatchObject({ status: 'forbidden' });
    expect(stateOf('Secret', 'db')).toMatchObject({ status: 'error', error: expect.stringContaining(SECRETS_NOT_READABLE) });
    expect(JSON.stringify([...runtime.states()])).not.toContain(CANARY);
  });

  it('may read pods/log (crash reports) but nothing else on Pods', async () => {
    const allowed = async (attrs: Record<string, string>) =>
      (
        await kubeWrite<{ status: { allowed: boolean } }>(sakc, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { namespace: ns, ...attrs } },
        })
      ).status.allowed;
    expect(await allowed({ verb: 'get', resource: 'pods', subresource: 'log' })).toBe(true);
    expect(await allowed({ verb: 'create', resource: 'pods', subresource: 'exec' })).toBe(false);
    expect(await allowed({ verb: 'create', resource: 'pods', subresource: 'eviction' })).toBe(false);
    expect(await allowed({ verb: 'get', resource: 'secrets' })).toBe(false);
  });

  it('cannot create, patch or delete anything: the API server answers 403 to each write', async () => {
    const cmPath = objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name: 'app-config' });
    const writes: [string, () => Promise<unknown>][] = [
      ['create a ConfigMap', () => kubeWrite(sakc, 'POST', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns }), { ...cm, metadata: { name: 'new', namespace: ns } })],
      ['create a Namespace', () => kubeWrite(sakc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${ns}-x` } })],
      ['create a ClusterRoleBinding to cluster-admin', () => kubeWrite(sakc, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${ns}-escalate` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'driftwatch', namespace: 'driftwatch' }],
      })],
      ['create a token for itself', () => kubeWrite(sakc, 'POST', '/api/v1/namespaces/driftwatch/serviceaccounts/driftwatch/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} })],
      ['server-side apply a ConfigMap', () => kubeWrite(sakc, 'PATCH', `${cmPath}?fieldManager=driftwatch`, cm, CONTENT_TYPE.apply)],
      ['merge-patch a ConfigMap', () => kubeWrite(sakc, 'PATCH', cmPath, { data: { LOG_LEVEL: 'x' } }, CONTENT_TYPE.merge)],
      ['patch a Deployment\'s scale', () => kubeWrite(sakc, 'PATCH', `${objectPath({ apiVersion: 'apps/v1', resource: 'deployments', namespace: ns, name: 'web' })}/scale`, { spec: { replicas: 3 } }, CONTENT_TYPE.merge)],
      ['patch its own ClusterRole', () => kubeWrite(sakc, 'PATCH', '/apis/rbac.authorization.k8s.io/v1/clusterroles/driftwatch-read', { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }, CONTENT_TYPE.merge)],
      ['replace a ConfigMap', () => kubeWrite(sakc, 'PUT', cmPath, cm)],
      ['delete a ConfigMap', () => kubeWrite(sakc, 'DELETE', cmPath, undefined)],
      ['delete every ConfigMap', () => kubeWrite(sakc, 'DELETE', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns }), undefined)],
      ['delete the Namespace', () => kubeWrite(sakc, 'DELETE', `/api/v1/namespaces/${ns}`, undefined)],
      ['delete a Deployment', () => kubeWrite(sakc, 'DELETE', objectPath({ apiVersion: 'apps/v1', resource: 'deployments', namespace: ns, name: 'web' }), undefined)],
    ];
    const statuses: Record<string, number> = {};
    for (const [what, write] of writes) statuses[what] = await statusOf(write());
    expect(statuses).toEqual(Object.fromEntries(writes.map(([w]) => [w, 403])));
    // And nothing changed: the ConfigMap still has the admin's value, the Deployment is still there.
    const still = await eventually(async () => stateOf('ConfigMap', 'app-config'), 'the ConfigMap');
    expect(still.changes).toMatchObject([{ path: 'data.LOG_LEVEL', live: 'debug' }]);
    expect(stateOf('Deployment', 'web', 'apps')?.status).toBe('in-sync');
  });

  it('SelfSubjectAccessReview: no write verb on any resource in any group, and its rules read only', async () => {
    const review = async (verb: string, namespace?: string) =>
      (
        await kubeWrite<{ status: { allowed: boolean } }>(sakc, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb, group: '*', resource: '*', ...(namespace ? { namespace } : {}) } },
        })
      ).status.allowed;
    const verbs = ['create', 'update', 'patch', 'delete', 'deletecollection', 'impersonate', 'escalate', 'bind', 'approve', 'sign'];
    const answers: Record<string, boolean> = {};
    for (const v of verbs) {
      answers[v] = await review(v);
      answers[`${v} in ${ns}`] = await review(v, ns);
    }
    expect(Object.values(answers).every((a) => a === false), JSON.stringify(answers)).toBe(true);

    const rules = await kubeWrite<{ status: { resourceRules: { verbs: string[]; apiGroups?: string[]; resources?: string[] }[] } }>(
      sakc,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: ns } },
    );
    // Every authenticated identity may create self-reviews (system:basic-user); that asks, it writes nothing.
    const selfReviews = new Set(['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews']);
    const writeRules = rules.status.resourceRules.filter(
      (r) => !(r.resources ?? []).every((res) => selfReviews.has(res)) && r.verbs.some((v) => !['get', 'list', 'watch'].includes(v)),
    );
    expect(writeRules).toEqual([]);
    expect(JSON.stringify(rules.status.resourceRules)).not.toContain('"secrets"');
  });

  it('ships a Deployment that runs as that ServiceAccount and a Service in front of it', () => {
    const dep = manifests.find((m) => m.kind === 'Deployment') as unknown as { spec: { template: { spec: { serviceAccountName: string } } } } | undefined;
    expect(dep?.spec.template.spec.serviceAccountName).toBe(sa?.metadata.name);
    expect(manifests.find((m) => m.kind === 'Service')).toBeTruthy();
    expect(state.server).toBeTruthy();
  });
});
