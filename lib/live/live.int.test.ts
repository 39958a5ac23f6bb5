import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDashboardConfig } from '../config/dashboard-config';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../../testing/kube-write';
import type { KubeObject } from '../kube/cache-diff';
import { getJson } from '../kube/http';
import { startPodMutatingWebhook } from '../../testing/mutating-webhook';
import { startHttpsRewriteProxy } from '../../testing/https-rewrite-proxy';
import { startTcpProxy, type TcpProxy } from '../../testing/tcp-proxy';
import { startTestCluster, type TestCluster } from '../../testing/test-cluster';
import { DirectoryManifestFeed } from './manifest-feed';
import { renderMetrics } from './metrics';
import { LiveRuntime, MAX_READY_WAITERS } from './runtime';
import { ownerTemplateBuilder } from './runtime-options';
import type { DriftEvent, ObjectDriftState } from './types';
import { tempDirs } from '../../testing/temp-dirs';
import { createLiveRuntime, startLiveRuntime, type LiveRuntimeOptions } from '../../testing/live-runtime';
import { crdVersion, dialCrd } from '../../testing/dial-crd';
import { READ_CONFIGMAPS, viewerRole } from '../../testing/viewer-role';

// Made while the file is collected, removed after it even when a filter skips their describe block.
const tempDir = tempDirs('dw-live-');

const GITOPS = 'gitops';

type Running = Awaited<ReturnType<typeof startLiveRuntime>>;
type StartOptions = Omit<LiveRuntimeOptions, 'fieldManager'>;

const createRuntime = (kubeconfig: string, manifestDir: string, opts: StartOptions = {}) => createLiveRuntime(kubeconfig, manifestDir, { fieldManager: GITOPS, ...opts });
const startRuntime = (kubeconfig: string, manifestDir: string, opts: StartOptions = {}): Promise<Running> =>
  startLiveRuntime(kubeconfig, manifestDir, { fieldManager: GITOPS, readyTimeoutMs: 120_000, ...opts });

function configMap(ns: string, name: string, data: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data };
}

const applySsa = (kc: KubeConfig, resource: string, m: { apiVersion: string; metadata: { name: string; namespace?: string } }) =>
  kubeWrite(kc, 'PATCH', objectPath({ apiVersion: m.apiVersion, resource, namespace: m.metadata.namespace, name: m.metadata.name }, { fieldManager: GITOPS, force: 'true' }), m, CONTENT_TYPE.apply);

const patchAs = (kc: KubeConfig, manager: string, apiVersion: string, resource: string, ns: string, name: string, body: unknown, type: string = CONTENT_TYPE.merge) =>
  kubeWrite(kc, 'PATCH', objectPath({ apiVersion, resource, namespace: ns, name }, { fieldManager: manager }), body, type);

/** A state reduced to what must match between runs: verdict and changes (path, op, live value, manager). */
function verdicts(states: Iterable<ObjectDriftState>, ns: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of states) {
    if (s.namespace !== ns) continue;
    out[`${s.kind}/${s.name}`] = `${s.status} ${JSON.stringify(s.changes.map((c) => [c.path, c.op, c.live, c.manager?.name]))}`;
  }
  return out;
}

/** Ground truth: a runtime started now, from fresh lists, with nothing it could have missed. */
async function groundTruth(kubeconfig: string, dir: string, ns: string, opts: StartOptions): Promise<Record<string, string>> {
  const fresh = await startRuntime(kubeconfig, dir, opts);
  try {
    return verdicts(fresh.runtime.states(), ns);
  } finally {
    await fresh.runtime.stop();
  }
}

describe('live drift on the shared test cluster', () => {
  const { kc, state, stateDir } = testCluster();
  const ns = uniqueName('live');
  const dir = tempDir();
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.27', env: [{ name: 'MODE', value: 'prod' }], ports: [{ containerPort: 80 }] }] },
      },
    },
  };
  const cm = configMap(ns, 'app-config', { LOG_LEVEL: 'info', FEATURE_X: 'off' });
  let rt: Running;

  beforeAll(async () => {
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    writeFileSync(join(dir, 'web.yaml'), `# the web tier\n${JSON.stringify(deployment, null, 2)}\n`);
    writeFileSync(join(dir, 'config.yaml'), `---\n${JSON.stringify(cm)}\n`);
    // Outside watch.namespaces, and present there (the controller manager puts it in every namespace).
    writeFileSync(join(dir, 'elsewhere.yaml'), JSON.stringify(configMap('default', 'kube-root-ca.crt', { 'ca.crt': 'x' })));
    // Broken on line 3 (an unclosed flow map, which the parser notices on line 4; line 3 is reported): the other files
    // must load all the same.
    writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\ndata:\n  a: b\n');
    await applySsa(kc, 'deployments', deployment);
    await applySsa(kc, 'configmaps', cm);
    rt = await startRuntime(state.kubeconfig, dir, { config: { watch: { namespaces: [ns] } } });
  });

  afterAll(async () => {
    await rt?.runtime.stop();
  });

  const stateOf = (kind: string, name: string, group = '') => rt.runtime.get(`test/${group}/${kind}/${ns}/${name}`)?.state;

  it('starts with everything declared in sync, Pods included (against their owner template)', async () => {
    expect(stateOf('Deployment', 'web', 'apps')).toMatchObject({ status: 'in-sync', source: { type: 'manifest-dir', file: 'web.yaml', line: 2 } });
    expect(stateOf('ConfigMap', 'app-config')).toMatchObject({ status: 'in-sync', source: { file: 'config.yaml' } });
    const pods = await eventually(async () => {
      const p = [...rt.runtime.states()].filter((s) => s.namespace === ns && s.kind === 'Pod');
      return p.length === 2 ? p : undefined;
    }, 'the Deployment\'s two Pods');
    for (const p of pods) expect(p, JSON.stringify(p.changes)).toMatchObject({ status: 'in-sync', source: { type: 'owner-template', owner: { kind: 'ReplicaSet' } } });
  });

  it('says a declared object in a namespace outside watch.namespaces is not compared, never that it is missing', () => {
    expect(rt.runtime.get('test//ConfigMap/default/kube-root-ca.crt')?.state).toMatchObject({
      status: 'error',
      changes: [],
      error: `not compared: namespace default is not watched (watch.namespaces: ${ns})`,
    });
  });

  it('resolves watch patterns without a group as kubectl does, by name or short name, and says which match nothing', async () => {
    const logs: string[] = [];
    const config = parseDashboardConfig(
      {
        clusters: [{ name: 'test', kubeconfig: state.kubeconfig }],
        watch: { pods: false, customResources: false, desiredKinds: false, include: ['deploy', 'ingresses', 'cm', 'pods'], exclude: ['deploymnets'], namespaces: [ns] },
      },
      'test',
    );
    const runtime = new LiveRuntime({ config, ownerTemplate: ownerTemplateBuilder, log: (m) => logs.push(m) });
    try {
      await runtime.start();
      await runtime.ready(60_000);
      const watched = runtime.resourceStates().filter((r) => r.reasons.includes('included')).map((r) => `${r.resource}.${r.group}`).sort();
      expect(watched).toEqual(['configmaps.', 'deployments.apps', 'ingresses.networking.k8s.io', 'pods.']);
      expect(logs).toContain('[test] watch.exclude: deploymnets matches no resource this cluster serves (resource, resource.group or a short name, as in kubectl get)');
      expect(logs.filter((l) => l.includes('watch.include'))).toEqual([]);
      // Pods watched through `include`: their controllers are watched too, and each Pod is judged
      // against its ReplicaSet's template, not left unmanaged.
      const ownerKinds = (rt: LiveRuntime) => rt.resourceStates().filter((r) => r.reasons.includes('pod owners')).map((r) => r.resource).sort();
      expect(ownerKinds(runtime)).toEqual(['daemonsets', 'jobs', 'replicasets', 'replicationcontrollers', 'statefulsets']);
      const pods = [...runtime.states()].filter((x) => x.namespace === ns && x.kind === 'Pod' && x.name.startsWith('web-'));
      expect(pods.length).toBeGreaterThan(0);
      for (const p of pods) expect(p).toMatchObject({ status: 'in-sync', source: { type: 'owner-template', owner: { kind: 'ReplicaSet' } } });
    } finally {
      await runtime.stop();
    }
    // Pods excluded: no controller is watched on their behalf.
    const excluded = new LiveRuntime({
      config: parseDashboardConfig({ clusters: [{ name: 'test', kubeconfig: state.kubeconfig }], watch: { exclude: ['pods'], customResources: false, desiredKinds: false, include: ['cm'], namespaces: [ns] } }, 'test'),
      log: () => undefined,
    });
    try {
      await excluded.start();
      await excluded.ready(60_000);
      expect(excluded.resourceStates().filter((r) => r.reasons.includes('pod owners'))).toEqual([]);
    } finally {
      await excluded.stop();
    }
  });

  it('answers a readiness wait as soon as the first lists are in; a wait that times out or is aborted with false', async () => {
    const runtime = createRuntime(state.kubeconfig, dir, { config: { watch: { namespaces: [ns] } } });
    try {
      expect(await runtime.whenReady(30)).toBe(false);
      expect(await runtime.whenReady(Number.NaN)).toBe(false);
      const ac = new AbortController();
      const aborted = runtime.whenReady(60_000, ac.signal);
      ac.abort();
      expect(await aborted).toBe(false);
      const held = Array.from({ length: MAX_READY_WAITERS }, () => runtime.whenReady(60_000).then((ready) => ({ ready, readyThen: runtime.isReady() })));
      // The endpoint is public: past MAX_READY_WAITERS held at once, a wait answers at once.
      const heldToo = new Promise((r) => setTimeout(() => r('held'), 5_000).unref());
      expect(await Promise.race([runtime.whenReady(60_000), heldToo])).toBe(false);
      const started = runtime.start();
      for (const h of await Promise.all(held)) expect(h).toEqual({ ready: true, readyThen: true });
      await started;
      expect([...runtime.states()].length).toBeGreaterThanOrEqual(4);
      expect(await runtime.whenReady(0)).toBe(true);
    } finally {
      await runtime.stop();
    }
  });

  it('says why a declared object is not compared: its kind excluded from the watch set, or a group the cluster no longer serves and where the kind went', async () => {
    const own = tempDir();
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'excluded', namespace: ns }, stringData: { k: 'v' } };
    const legacy = { ...deployment, apiVersion: 'extensions/v1beta1', metadata: { name: 'legacy', namespace: ns } };
    writeFileSync(join(own, 'all.yaml'), [secret, legacy, cm].map((m) => JSON.stringify(m)).join('\n---\n'));
    const two = await startRuntime(state.kubeconfig, own, { config: { watch: { namespaces: [ns], pods: false, customResources: false, exclude: ['secret'] } } });
    try {
      expect(two.runtime.get(`test//Secret/${ns}/excluded`)?.state).toMatchObject({ status: 'error', error: 'not compared: Secret is not watched (watch.exclude: secret)' });
      expect(two.runtime.get(`test/extensions/Deployment/${ns}/legacy`)?.state).toMatchObject({
        status: 'error',
        error: 'the cluster does not serve Deployment.extensions: write it as apps/v1 (extensions/v1beta1 was removed in Kubernetes 1.16)',
      });
      expect(two.runtime.get(`test//ConfigMap/${ns}/app-config`)?.state.status).toBe('in-sync');
    } finally {
      await two.runtime.stop();
    }
  });

  it('stays ready once ready: a kind the manifests name later is syncing in its own row, not the whole dashboard', async () => {
    const own = tempDir();
    writeFileSync(join(own, 'cm.yaml'), JSON.stringify(cm));
    const two = await startRuntime(state.kubeconfig, own, { config: { watch: { namespaces: [ns], pods: false, customResources: false } } });
    const readiness: boolean[] = [];
    const probe = setInterval(() => readiness.push(two.runtime.isReady()), 2);
    try {
      const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'later', namespace: ns } };
      writeFileSync(join(own, 'sa.yaml'), JSON.stringify(sa));
      const state = await eventually(async () => two.runtime.get(`test//ServiceAccount/${ns}/later`)?.state, 'the ServiceAccount judged', 20_000);
      expect(state.status).toBe('missing');
      expect(two.runtime.resourceStates().find((r) => r.resource === 'serviceaccounts')).toMatchObject({ status: 'synced', reasons: ['in desired manifests'] });
      expect(readiness.length).toBeGreaterThan(0);
      expect(readiness.filter((r) => !r)).toEqual([]);
    } finally {
      clearInterval(probe);
      await two.runtime.stop();
    }
  });

  it('asks again for an OpenAPI document the API server failed to give, says meanwhile which one and why, and stays ready', async () => {
    const proxy = await startHttpsRewriteProxy(stateDir, state);
    let failing = true;
    proxy.rewrite = ({ path }) => {
      if (failing && path.startsWith('/openapi/v3/api/v1')) return { status: 503, message: 'the OpenAPI aggregator is unavailable' };
      // Refused for good: a warning, the built-in table, and no asking again.
      if (path.startsWith('/openapi/v3/apis/apps/v1')) return { status: 403, message: 'openapi is forbidden for this identity' };
      return undefined;
    };
    const own = tempDir();
    const kubeconfig = join(own, 'through-proxy.kubeconfig');
    writeFileSync(kubeconfig, proxy.kubeconfigThrough(kc).exportConfig());
    const manifests = tempDir();
    writeFileSync(join(manifests, 'cm.yaml'), JSON.stringify(cm));
    writeFileSync(join(manifests, 'web.yaml'), JSON.stringify(deployment));
    const logged: string[] = [];
    const two = await startRuntime(kubeconfig, manifests, { config: { watch: { namespaces: [ns], pods: false, customResources: false } }, log: (m) => logged.push(m) });
    try {
      expect(two.runtime.resourceStates().find((r) => r.resource === '(OpenAPI schema)')).toMatchObject({
        group: '',
        version: 'v1',
        status: 'error',
        message: expect.stringMatching(/the OpenAPI aggregator is unavailable.*compared with the built-in defaults and list keys until it can be read/),
      });
      expect(logged).toContainEqual(expect.stringMatching(/^\[test\] schema: api\/v1 asked for again in \d+ s/));
      expect(logged).toContainEqual(expect.stringMatching(/^\[test\] schema: OpenAPI v3 document apis\/apps\/v1: .*openapi is forbidden for this identity/));
      expect(two.runtime.resourceStates().filter((r) => r.resource === '(OpenAPI schema)')).toHaveLength(1);
      // Judged meanwhile, with the engine's built-in table.
      expect(two.runtime.get(`test//ConfigMap/${ns}/app-config`)?.state.status).toBe('in-sync');
      failing = false;
      // Retried after 5 s (±30 %), then 10 s: within a minute, however long the start took.
      await eventually(async () => !two.runtime.resourceStates().some((r) => r.resource === '(OpenAPI schema)'), 'the document read on a later try', 60_000);
      expect(two.runtime.isReady()).toBe(true);
      expect(two.runtime.get(`test//ConfigMap/${ns}/app-config`)?.state.status).toBe('in-sync');
      expect(logged.filter((l) => l.includes('apis/apps/v1'))).toHaveLength(1);
    } finally {
      await two.runtime.stop();
      await proxy.close();
    }
  }, 150_000);

  it('follows a CRD whose served version moves (the manifests\' one no longer served) without flashing its objects as not served', async () => {
    const group = `${ns}.v.example.com`;
    const dial = { apiVersion: `${group}/v1`, kind: 'Dial', metadata: { name: 'd1', namespace: ns }, spec: { level: 3 } };
    await applySsa(kc, 'customresourcedefinitions', dialCrd(group, [crdVersion('v1', true, true)]));
    const id = `test/${group}/Dial/${ns}/d1`;
    try {
      await eventually(async () => applySsa(kc, 'dials', dial).then(() => true, () => undefined), 'the CRD served');
      writeFileSync(join(dir, 'dial.yaml'), JSON.stringify(dial));
      await eventually(async () => rt.runtime.get(id)?.state.status === 'in-sync', 'the Dial in sync', 20_000);
      const mark = rt.events.length;
      // v1 is no longer served (the manifest's version, watched as long as it is): v2 it is.
      await applySsa(kc, 'customresourcedefinitions', dialCrd(group, [crdVersion('v1', false, false), crdVersion('v2', true, true)]));
      await eventually(async () => rt.runtime.resourceStates().some((r) => r.group === group && r.version === 'v2' && r.status === 'synced'), 'the resource watched as v2', 20_000);
      await eventually(async () => rt.runtime.get(id)?.state.version === 'v2' || rt.runtime.get(id)?.state.warnings.length, 'the Dial read as v2', 20_000);
      const seen = rt.events.slice(mark).flatMap((e) => (e.type === 'upsert' && e.state.id === id ? [e.state.status] : e.type === 'delete' && e.id === id ? ['deleted'] : []));
      expect(seen).not.toContain('error');
      expect(seen).not.toContain('deleted');
      expect(rt.runtime.get(id)?.state.status).toBe('in-sync');
    } finally {
      rmSync(join(dir, 'dial.yaml'), { force: true });
      await kubeWrite(kc, 'DELETE', objectPath({ apiVersion: 'apiextensions.k8s.io/v1', resource: 'customresourcedefinitions', name: `dials.${group}` }), undefined);
    }
  });

  it('watches a kind in the version its manifests are written for, when the cluster serves it: an autoscaling/v1 HPA is in sync', async () => {
    const hpa = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: ns },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    };
    await applySsa(kc, 'horizontalpodautoscalers', hpa);
    writeFileSync(join(dir, 'hpa.yaml'), JSON.stringify(hpa));
    try {
      const state = await eventually(async () => rt.runtime.get(`test/autoscaling/HorizontalPodAutoscaler/${ns}/web`)?.state, 'the HPA compared', 20_000);
      // autoscaling/v2 is the preferred version: read there, targetCPUUtilizationPercentage is a metrics entry.
      expect(rt.runtime.resourceStates().find((r) => r.resource === 'horizontalpodautoscalers')).toMatchObject({ version: 'v1', status: 'synced' });
      expect(state).toMatchObject({ status: 'in-sync', changes: [], warnings: [] });
    } finally {
      rmSync(join(dir, 'hpa.yaml'), { force: true });
    }
  });

  it('reports a malformed manifest file with its file and line, and loads the rest', () => {
    const problems = rt.runtime.manifestProblems();
    expect(problems).toEqual([expect.objectContaining({ root: dir, file: 'broken.yaml', line: 3, severity: 'error' })]);
    expect(problems[0]?.message).toMatch(/flow map/i);
    const metric = (severity: string) => new RegExp(`^driftwatch_manifest_problems\\{severity="${severity}"\\} (\\d+)$`, 'm').exec(renderMetrics(rt.runtime))?.[1];
    expect([metric('error'), metric('warning')]).toEqual(['1', '0']);
  });

  it('keeps a drifted object compared, and says why, while a stray comma breaks its manifest; clears the warning when fixed', async () => {
    const a = configMap(ns, 'typo-a', { k: 'v' });
    const b = configMap(ns, 'typo-b', { LOG_LEVEL: 'info' });
    await applySsa(kc, 'configmaps', a);
    await applySsa(kc, 'configmaps', b);
    const file = join(dir, 'typos.yaml');
    const yaml = (bData: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo-a, namespace: ${ns}}\ndata: {k: v}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo-b, namespace: ${ns}}\ndata: ${bData}\n`;
    writeFileSync(file, yaml('{LOG_LEVEL: info}'));
    try {
      await eventually(async () => stateOf('ConfigMap', 'typo-b')?.status === 'in-sync', 'typo-b in sync', 20_000);
      await patchAs(kc, 'kubectl-edit', 'v1', 'configmaps', ns, 'typo-b', { data: { LOG_LEVEL: 'debug' } });
      await eventually(async () => stateOf('ConfigMap', 'typo-b')?.status === 'drifted', 'typo-b drifted', 20_000);
      writeFileSync(file, yaml('{LOG_LEVEL: info,, }'));
      const warned = await eventually(async () => (stateOf('ConfigMap', 'typo-b')?.warnings.length ? stateOf('ConfigMap', 'typo-b') : undefined), 'the stale warning', 20_000);
      // Still compared with the document as last loaded: still drifted, attributed as before.
      expect(warned).toMatchObject({ status: 'drifted', changes: [{ path: 'data.LOG_LEVEL', live: 'debug', manager: { name: 'kubectl-edit' } }], source: { file: 'typos.yaml', stale: expect.stringMatching(/^typos\.yaml has an error at line 9 /) } });
      expect(warned?.warnings).toEqual([warned?.source?.stale]);
      expect(rt.runtime.manifestProblems()).toContainEqual(expect.objectContaining({ file: 'typos.yaml', line: 9, severity: 'error' }));
      expect(stateOf('ConfigMap', 'typo-a')).toMatchObject({ status: 'in-sync', warnings: [] });
      writeFileSync(file, yaml('{LOG_LEVEL: info}'));
      await eventually(async () => stateOf('ConfigMap', 'typo-b')?.warnings.length === 0 || undefined, 'the warning cleared', 20_000);
      expect(stateOf('ConfigMap', 'typo-b')?.status).toBe('drifted');
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('keys a manifest again when its CRD is installed after start-up: compared where the cluster puts it, not missing beside an unmanaged twin', async () => {
    const group = `${ns}.example.com`;
    const gadget = { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'g1', namespace: ns }, spec: { size: 3 } };
    writeFileSync(join(dir, 'gadget.yaml'), JSON.stringify(gadget));
    await eventually(async () => rt.runtime.manifestProblems().some((p) => p.message.includes(`Gadget.${group} (yet)`)) || undefined, 'the unknown kind reported');
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `gadgets.${group}` },
      spec: {
        group,
        scope: 'Cluster',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    await applySsa(kc, 'customresourcedefinitions', crd);
    try {
      // Cluster-scoped: the manifest's namespace goes, as the API server would drop it.
      await eventually(async () => applySsa(kc, 'gadgets', { ...gadget, metadata: { name: 'g1' } }).then(() => true, () => undefined), 'the CRD served');
      // Well within the directory's periodic re-scan (off in these tests): the new scope keys it again.
      const state = await eventually(async () => (rt.runtime.get(`test/${group}/Gadget//g1`)?.state.status === 'in-sync' ? rt.runtime.get(`test/${group}/Gadget//g1`)?.state : undefined), 'the Gadget in sync', 20_000);
      expect(state).toMatchObject({ status: 'in-sync', source: { file: 'gadget.yaml' } });
      expect(rt.runtime.get(`test/${group}/Gadget/${ns}/g1`)).toBeUndefined();
    } finally {
      rmSync(join(dir, 'gadget.yaml'));
      await kubeWrite(kc, 'DELETE', objectPath({ apiVersion: 'apiextensions.k8s.io/v1', resource: 'customresourcedefinitions', name: crd.metadata.name }), undefined);
    }
  });

  it('shows a change by another field manager with its path and manager, on the event log, and clears it on revert', async () => {
    const mark = rt.events.length;
    await patchAs(kc, 'kubectl-edit', 'v1', 'configmaps', ns, 'app-config', { data: { FEATURE_X: 'on' } });
    const drifted = await eventually(async () => (stateOf('ConfigMap', 'app-config')?.status === 'drifted' ? stateOf('ConfigMap', 'app-config') : undefined), 'drift');
    expect(drifted?.changes).toEqual([
      expect.objectContaining({ path: 'data.FEATURE_X', op: 'changed', desired: 'off', live: 'on', manager: expect.objectContaining({ name: 'kubectl-edit', operation: 'Update' }) }),
    ]);
    const event = rt.events.slice(mark).find((e) => e.type === 'upsert' && e.state.name === 'app-config');
    expect(event).toMatchObject({ type: 'upsert', state: { status: 'drifted', changes: [{ path: 'data.FEATURE_X' }] } });

    // Still drifted, other changes: a second tool on another key, each change credited to the
    // manager that owns its field (not to whoever wrote last), each step on the event log.
    await patchAs(kc, 'other-tool', 'v1', 'configmaps', ns, 'app-config', { data: { LOG_LEVEL: 'debug' } });
    const two = await eventually(async () => (stateOf('ConfigMap', 'app-config')?.changes.length === 2 ? stateOf('ConfigMap', 'app-config') : undefined), 'the second change');
    expect(two.changes.map((c) => [c.path, c.live, c.manager?.name]).sort()).toEqual([
      ['data.FEATURE_X', 'on', 'kubectl-edit'],
      ['data.LOG_LEVEL', 'debug', 'other-tool'],
    ]);
    await patchAs(kc, 'kubectl-edit', 'v1', 'configmaps', ns, 'app-config', { data: { FEATURE_X: 'maybe' } });
    await eventually(async () => stateOf('ConfigMap', 'app-config')?.changes.some((c) => c.live === 'maybe'), 'the changed change');
    const upserts = rt.events.slice(mark).flatMap((e) => (e.type === 'upsert' && e.state.name === 'app-config' ? [e.state.changes.map((c) => `${c.path}=${String(c.live)}`).join(' ')] : []));
    expect(upserts.map((u) => u.split(' ').sort().join(' '))).toEqual(['data.FEATURE_X=on', 'data.FEATURE_X=on data.LOG_LEVEL=debug', 'data.FEATURE_X=maybe data.LOG_LEVEL=debug']);

    await patchAs(kc, 'other-tool', 'v1', 'configmaps', ns, 'app-config', { data: { LOG_LEVEL: 'info' } });
    await patchAs(kc, 'kubectl-edit', 'v1', 'configmaps', ns, 'app-config', { data: { FEATURE_X: 'off' } });
    await eventually(async () => stateOf('ConfigMap', 'app-config')?.status === 'in-sync', 'the revert to clear the drift');
    const last = rt.events.filter((e) => e.type === 'upsert' && e.state.name === 'app-config').pop();
    expect(last).toMatchObject({ state: { status: 'in-sync', changes: [] } });
  });

  it('reports a Pod whose spec an operator changed away from the template, against the owner template', async () => {
    const pod = [...rt.runtime.states()].find((s) => s.namespace === ns && s.kind === 'Pod');
    if (!pod) throw new Error('no pod');
    await patchAs(kc, 'my-operator', 'v1', 'pods', ns, pod.name, { spec: { containers: [{ name: 'app', image: 'nginx:1.27-patched' }] } }, CONTENT_TYPE.strategic);
    const drifted = await eventually(async () => {
      const s = stateOf('Pod', pod.name);
      return s?.status === 'drifted' ? s : undefined;
    }, 'the Pod to drift');
    expect(drifted.source).toMatchObject({ type: 'owner-template', owner: { kind: 'ReplicaSet' } });
    expect(drifted.changes.map((c) => [c.path, c.op, c.live, c.manager?.name])).toEqual([
      ['spec.containers[name=app].image', 'changed', 'nginx:1.27-patched', 'my-operator'],
    ]);
    // The Deployment itself is untouched and stays in sync.
    expect(stateOf('Deployment', 'web', 'apps')?.status).toBe('in-sync');
  });

  it('reports a Pod an admission webhook rewrote at creation (an env var changed, one injected) against its ReplicaSet\'s template', async () => {
    // A running Pod's env cannot be patched; a webhook (a sidecar injector, a policy engine) is how
    // an operator changes it, on every Pod as it is created.
    const webhook = await startPodMutatingWebhook(kc, stateDir, state, ns, (pod) => {
      const labels = ((pod.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {});
      if (labels.app !== 'worker') return [];
      return [
        { op: 'replace', path: '/spec/containers/0/env/0/value', value: 'debug' },
        { op: 'add', path: '/spec/containers/0/env/-', value: { name: 'HTTP_PROXY', value: 'http://egress.internal:3128' } },
      ];
    });
    try {
      const worker = {
        ...deployment,
        metadata: { name: 'worker', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'worker' } },
          template: {
            metadata: { labels: { app: 'worker' } },
            spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/worker:2.0', env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'QUEUE', value: 'jobs' }] }] },
          },
        },
      };
      writeFileSync(join(dir, 'worker.yaml'), JSON.stringify(worker));
      await applySsa(kc, 'deployments', worker);
      const drifted = await eventually(async () => {
        const s = [...rt.runtime.states()].find((x) => x.namespace === ns && x.kind === 'Pod' && x.name.startsWith('worker-'));
        return s?.status === 'drifted' ? s : undefined;
      }, 'the worker Pod to drift');
      expect(webhook.admitted.some((n) => n.startsWith('worker-'))).toBe(true);
      expect(drifted.source).toMatchObject({ type: 'owner-template', owner: { kind: 'ReplicaSet' } });
      // The declared value the webhook overwrote is drift. The server records admission's changes
      // under the request's manager, the controller that created the Pod, so the variable it
      // added is a live-only write of the cluster's own controllers: not drift (as an injected
      // sidecar should not be), and not listed among the ignored changes either.
      expect(drifted.changes.map((c) => [c.path, c.op, c.desired, c.live, c.manager?.name])).toEqual([
        ['spec.containers[name=app].env[name=LOG_LEVEL].value', 'changed', 'info', 'debug', 'kube-controller-manager'],
      ]);
      expect(drifted.ignored).toEqual([]);
      const live = await getJson<{ spec: { containers: Array<{ env: unknown[] }> } }>(kc, objectPath({ apiVersion: 'v1', resource: 'pods', namespace: ns, name: drifted.name }));
      expect(live.spec.containers[0]?.env).toContainEqual({ name: 'HTTP_PROXY', value: 'http://egress.internal:3128' });
      // The Deployment and its ReplicaSet's template are as declared.
      expect(stateOf('Deployment', 'worker', 'apps')?.status).toBe('in-sync');
    } finally {
      await webhook.close();
    }
  });

  it('reports desired objects that do not exist as missing, and picks up new manifest files', async () => {
    writeFileSync(join(dir, 'extra.yaml'), JSON.stringify(configMap(ns, 'not-applied', { a: 'b' })));
    const missing = await eventually(async () => stateOf('ConfigMap', 'not-applied'), 'the new manifest');
    expect(missing).toMatchObject({ status: 'missing', changes: [{ path: '', op: 'missing' }], source: { file: 'extra.yaml' } });
  });
});

describe('live drift, with a resource the dashboard may not list (RBAC)', () => {
  const { kc, state } = testCluster();
  const ns = uniqueName('live-rbac');
  const dir = tempDir();
  let rt: Running | undefined;

  beforeAll(async () => {
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const { role, binding } = viewerRole(ns, 'configmaps', READ_CONFIGMAPS);
    await applySsa(kc, 'roles', role);
    await applySsa(kc, 'rolebindings', binding);
    const cm = configMap(ns, 'visible', { a: '1' });
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hidden', namespace: ns }, stringData: { password: 'rbac-canary-value' } };
    await applySsa(kc, 'configmaps', cm);
    await applySsa(kc, 'secrets', secret);
    writeFileSync(join(dir, 'all.yaml'), `${JSON.stringify(cm)}\n---\n${JSON.stringify(secret)}\n`);
    rt = await startRuntime(state.kubeconfig, dir, { context: 'test-cluster-viewer', config: { watch: { namespaces: [ns], pods: false, customResources: false } } });
  });

  afterAll(async () => {
    await rt?.runtime.stop();
  });

  it('shows the forbidden resource as forbidden while the rest works', () => {
    if (!rt) throw new Error('no runtime');
    const resources = rt.runtime.resourceStates();
    expect(resources.find((r) => r.resource === 'secrets')).toMatchObject({ status: 'forbidden', message: expect.stringContaining('forbidden') });
    expect(resources.find((r) => r.resource === 'configmaps')).toMatchObject({ status: 'synced' });
    // The CRD list too: custom resources then go without their schemas, which is worth a row.
    expect(resources.find((r) => r.resource === 'customresourcedefinitions')).toMatchObject({ status: 'forbidden', reasons: ['custom resource schemas'] });
    expect(rt.runtime.get(`test//ConfigMap/${ns}/visible`)?.state.status).toBe('in-sync');
    const secret = rt.runtime.get(`test//Secret/${ns}/hidden`)?.state;
    expect(secret).toMatchObject({ status: 'error', error: expect.stringContaining('forbidden') });
    expect(JSON.stringify([...rt.runtime.states()])).not.toContain('rbac-canary-value');
  });

  it('keeps watching what it may while a resource is forbidden: a later change drifts with its path and manager', async () => {
    if (!rt) throw new Error('no runtime');
    await patchAs(kc, 'kubectl-edit', 'v1', 'configmaps', ns, 'visible', { data: { a: '2' } });
    const state = await eventually(async () => (rt?.runtime.get(`test//ConfigMap/${ns}/visible`)?.state.status === 'drifted' ? rt.runtime.get(`test//ConfigMap/${ns}/visible`)?.state : undefined), 'visible drifted');
    expect(state?.changes).toEqual([expect.objectContaining({ path: 'data.a', op: 'changed', desired: '1', live: '2', manager: expect.objectContaining({ name: 'kubectl-edit' }) })]);
  });

  it('judges each namespace by its own list: one forbidden namespace leaves the allowed one\'s absences missing', async () => {
    const closed = `${ns}-closed`;
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: closed } });
    const mdir = tempDir();
    writeFileSync(join(mdir, 'cms.yaml'), [configMap(ns, 'absent', { a: '1' }), configMap(closed, 'behind-rbac', { a: '1' })].map((m) => JSON.stringify(m)).join('\n---\n'));
    const two = await startRuntime(state.kubeconfig, mdir, { context: 'test-cluster-viewer', config: { watch: { namespaces: [ns, closed], pods: false, customResources: false } } });
    try {
      expect(two.runtime.get(`test//ConfigMap/${ns}/absent`)?.state).toMatchObject({ status: 'missing' });
      expect(two.runtime.get(`test//ConfigMap/${closed}/behind-rbac`)?.state).toMatchObject({ status: 'error', error: expect.stringContaining(`in the namespace "${closed}"`) });
    } finally {
      await two.runtime.stop();
    }
  });
});

describe('live drift through API server restarts, 410 Gone and bursts (a cluster of its own, watches served by etcd)', () => {
  let cluster: TestCluster | undefined;
  let proxy: TcpProxy | undefined;
  let rt: Running | undefined;
  const dir = tempDir();
  const ns = 'chaos';
  const N = 100;
  const only: StartOptions = { config: { watch: { namespaces: [ns], pods: false, customResources: false } } };
  let kc: KubeConfig;
  let directKubeconfig: string;
  // Beside the manifest directory, not in it.
  const proxied = join(dir, '..', `${ns}-${Date.now()}-proxied.kubeconfig`);

  beforeAll(async () => {
    cluster = await startTestCluster({ log: () => undefined, apiServerArgs: ['--watch-cache=false'] });
    directKubeconfig = cluster.kubeconfig;
    kc = new KubeConfig();
    kc.loadFromFile(directKubeconfig);
    proxy = await startTcpProxy({ host: '127.0.0.1', port: cluster.state.apiServerPort });
    writeFileSync(proxied, proxy.kubeconfigThrough(kc).exportConfig(), { mode: 0o600 });
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (let i = 0; i < N; i++) {
      const m = configMap(ns, `cm-${i}`, { value: '0', owner: 'git' });
      writeFileSync(join(dir, `cm-${i}.yaml`), JSON.stringify(m));
      await applySsa(kc, 'configmaps', m);
    }
    rt = await startRuntime(proxied, dir, { ...only, informer: { watchdogMs: 3000, backoff: { maxMs: 2000 } } });
  }, 300_000);

  afterAll(async () => {
    await rt?.runtime.stop();
    await proxy?.close();
    await cluster?.stop();
    rmSync(proxied, { force: true });
  });

  const mutate = (i: number, value: string, manager = 'kubectl-edit') => patchAs(kc, manager, 'v1', 'configmaps', ns, `cm-${i}`, { data: { value } });

  /**
   * Ground truth read straight from the cluster, without the engine: each declared ConfigMap is
   * missing when absent, in sync when its value is the declared '0', and otherwise drifted to its
   * value by the manager that owns that field.
   */
  async function clusterTruth(): Promise<Record<string, string>> {
    const list = await getJson<{ items: KubeObject[] }>(kc, `/api/v1/namespaces/${ns}/configmaps`);
    const byName = new Map(list.items.map((o) => [o.metadata.name, o]));
    const out: Record<string, string> = {};
    for (let i = 0; i < N; i++) {
      const o = byName.get(`cm-${i}`);
      const value = (o?.data as Record<string, string> | undefined)?.value;
      const owners = ((o?.metadata.managedFields ?? []) as { manager?: string; fieldsV1?: { 'f:data'?: Record<string, unknown> } }[])
        .filter((m) => m.fieldsV1?.['f:data']?.['f:value'] !== undefined && m.manager !== GITOPS)
        .map((m) => m.manager);
      out[`cm-${i}`] = o === undefined ? 'missing' : value === '0' ? 'in-sync' : `drifted ${String(value)} ${owners.join(',')}`;
    }
    return out;
  }

  /** The dashboard's states in the form of clusterTruth(). */
  function asClusterTruth(states: Iterable<ObjectDriftState>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of states) {
      if (s.namespace !== ns || s.kind !== 'ConfigMap' || !/^cm-\d+$/.test(s.name)) continue;
      const only = s.changes.length === 1 && s.changes[0]?.path === 'data.value' ? s.changes[0] : undefined;
      out[s.name] = s.status !== 'drifted' ? s.status : only ? `drifted ${String(only.live)} ${only.manager?.name ?? ''}` : `drifted ${JSON.stringify(s.changes)}`;
    }
    return out;
  }

  /** What a client of the event stream holds: every event since start, folded. */
  function streamed(): ObjectDriftState[] {
    const held = new Map<string, ObjectDriftState>();
    for (const e of rt?.events ?? []) {
      if (e.type === 'upsert') held.set(e.state.id, e.state);
      else held.delete(e.id);
    }
    return [...held.values()];
  }

  /**
   * The live state equals three things: a runtime started now from fresh lists (nothing it could
   * have missed), the cluster read directly (no shared engine code), and what the event stream
   * told its clients (no verdict changed without an event).
   */
  async function untilEqualsGroundTruth(what: string): Promise<void> {
    if (!rt) throw new Error('no runtime');
    let truth: Record<string, string> = {};
    let mine: Record<string, string> = {};
    let direct: Record<string, string> = {};
    let stream: Record<string, string> = {};
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      truth = await groundTruth(directKubeconfig, dir, ns, only);
      direct = await clusterTruth();
      mine = verdicts(rt.runtime.states(), ns);
      stream = verdicts(streamed(), ns);
      const same = isDeepStrictEqual;
      if (same(mine, truth) && same(asClusterTruth(rt.runtime.states()), direct) && same(stream, mine)) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(mine, `${what}: the live state differs from a fresh evaluation`).toEqual(truth);
    expect(asClusterTruth(rt.runtime.states()), `${what}: the live state differs from the cluster`).toEqual(direct);
    expect(stream, `${what}: the event stream differs from the live state`).toEqual(mine);
  }

  it('watches a cluster unreachable at start as soon as it answers, saying meanwhile that it could not be asked', async () => {
    if (!cluster) throw new Error('no cluster');
    const target = { host: '127.0.0.1', port: cluster.state.apiServerPort };
    const gone = await startTcpProxy(target);
    const file = join(dir, '..', `${ns}-${Date.now()}-late.kubeconfig`);
    writeFileSync(file, gone.kubeconfigThrough(kc).exportConfig(), { mode: 0o600 });
    // Closed: its port refuses connections, as a cluster that is down does.
    await gone.close();
    const m = configMap(ns, 'late', { a: '1' });
    await applySsa(kc, 'configmaps', m);
    const mdir = tempDir();
    writeFileSync(join(mdir, 'late.yaml'), JSON.stringify(m));
    const late = await startRuntime(file, mdir, only);
    let back: TcpProxy | undefined;
    try {
      expect(late.runtime.get(`test//ConfigMap/${ns}/late`)?.state).toMatchObject({ status: 'error', error: expect.stringMatching(/^cannot list ConfigMap: discovery failed: /) });
      // The dashboard serves what it knows (ready); the cluster itself is not, and says why.
      expect(late.runtime.isReady()).toBe(true);
      expect(late.runtime.clusterSummaries()).toEqual([expect.objectContaining({ name: 'test', ready: false, error: expect.stringMatching(/^discovery failed: .*ECONNREFUSED/) })]);
      expect(renderMetrics(late.runtime)).toContain('driftwatch_cluster_ready{cluster="test"} 0');
      back = await startTcpProxy(target, { port: gone.port });
      // Discovery is retried within seconds (2 s, then 4 s, …), not at the 5-minute rediscovery.
      await eventually(async () => late.runtime.get(`test//ConfigMap/${ns}/late`)?.state.status === 'in-sync', 'the cluster watched once it answers', 30_000);
      expect(late.runtime.resourceStates().find((r) => r.resource === 'configmaps')).toMatchObject({ status: 'synced' });
      expect(late.runtime.resourceStates().some((r) => r.resource === '(discovery)')).toBe(false);
      expect(late.runtime.clusterSummaries()).toEqual([expect.not.objectContaining({ error: expect.anything() })]);
      expect(late.runtime.clusterSummaries()[0]?.ready).toBe(true);
    } finally {
      await late.runtime.stop();
      await back?.close();
      rmSync(file, { force: true });
    }
  }, 60_000);

  it('says a cluster that stops answering between discoveries is not ready, and ready again once it answers', async () => {
    if (!cluster) throw new Error('no cluster');
    const target = { host: '127.0.0.1', port: cluster.state.apiServerPort };
    let proxy = await startTcpProxy(target);
    const file = join(dir, '..', `${ns}-${Date.now()}-outage.kubeconfig`);
    writeFileSync(file, proxy.kubeconfigThrough(kc).exportConfig(), { mode: 0o600 });
    const mdir = tempDir();
    writeFileSync(join(mdir, 'outage.yaml'), JSON.stringify(configMap(ns, 'outage', { a: '1' })));
    await applySsa(kc, 'configmaps', configMap(ns, 'outage', { a: '1' }));
    const watched = await startRuntime(file, mdir, only);
    try {
      await eventually(async () => watched.runtime.clusterSummaries()[0]?.ready === true, 'the cluster ready');
      // The API server gone: connections refused, the watches fail; discovery is minutes away.
      await proxy.close();
      await eventually(async () => watched.runtime.clusterSummaries()[0]?.ready === false, 'the cluster not ready', 30_000);
      expect(watched.runtime.clusterSummaries()[0]?.error).toMatch(/^every watched resource fails: .*ECONNREFUSED/);
      expect(renderMetrics(watched.runtime)).toContain('driftwatch_cluster_ready{cluster="test"} 0');
      // What it last saw stays, marked as possibly out of date.
      expect(watched.runtime.get(`test//ConfigMap/${ns}/outage`)?.state.status).toBe('in-sync');
      proxy = await startTcpProxy(target, { port: proxy.port });
      await eventually(async () => watched.runtime.clusterSummaries()[0]?.ready === true, 'the cluster ready again', 60_000);
      expect(watched.runtime.clusterSummaries()[0]).not.toHaveProperty('error');
    } finally {
      await watched.runtime.stop();
      await proxy.close();
      rmSync(file, { force: true });
    }
  }, 120_000);

  it('is ready without waiting out the CRD list when discovery of a silent cluster (packets dropped) has failed', async () => {
    if (!cluster) throw new Error('no cluster');
    const silent = await startTcpProxy({ host: '127.0.0.1', port: cluster.state.apiServerPort });
    silent.partition();
    const file = join(dir, '..', `${ns}-${Date.now()}-silent.kubeconfig`);
    writeFileSync(file, silent.kubeconfigThrough(kc).exportConfig(), { mode: 0o600 });
    const mdir = tempDir();
    writeFileSync(join(mdir, 'late.yaml'), JSON.stringify(configMap(ns, 'late', { a: '1' })));
    // Lists and watches give up after 120 s here; discovery after its own 15 s.
    const runtime = createRuntime(file, mdir, { ...only, informer: { requestTimeoutMs: 120_000 } });
    try {
      await runtime.start();
      await runtime.ready(60_000);
      expect(runtime.get(`test//ConfigMap/${ns}/late`)?.state).toMatchObject({ status: 'error', error: expect.stringMatching(/^cannot list ConfigMap: discovery failed: .*connected, but no TLS handshake within 15000ms/) });
    } finally {
      await runtime.stop();
      await silent.close();
      rmSync(file, { force: true });
    }
  }, 120_000);

  it('starts in sync', () => {
    if (!rt) throw new Error('no runtime');
    const v = Object.values(verdicts(rt.runtime.states(), ns));
    expect(v.filter((s) => s.startsWith('in-sync'))).toHaveLength(N + 0);
  });

  it('ends equal to the ground truth after the API server restarts mid-watch, with the changes and a delete made while it was cut off', async () => {
    if (!rt || !proxy || !cluster) throw new Error('not started');
    const restartsBefore = rt.runtime.resourceStates().reduce((n, r) => n + r.watchRestarts, 0);
    // The dashboard's connections go silent first: what follows reaches it only from where its
    // watch resumes once it is back, not as events of the watch it had open.
    proxy.partition();
    await mutate(1, 'before-restart');
    await cluster.restart();
    await Promise.all([
      mutate(2, 'after-restart'),
      mutate(1, '0'),
      mutate(3, 'x', 'another-tool'),
      kubeWrite(kc, 'DELETE', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name: 'cm-6' }), undefined),
    ]);
    proxy.heal();
    await untilEqualsGroundTruth('after restart');
    const s = verdicts(rt.runtime.states(), ns);
    expect(s['ConfigMap/cm-2']).toMatch(/^drifted .*after-restart.*kubectl-edit/);
    expect(s['ConfigMap/cm-1']).toMatch(/^in-sync/);
    expect(s['ConfigMap/cm-3']).toMatch(/^drifted .*another-tool/);
    expect(s['ConfigMap/cm-6']).toMatch(/^missing/);
    expect(rt.runtime.resourceStates().reduce((n, r) => n + r.watchRestarts, 0)).toBeGreaterThan(restartsBefore);
  });

  it('ends equal to the ground truth after a partition and 410 Gone (compaction), missed changes included', async () => {
    if (!rt || !proxy || !cluster) throw new Error('not started');
    const relistsBefore = rt.runtime.resourceStates().reduce((n, r) => n + r.relists, 0);
    proxy.partition();
    await mutate(4, 'while-away');
    await mutate(2, '0');
    await kubeWrite(kc, 'DELETE', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name: 'cm-5' }), undefined);
    await cluster.compact();
    proxy.heal();
    await untilEqualsGroundTruth('after 410');
    const s = verdicts(rt.runtime.states(), ns);
    expect(s['ConfigMap/cm-4']).toMatch(/^drifted .*while-away/);
    expect(s['ConfigMap/cm-2']).toMatch(/^in-sync/);
    expect(s['ConfigMap/cm-5']).toMatch(/^missing/);
    expect(rt.runtime.resourceStates().reduce((n, r) => n + r.relists, 0)).toBeGreaterThan(relistsBefore);
  });

  it('ends equal to the ground truth after 1,000 rapid mutations across 100 objects', async () => {
    // Objects deleted by the tests before (or not, when run alone) refuse their writes.
    const present = new Set((await getJson<{ items: KubeObject[] }>(kc, `/api/v1/namespaces/${ns}/configmaps`)).items.map((o) => o.metadata.name));
    const ops: { i: number; run: () => Promise<unknown> }[] = [];
    for (let k = 0; k < 1000; k++) {
      const i = (k * 37) % N;
      // Some end back at the desired value, some drift; two managers take turns.
      const value = k % 3 === 0 ? '0' : `v${k}`;
      ops.push({ i, run: () => mutate(i, value, k % 2 === 0 ? 'kubectl-edit' : 'operator') });
    }
    let next = 0;
    let written = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let k = next++; k < ops.length; k = next++) await ops[k]!.run().then(() => written++, () => undefined);
      }),
    );
    const writable = ops.filter((o) => present.has(`cm-${o.i}`)).length;
    expect(writable).toBeGreaterThanOrEqual(980);
    expect(written).toBe(writable);
    await untilEqualsGroundTruth('after 1,000 mutations');
    expect(Object.values(verdicts(rt?.runtime.states() ?? [], ns)).filter((v) => v.startsWith('drifted')).length).toBeGreaterThan(30);
  }, 120_000);
});

describe('live drift across two clusters at once', () => {
  const shared = testCluster();
  let other: TestCluster | undefined;
  let rt: LiveRuntime | undefined;
  const ns = uniqueName('multi');
  const dir = tempDir();

  beforeAll(async () => {
    other = await startTestCluster({ log: () => undefined });
    const otherKc = new KubeConfig();
    otherKc.loadFromFile(other.kubeconfig);
    const cm = configMap(ns, 'flags', { beta: 'off' });
    writeFileSync(join(dir, 'flags.yaml'), JSON.stringify(cm));
    for (const kc of [shared.kc, otherKc]) {
      await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      await applySsa(kc, 'configmaps', cm);
    }
    // Only in the second cluster, someone turns the flag on.
    await patchAs(otherKc, 'kubectl-edit', 'v1', 'configmaps', ns, 'flags', { data: { beta: 'on' } });
    const config = parseDashboardConfig(
      {
        clusters: [
          { name: 'alpha', kubeconfig: shared.state.kubeconfig },
          { name: 'beta', kubeconfig: other.kubeconfig },
        ],
        manifests: [dir],
        fieldManager: GITOPS,
        watch: { namespaces: [ns], pods: false, customResources: false },
      },
      'test',
    );
    const feed = new DirectoryManifestFeed(config.manifests, { rescanIntervalMs: 0, gitPollMs: 0 });
    rt = new LiveRuntime({ config, manifests: feed, informer: { watchdogMs: 3000, backoff: { maxMs: 1000 } }, log: () => undefined });
    await rt.start();
    await rt.ready(120_000);
  });

  afterAll(async () => {
    await rt?.stop();
    await other?.stop();
  });

  it('keeps each cluster\'s verdict apart, and one cluster going away does not stop the other', async () => {
    if (!rt || !other) throw new Error('not started');
    expect(rt.get(`alpha//ConfigMap/${ns}/flags`)?.state.status).toBe('in-sync');
    expect(rt.get(`beta//ConfigMap/${ns}/flags`)?.state).toMatchObject({ status: 'drifted', cluster: 'beta', changes: [{ path: 'data.beta', live: 'on' }] });
    expect(rt.query({ limit: 10, cluster: ['beta'], status: ['drifted'] }).items.map((s) => s.id)).toEqual([`beta//ConfigMap/${ns}/flags`]);
    // The list API's body is kept between reads; it must not outlive a change.
    const listed = () => (JSON.parse(rt?.driftListJson({ limit: 10, namespace: [ns] }) ?? '{}') as { items: { id: string; status: string }[] }).items;
    expect(listed().find((s) => s.id === `alpha//ConfigMap/${ns}/flags`)?.status).toBe('in-sync');
    // So is the table's rows body, per reader's namespaces.
    const rowStatus = (namespaces?: string[]) =>
      (JSON.parse(rt?.driftRowsJson({ limit: 50_000, ...(namespaces ? { namespaces } : {}) }) ?? '{}') as { rows: [string, string][] }).rows.find((r) => r[0] === `alpha//ConfigMap/${ns}/flags`)?.[1];
    expect(rowStatus()).toBe('in-sync');
    expect(rowStatus([ns])).toBe('in-sync');
    expect(rowStatus(['elsewhere'])).toBeUndefined();

    await other.stop();
    await patchAs(shared.kc, 'kubectl-edit', 'v1', 'configmaps', ns, 'flags', { data: { beta: 'maybe' } });
    await eventually(async () => rt?.get(`alpha//ConfigMap/${ns}/flags`)?.state.status === 'drifted', 'alpha to see its own change');
    expect(listed().find((s) => s.id === `alpha//ConfigMap/${ns}/flags`)?.status).toBe('drifted');
    expect(rowStatus([ns])).toBe('drifted');
    // The unreachable cluster keeps its last known state; its watch reports the failure.
    expect(rt.get(`beta//ConfigMap/${ns}/flags`)?.state.status).toBe('drifted');
    await eventually(
      async () => rt?.resourceStates().some((r) => r.cluster === 'beta' && r.status === 'error'),
      'the second cluster\'s watches to report the failure',
    );
  }, 90_000);
});
