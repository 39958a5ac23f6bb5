import { setMaxListeners } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import {
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testCluster, uniqueName } from '@/testing/cluster-fixture';
import { startHttpsRewriteProxy } from '@/testing/https-rewrite-proxy';
import { startTcpProxy, type TcpProxy } from '@/testing/tcp-proxy';
import { startTestCluster, type TestCluster } from '@/testing/test-cluster';
import { ConfigMap } from '@/testing/test-kinds';
import type { KubeObject } from './cache-diff';
import { getJson, MAX_REQUEST_SOCKETS, open } from './http';
import {
  SupervisedInformer,
  type InformerEvent,
  type InformerOptions,
  type InformerResource,
  type InformerState,
} from './informer';

const configMaps: InformerResource = { group: '', version: 'v1', name: 'configmaps', namespaced: true, kind: 'ConfigMap' };
const secrets: InformerResource = { group: '', version: 'v1', name: 'secrets', namespaced: true, kind: 'Secret' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

type Change = Extract<InformerEvent, { type: 'added' | 'modified' | 'deleted' }>;

/** Everything an informer tells its listeners, in order. */
class Recorder {
  readonly events: InformerEvent[] = [];
  readonly states: InformerState[] = [];
  readonly listenerErrors: unknown[] = [];

  constructor(readonly informer: SupervisedInformer) {
    informer.onEvent((e) => void this.events.push(e));
    informer.onState((s) => void this.states.push(s));
  }

  mark(): number {
    return this.events.length;
  }

  changes(from = 0): Change[] {
    return this.events.slice(from).filter((e): e is Change => e.type !== 'synced');
  }

  /** `type:name` of every change since `from`, sorted, with the source when asked. */
  labels(from = 0, withSource = false): string[] {
    return this.changes(from)
      .map((e) => `${e.type}:${e.object.metadata.name}${withSource ? `:${e.source}` : ''}`)
      .sort();
  }

  lastChange(name: string): Change | undefined {
    return this.changes().filter((e) => e.object.metadata.name === name).at(-1);
  }

  waitFor(pred: (e: Change) => boolean, what: string, from = 0, timeoutMs = 60_000): Promise<Change> {
    return eventually(async () => this.changes(from).find(pred), what, timeoutMs);
  }
}

const running = new Set<SupervisedInformer>();
const proxies = new Set<TcpProxy>();
afterEach(async () => {
  await Promise.all([...running].map((i) => i.stop()));
  running.clear();
  await Promise.all([...proxies].map((p) => p.close()));
  proxies.clear();
});

function startInformer(kc: KubeConfig, opts: InformerOptions): { informer: SupervisedInformer; rec: Recorder } {
  const rec: { current?: Recorder } = {};
  const informer = new SupervisedInformer(kc, {
    ...opts,
    onListenerError: (err) => rec.current?.listenerErrors.push(err),
  });
  rec.current = new Recorder(informer);
  running.add(informer);
  informer.start();
  return { informer, rec: rec.current };
}

/** A cluster at an address nothing listens at: every connection is refused. */
function unreachableKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'nowhere', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'nobody', token: 'x' }],
    contexts: [{ name: 'nowhere', cluster: 'nowhere', user: 'nobody' }],
    currentContext: 'nowhere',
  });
  return kc;
}

async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port });
  proxies.add(proxy);
  return proxy;
}

function clients(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api), rbac: kc.makeApiClient(RbacAuthorizationV1Api) };
}

async function createNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** name → identity, version and content: enough to tell any two states of a ConfigMap apart. */
type Snapshot = Map<string, { uid: unknown; resourceVersion: unknown; data: unknown; labels: unknown }>;

function snapshot(objects: (KubeObject | V1ConfigMap)[]): Snapshot {
  const out: Snapshot = new Map();
  for (const o of objects) {
    const m = o.metadata;
    if (!m?.name) continue;
    out.set(m.name, { uid: m.uid, resourceVersion: m.resourceVersion, data: o.data ?? {}, labels: m.labels ?? {} });
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

async function groundTruth(core: CoreV1Api, namespace: string, labelSelector?: string): Promise<Snapshot> {
  return snapshot((await core.listNamespacedConfigMap({ namespace, labelSelector })).items);
}

/** Waits until the informer's cache is exactly what a fresh LIST returns. */
async function untilCacheMatchesServer(
  informer: SupervisedInformer,
  core: CoreV1Api,
  namespace: string,
  { timeoutMs = 90_000, labelSelector }: { timeoutMs?: number; labelSelector?: string } = {},
) {
  try {
    await eventually(
      async () => isDeepStrictEqual(snapshot(informer.list()), await groundTruth(core, namespace, labelSelector)),
      'the informer cache to equal a fresh LIST',
      timeoutMs,
    );
  } catch (err) {
    // Shows the difference.
    expect(snapshot(informer.list())).toEqual(await groundTruth(core, namespace, labelSelector));
    throw err;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SupervisedInformer against the shared test cluster', () => {
  const { kc, state, stateDir } = testCluster();
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);

  it('syncs, reports creates, updates and deletes with their content, and emits nothing for no-op writes', async () => {
    const ns = await createNamespace(core, 'inf-basic');
    // A label selector keeps out kube-root-ca.crt, which the controller manager adds at its own pace.
    const labels = { app: 'inf-basic' };
    const labelSelector = 'app=inf-basic';
    for (const n of ['a', 'b', 'c']) await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap(n, { v: n }, labels) });
    const { informer, rec } = startInformer(kc, { resource: configMaps, namespace: ns, labelSelector });
    // A listener that throws is reported and changes nothing for the others.
    informer.onEvent(() => {
      throw new Error('listener bug');
    });
    await informer.synced();

    expect(rec.events.map((e) => (e.type === 'synced' ? `synced:${e.initial}` : `${e.type}:${e.object.metadata.name}:${e.source}`))).toEqual([
      'added:a:list',
      'added:b:list',
      'added:c:list',
      'synced:true',
    ]);
    expect(rec.changes()[0]?.object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { v: 'a' } });
    const synced = informer.getState();
    expect(synced).toMatchObject({ status: 'synced', hasSynced: true, objects: 3, resource: `v1/configmaps in ${ns}` });
    expect(synced.lastSyncTime).toBeGreaterThan(0);
    expect(rec.states.at(-1)?.status).toBe('synced');

    let mark = rec.mark();
    await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('d', { v: 'd' }, labels) });
    const added = await rec.waitFor((e) => e.type === 'added' && e.object.metadata.name === 'd', 'added d', mark);
    expect(added).toMatchObject({ source: 'watch', object: { kind: 'ConfigMap', data: { v: 'd' } } });

    const a = await core.readNamespacedConfigMap({ name: 'a', namespace: ns });
    await core.replaceNamespacedConfigMap({ name: 'a', namespace: ns, body: { ...a, data: { v: 'a2' } } });
    const modified = await rec.waitFor((e) => e.type === 'modified' && e.object.metadata.name === 'a', 'modified a', mark);
    expect(modified.object.data).toEqual({ v: 'a2' });
    expect(modified.previous?.data).toEqual({ v: 'a' });

    await core.patchNamespacedConfigMap({ name: 'b', namespace: ns, body: { metadata: { labels: { team: 'x' } } } }, mergePatch);
    const relabeled = await rec.waitFor((e) => e.type === 'modified' && e.object.metadata.name === 'b', 'label on b', mark);
    expect(relabeled.object.metadata.labels).toEqual({ app: 'inf-basic', team: 'x' });
    expect(relabeled.object.data).toEqual({ v: 'b' });

    await core.deleteNamespacedConfigMap({ name: 'c', namespace: ns });
    const deleted = await rec.waitFor((e) => e.type === 'deleted' && e.object.metadata.name === 'c', 'deleted c', mark);
    expect(deleted.object.data).toEqual({ v: 'c' });
    expect(rec.labels(mark, true)).toEqual(['added:d:watch', 'deleted:c:watch', 'modified:a:watch', 'modified:b:watch']);

    // No-op writes: a PUT of the object as read and a PATCH setting a value to what it already is.
    // The API server does not even bump the resourceVersion, and the informer emits nothing.
    const before = await core.readNamespacedConfigMap({ name: 'a', namespace: ns });
    mark = rec.mark();
    const received = informer.getState().counters.eventsReceived;
    const put = await core.replaceNamespacedConfigMap({ name: 'a', namespace: ns, body: before });
    const patched = await core.patchNamespacedConfigMap({ name: 'a', namespace: ns, body: { data: { v: 'a2' } } }, mergePatch);
    expect(put.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(patched.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    // A real change afterwards is the fence: watch events arrive in order.
    await core.patchNamespacedConfigMap({ name: 'd', namespace: ns, body: { data: { v: 'd2' } } }, mergePatch);
    await rec.waitFor((e) => e.type === 'modified' && e.object.metadata.name === 'd', 'modified d', mark);
    expect(rec.labels(mark)).toEqual(['modified:d']);
    expect(informer.getState().counters.eventsReceived).toBe(received + 1);

    await untilCacheMatchesServer(informer, core, ns, { labelSelector });
    expect(informer.get(ns, 'a')?.data).toEqual({ v: 'a2' });
    expect(informer.get(ns, 'c')).toBeUndefined();
    expect(informer.list().map((o) => o.metadata.name).sort()).toEqual(['a', 'b', 'd']);
    const counters = informer.getState().counters;
    expect(counters.eventsEmitted).toBe(3 + 5);
    expect(counters.relists).toBe(0);
    expect(counters.lastEventTime).toBeGreaterThan(0);
    expect(rec.listenerErrors.length).toBe(rec.events.length);

    // An object that stops matching the selector leaves the informer's view: deleted.
    mark = rec.mark();
    await core.patchNamespacedConfigMap({ name: 'b', namespace: ns, body: { metadata: { labels: { app: 'other' } } } }, mergePatch);
    const left = await rec.waitFor((e) => e.object.metadata.name === 'b', 'b leaving the selector', mark);
    expect(left.type).toBe('deleted');
    await untilCacheMatchesServer(informer, core, ns, { labelSelector });
    expect(informer.size).toBe(2);
  });

  it('hands the first list to listeners page by page, before the list is complete; synced comes after the last page', async () => {
    const ns = await createNamespace(core, 'inf-pages');
    const names = ['p1', 'p2', 'p3', 'p4', 'p5'];
    for (const n of names) await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap(n, { v: n }, { app: 'inf-pages' }) });
    const seen: { name: string; hasSynced: boolean; cached: number }[] = [];
    const informer = new SupervisedInformer(kc, { resource: configMaps, namespace: ns, labelSelector: 'app=inf-pages', pageSize: 2 });
    running.add(informer);
    const rec = new Recorder(informer);
    informer.onEvent((e) => {
      if (e.type === 'added') seen.push({ name: e.object.metadata.name, hasSynced: informer.getState().hasSynced, cached: informer.size });
    });
    informer.start();
    await informer.synced();
    expect(rec.events.map((e) => (e.type === 'synced' ? 'synced' : `${e.type}:${e.object.metadata.name}:${e.source}`))).toEqual([
      ...names.map((n) => `added:${n}:list`),
      'synced',
    ]);
    // Each object was handed over with the page it came in, before the list was complete.
    expect(seen.every((s) => !s.hasSynced)).toBe(true);
    expect(seen.map((s) => s.cached)).toEqual([1, 2, 3, 4, 5]);
    expect(informer.getState()).toMatchObject({ status: 'synced', hasSynced: true, objects: 5 });
    await untilCacheMatchesServer(informer, core, ns, { labelSelector: 'app=inf-pages' });
  });

  it('detects a silently dead connection with its watchdog and resumes from its resourceVersion without a relist', async () => {
    const ns = await createNamespace(core, 'inf-partition');
    for (const n of ['keep', 'upd', 'del']) await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap(n, { v: '1' }) });
    const proxy = await proxyTo(state.apiServerPort);
    const { informer, rec } = startInformer(proxy.kubeconfigThrough(kc), {
      resource: configMaps,
      namespace: ns,
      watchdogMs: 4000,
      backoff: { maxMs: 2000 },
    });
    await informer.synced();
    await eventually(async () => informer.get(ns, 'kube-root-ca.crt'), 'kube-root-ca.crt');
    // Let the watch open before the network goes away.
    await eventually(async () => proxy.openConnections() > 0, 'the watch connection');

    const watchdogBefore = informer.getState().counters.watchdogTimeouts;
    proxy.partition(); // no FIN, no RST: bytes simply stop
    const mark = rec.mark();
    await core.patchNamespacedConfigMap({ name: 'upd', namespace: ns, body: { data: { v: '2' } } }, mergePatch);
    await core.deleteNamespacedConfigMap({ name: 'del', namespace: ns });
    await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('new', { v: '1' }) });
    await sleep(1000);
    expect(rec.changes(mark)).toEqual([]); // nothing crosses a partition

    proxy.heal();
    await untilCacheMatchesServer(informer, core, ns);
    expect(rec.labels(mark, true)).toEqual(['added:new:watch', 'deleted:del:watch', 'modified:upd:watch']);
    let counters = informer.getState().counters;
    expect(counters.watchdogTimeouts).toBeGreaterThan(watchdogBefore);
    expect(counters.relists).toBe(0);

    // A connection closed under the watch (the stream just ends): reconnect, nothing lost.
    const restarts = counters.watchRestarts;
    const mark2 = rec.mark();
    proxy.dropConnections();
    await core.patchNamespacedConfigMap({ name: 'upd', namespace: ns, body: { data: { v: '3' } } }, mergePatch);
    const after = await rec.waitFor((e) => e.object.metadata.name === 'upd', 'upd after the cut', mark2);
    expect(after.object.data).toEqual({ v: '3' });
    counters = informer.getState().counters;
    expect(counters.watchRestarts).toBeGreaterThan(restarts);
    expect(counters.relists).toBe(0);
    await untilCacheMatchesServer(informer, core, ns);
    expect(informer.getState().status).toBe('synced');
  });

  it('closes the idle pooled connections when its watchdog finds the path dead, so the next request does not wait out its timeout on one', async () => {
    const ns = await createNamespace(core, 'inf-idle');
    const proxy = await proxyTo(state.apiServerPort);
    const through = proxy.kubeconfigThrough(kc);
    const { informer } = startInformer(through, { resource: configMaps, namespace: ns, watchdogMs: 2000, backoff: { maxMs: 1000 } });
    await informer.synced();
    // Idle kept-alive connections in the request pool, as lists, discovery and schemas leave them.
    await Promise.all([1, 2, 3].map(() => getJson(through, `/api/v1/namespaces/${ns}/configmaps`, { timeoutMs: 10_000 })));
    const before = informer.getState().counters.watchdogTimeouts;
    proxy.partition(); // the NAT forgets every connection: all of them are dead, none is closed
    await eventually(async () => informer.getState().counters.watchdogTimeouts > before, 'the watchdog', 20_000);
    proxy.heal();
    // A new connection answers; a pooled one from before the partition never would.
    await expect(getJson(through, `/api/v1/namespaces/${ns}/configmaps`, { timeoutMs: 5_000 })).resolves.toMatchObject({ kind: 'ConfigMapList' });
  });

  it('ends equal to the server after 1,000 rapid mutations across 100 objects, with every change emitted', async () => {
    const ns = await createNamespace(core, 'inf-churn');
    const { informer, rec } = startInformer(kc, { resource: configMaps, namespace: ns });
    await informer.synced();
    // kube-root-ca.crt is published into every new namespace by the controller manager.
    await eventually(async () => informer.get(ns, 'kube-root-ca.crt'), 'kube-root-ca.crt');
    const mark = rec.mark();
    const emittedBefore = informer.getState().counters.eventsEmitted;

    // 20 workers, each owning 5 objects so that no two mutations of one object race.
    const workers = 20;
    const perWorker = 50;
    const present = new Set<string>();
    let mutations = 0;
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let i = 0; i < perWorker; i++) {
          const name = `obj-${String(w * 5 + Math.floor(Math.random() * 5)).padStart(3, '0')}`;
          const op = `${w}-${i}`;
          if (!present.has(name)) {
            await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap(name, { op }) });
            present.add(name);
          } else if (Math.random() < 0.7) {
            await core.patchNamespacedConfigMap({ name, namespace: ns, body: { data: { op } } }, mergePatch);
          } else {
            await core.deleteNamespacedConfigMap({ name, namespace: ns });
            present.delete(name);
          }
          mutations++;
        }
      }),
    );
    expect(mutations).toBe(1000);

    await untilCacheMatchesServer(informer, core, ns, { timeoutMs: 120_000 });
    const truth = await groundTruth(core, ns);
    for (let i = 0; i < 100; i++) {
      const name = `obj-${String(i).padStart(3, '0')}`;
      const last = rec.lastChange(name);
      const server = truth.get(name);
      if (server) {
        expect(last?.type, name).not.toBe('deleted');
        expect(last?.object.metadata.resourceVersion, name).toBe(server.resourceVersion);
        expect(last?.object.data, name).toEqual(server.data);
      } else if (last) {
        expect(last.type, name).toBe('deleted');
      }
    }
    // Every mutation changed content (each writes a new value), so each is exactly one event.
    const counters = informer.getState().counters;
    expect(counters.relists).toBe(0);
    expect(counters.eventsEmitted - emittedBefore).toBe(1000);
    expect(rec.changes(mark).every((e) => e.source === 'watch')).toBe(true);
  });

  it('reports a resource it may not list as forbidden while another keeps working, and recovers when RBAC allows it', async () => {
    const ns = await createNamespace(core, 'inf-rbac');
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'viewer-configmaps' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'viewer-configmaps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'viewer-configmaps' },
        subjects: [{ kind: 'User', name: 'viewer', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
    const viewer = new KubeConfig();
    viewer.loadFromFile(state.kubeconfig);
    viewer.setCurrentContext('test-cluster-viewer');

    const sec = startInformer(viewer, { resource: secrets, namespace: ns, forbiddenRetryMs: 1000 });
    const cms = startInformer(viewer, { resource: configMaps, namespace: ns });
    await eventually(async () => sec.informer.getState().status === 'forbidden', 'secrets forbidden');
    await cms.informer.synced();

    const forbidden = sec.informer.getState();
    expect(forbidden.message).toBe(
      `Forbidden: secrets is forbidden: User "viewer" cannot list resource "secrets" in API group "" in the namespace "${ns}"`,
    );
    expect(forbidden.hasSynced).toBe(false);
    expect(sec.rec.states.map((s) => s.status)).toContain('forbidden');
    expect(cms.informer.getState().status).toBe('synced');

    const mark = cms.rec.mark();
    await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('visible', { v: '1' }) });
    const seen = await cms.rec.waitFor((e) => e.object.metadata.name === 'visible', 'visible', mark);
    expect(seen).toMatchObject({ type: 'added', object: { data: { v: '1' } } });

    // Retried slowly, not in a loop: at most about one attempt per forbiddenRetryMs (1 s ± 10 %).
    const errorsBefore = sec.informer.getState().counters.errors;
    const started = Date.now();
    await sleep(3000);
    const attempts = sec.informer.getState().counters.errors - errorsBefore;
    expect(attempts).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 900) + 1);
    expect(sec.informer.getState().status).toBe('forbidden');

    // RBAC changes: the next retry lists and the informer syncs.
    await rbac.patchNamespacedRole(
      {
        name: 'viewer-configmaps',
        namespace: ns,
        body: { rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'watch'] }] },
      },
      mergePatch,
    );
    await sec.informer.synced();
    expect(sec.informer.getState()).toMatchObject({ status: 'synced', hasSynced: true });
    expect(sec.informer.getState().message).toBeUndefined();
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 's1' }, stringData: { k: 'v' } } });
    await eventually(async () => sec.informer.get(ns, 's1'), 'the secret in the cache');
  });

  it('reopens the watch each time the server ends it (timeoutSeconds) and loses nothing in between', async () => {
    const ns = await createNamespace(core, 'inf-timeout');
    const { informer, rec } = startInformer(kc, { resource: configMaps, namespace: ns, watchTimeoutSeconds: 1 });
    await informer.synced();
    for (let i = 0; i < 8; i++) {
      await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap(`cm-${i}`, { i: String(i) }) });
      await sleep(600);
    }
    await untilCacheMatchesServer(informer, core, ns);
    for (let i = 0; i < 8; i++) expect(rec.lastChange(`cm-${i}`)?.object.data).toEqual({ i: String(i) });
    const counters = informer.getState().counters;
    expect(counters.watchRestarts).toBeGreaterThanOrEqual(3);
    expect(counters.relists).toBe(0);
    expect(counters.errors).toBe(0);
  });

  /**
   * Every watch of a namespace's ConfigMaps answered with `watchEvents` and ended (through the
   * HTTPS rewrite proxy, lists left to the real server): only the lists that follow can see a
   * change, the resource says why, and once the watches work again it is fine and lists no more.
   */
  async function listsAgainWhileWatchesFail(prefix: string, watchEvents: unknown[], message: RegExp): Promise<void> {
    const ns = await createNamespace(core, prefix);
    const proxy = await startHttpsRewriteProxy(stateDir, state);
    try {
      proxy.rewrite = ({ path }) => (path.includes(`/namespaces/${ns}/configmaps`) && path.includes('watch=true') ? { watchEvents } : undefined);
      const { informer } = startInformer(proxy.kubeconfigThrough(kc), { resource: configMaps, namespace: ns, backoff: { initialMs: 100, maxMs: 500 } });
      await informer.synced();
      await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('made-meanwhile', { v: '1' }) });
      // No watch delivers it: only the lists that follow each failed watch can.
      await eventually(async () => informer.get(ns, 'made-meanwhile'), 'the ConfigMap listed', 30_000);
      const failing = await eventually(async () => (informer.getState().status === 'error' ? informer.getState() : undefined), 'the resource to say its watch keeps failing', 30_000);
      expect(failing.message).toMatch(message);
      expect(failing.hasSynced).toBe(true);
      expect(failing.counters.relists).toBeGreaterThanOrEqual(1);
      // Watches work again: the next one (it may already be open, its list done just before)
      // sees changes, and the resource is fine.
      proxy.rewrite = undefined;
      await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('after', { v: '2' }) });
      await eventually(async () => informer.get(ns, 'after'), 'the next change', 30_000);
      await eventually(async () => informer.getState().status === 'synced', 'the resource synced again', 30_000);
      expect(informer.getState().message).toBeUndefined();
      // From then on, changes come by the watch: no more lists.
      const relists = informer.getState().counters.relists;
      await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('by-watch', { v: '3' }) });
      await eventually(async () => informer.get(ns, 'by-watch'), 'a change delivered by the watch', 30_000);
      expect(informer.getState().counters.relists).toBe(relists);
    } finally {
      await proxy.close();
    }
  }

  it('lists again when the API server keeps ending its watch with an error of its own (too large resource version), says so, and recovers', async () => {
    // The ERROR event an API server whose watch cache is behind the list's sends.
    const tooLarge = { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 504, reason: 'Timeout', message: 'Too large resource version: 999999999, current: 1234' } };
    await listsAgainWhileWatchesFail('inf-refused', [tooLarge], /keeps ending the watch: .*Too large resource version.*listing again instead/);
  }, 90_000);

  it('lists again when every watch ends at once with nothing delivered (a proxy that does not pass streams), says so, and recovers', async () => {
    // 200 and an empty body, ended cleanly: no error, no event, nothing for the watchdog.
    await listsAgainWhileWatchesFail('inf-short', [], /the watch keeps ending at once with nothing delivered .*listing again instead/);
  }, 90_000);

  it('gives listed objects the kind of the resource when the list says only `List` (the kind its watch events carry)', async () => {
    const ns = await createNamespace(core, 'inf-bare-list');
    await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('listed', { v: '1' }) });
    const proxy = await startHttpsRewriteProxy(stateDir, state);
    try {
      proxy.rewrite = ({ path }) => (path.includes(`/namespaces/${ns}/configmaps`) && !path.includes('watch=true') ? (body) => ({ ...body, kind: 'List' }) : undefined);
      const { informer, rec } = startInformer(proxy.kubeconfigThrough(kc), { resource: configMaps, namespace: ns });
      await informer.synced();
      expect(informer.get(ns, 'listed')?.kind).toBe('ConfigMap');
      await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('watched', { v: '2' }) });
      const watched = await rec.waitFor((e) => e.object.metadata.name === 'watched', 'the create through the watch');
      expect(watched.object.kind).toBe('ConfigMap');
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('keeps a quiet watch open past a minute, asks for bookmarks and moves its resume point with them', async () => {
    // client-node 2.0 aborted healthy watches every 30 s, and its informer did not ask for
    // bookmarks (kubernetes-client/javascript 2432, 458): the API server sends a bookmark about
    // once a minute to a watch that asked, and only then.
    const quiet = await createNamespace(core, 'inf-quiet');
    const elsewhere = await createNamespace(core, 'inf-busy-elsewhere');
    const { informer, rec } = startInformer(kc, { resource: configMaps, namespace: quiet, labelSelector: 'never=matched', watchTimeoutSeconds: 300 });
    await informer.synced();
    const start = informer.getState().resourceVersion;
    // Writes elsewhere move the cluster's resourceVersion past the watch's.
    for (let i = 0; i < 3; i++) await core.createNamespacedConfigMap({ namespace: elsewhere, body: ConfigMap(`cm-${i}`, {}) });
    await eventually(async () => informer.getState().counters.bookmarks >= 1, 'a bookmark', 90_000);
    const state = informer.getState();
    expect(BigInt(state.resourceVersion)).toBeGreaterThan(BigInt(start));
    expect(state.counters.watchRestarts).toBe(0);
    expect(state.counters.watchdogTimeouts).toBe(0);
    expect(state.status).toBe('synced');
    expect(rec.changes()).toEqual([]);
  }, 120_000);

  it('reopens at once a watch the server keeps ending after it delivered events: no backoff builds up', async () => {
    const ns = await createNamespace(core, 'inf-noback');
    // A backoff this long would hold the next watch for 15-30 s after the first end.
    const { informer, rec } = startInformer(kc, { resource: configMaps, namespace: ns, watchTimeoutSeconds: 1, backoff: { initialMs: 30_000, maxMs: 30_000 } });
    await informer.synced();
    for (let i = 0; i < 16; i++) {
      await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap(`cm-${i}`, { i: String(i) }) });
      await sleep(300);
    }
    // Every create reaches the cache through the watch well before one backoff step would end.
    await eventually(async () => (rec.lastChange('cm-15')?.object.data as { i?: string } | undefined)?.i === '15', 'the last create through the watch', 8_000);
    for (let i = 0; i < 16; i++) expect(rec.lastChange(`cm-${i}`)?.source).toBe('watch');
    const counters = informer.getState().counters;
    expect(counters.watchRestarts).toBeGreaterThanOrEqual(3);
    expect(counters.relists).toBe(0);
    expect(counters.errors).toBe(0);
  });

  it('keeps more watches open than the request pool has connections, and still lists and watches', async () => {
    const ns = await createNamespace(core, 'inf-many');
    // A KubeConfig of its own: its connection pools hold only this test's requests.
    const own = new KubeConfig();
    own.loadFromFile(state.kubeconfig);
    const count = MAX_REQUEST_SOCKETS + 16;
    const many = Array.from({ length: count }, (_, i) => startInformer(own, { resource: configMaps, namespace: ns, labelSelector: `pool=w${i}` }));
    await Promise.all(many.map((m) => m.informer.synced()));
    // Every one of them is watching now; one more LIST, through the same pools, still answers.
    await eventually(async () => many.every((m) => m.informer.getState().counters.watchRestarts === 0 && m.informer.getState().status === 'synced'), 'every informer watching');
    const listed = await getJson<{ items: unknown[] }>(own, `/api/v1/namespaces/${ns}/configmaps`, { timeoutMs: 10_000 });
    expect(Array.isArray(listed.items)).toBe(true);
    // ... and the last watch opened delivers, as does an informer started after all of them.
    const last = many.at(-1)!;
    const later = startInformer(own, { resource: configMaps, namespace: ns, labelSelector: `pool=w${count - 1}` });
    await later.informer.synced();
    const mark = last.rec.mark();
    await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('late', { v: '1' }, { pool: `w${count - 1}` }) });
    await last.rec.waitFor((e) => e.type === 'added' && e.object.metadata.name === 'late', 'added late on the last watch', mark, 20_000);
    await later.rec.waitFor((e) => e.type === 'added' && e.object.metadata.name === 'late', 'added late on the informer started after them', 0, 20_000);
    await Promise.all([...many, later].map((m) => m.informer.stop()));
  });

  it('a short request that finds every connection of its pool busy fails after its timeout instead of waiting forever', async () => {
    const ns = await createNamespace(core, 'inf-busy');
    const own = new KubeConfig();
    own.loadFromFile(state.kubeconfig);
    // Watches opened as if they were short requests hold the whole request pool.
    const ac = new AbortController();
    setMaxListeners(MAX_REQUEST_SOCKETS * 2 + 8, ac.signal);
    const held = await Promise.all(
      Array.from({ length: MAX_REQUEST_SOCKETS }, () => open(own, `/api/v1/namespaces/${ns}/configmaps?watch=true`, { signal: ac.signal })),
    );
    try {
      const started = Date.now();
      await expect(getJson(own, `/api/v1/namespaces/${ns}/configmaps`, { timeoutMs: 1_000 })).rejects.toThrow(/no connection free within 1000ms/);
      expect(Date.now() - started).toBeLessThan(30_000);
      // Aborted while it waits: rejected then, not when a connection comes free.
      const giveUp = new AbortController();
      const waiting = getJson(own, `/api/v1/namespaces/${ns}/configmaps`, { signal: giveUp.signal, timeoutMs: 60_000 });
      setTimeout(() => giveUp.abort(), 200);
      await expect(waiting).rejects.toThrow(/request aborted/);
      // A watch has its own pool and still opens.
      const watch = await open(own, `/api/v1/namespaces/${ns}/configmaps?watch=true`, { signal: ac.signal, watch: true });
      expect(watch.statusCode).toBe(200);
    } finally {
      ac.abort();
      for (const res of held) res.destroy();
    }
  });

  it('retries an unreachable API server with a growing backoff, not in a tight loop', async () => {
    // Restarting from an error handler naively made tens of requests a second (kubernetes-client/javascript 1933).
    const refused = unreachableKubeConfig();
    const { informer } = startInformer(refused, { resource: configMaps, namespace: 'default' });
    await sleep(3_000);
    const { counters, status, message } = informer.getState();
    expect(status).toBe('error');
    expect(message).toContain('ECONNREFUSED');
    // 200 ms doubling (jittered): a handful of attempts in 3 s; a tight loop would make hundreds.
    expect(counters.errors).toBeGreaterThanOrEqual(2);
    expect(counters.errors).toBeLessThanOrEqual(8);
    await informer.stop();
  });

  it('stop() ends every request and timer, whether syncing, reconnecting or hanging on a dead connection', async () => {
    const countResources = () => {
      const counts: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
      return counts;
    };
    const ns = await createNamespace(core, 'inf-stop');
    const proxy = await proxyTo(state.apiServerPort);
    const before = countResources();

    // Synced and watching.
    const healthy = startInformer(kc, { resource: configMaps, namespace: ns });
    await healthy.informer.synced();

    // Hanging: its list goes into a partition and never gets an answer.
    proxy.partition();
    const hanging = startInformer(proxy.kubeconfigThrough(kc), { resource: configMaps, namespace: ns });
    const hangingSynced = hanging.informer.synced();
    hangingSynced.catch(() => undefined);

    // Reconnecting: nothing listens at its address, so it sits in its backoff.
    const refused = unreachableKubeConfig();
    const failing = startInformer(refused, { resource: configMaps, namespace: ns });
    await eventually(async () => failing.informer.getState().counters.errors >= 2, 'two failed attempts');
    const failed = failing.informer.getState();
    expect(failed.status).toBe('error');
    expect(failed.message).toContain('ECONNREFUSED');

    await Promise.all([healthy.informer.stop(), hanging.informer.stop(), failing.informer.stop()]);
    await expect(hangingSynced).rejects.toThrow(/stopped before it synced/);
    await proxy.close();
    proxies.delete(proxy);

    await eventually(async () => {
      const now = countResources();
      return ['Timeout', 'TLSWrap', 'TCPSocketWrap', 'TCPServerWrap'].every((k) => (now[k] ?? 0) <= (before[k] ?? 0));
    }, `resources back to ${JSON.stringify(before)} (now ${JSON.stringify(countResources())})`, 10_000);

    // Stopped means stopped: later changes do not reach the cache.
    const size = healthy.informer.size;
    await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('after-stop', {}) });
    await sleep(500);
    expect(healthy.informer.size).toBe(size);
  });
});

describe('SupervisedInformer with an API server that restarts (a cluster of its own)', () => {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = await startTestCluster({ log: () => undefined });
  });
  afterAll(async () => cluster?.stop());

  it('ends equal to a fresh LIST after a restart, with the changes made as it came back and nothing for untouched objects', async () => {
    if (!cluster) throw new Error('no cluster');
    const { kc, core } = clients(cluster.kubeconfig);
    const ns = await createNamespace(core, 'inf-restart');
    for (const n of ['keep1', 'keep2', 'upd', 'del']) {
      await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap(n, { v: '1' }) });
    }
    const { informer, rec } = startInformer(kc, { resource: configMaps, namespace: ns });
    await informer.synced();
    await eventually(async () => informer.get(ns, 'kube-root-ca.crt'), 'kube-root-ca.crt');
    const mark = rec.mark();

    await cluster.restart();
    // Changed the moment the API server answers again, while the informer is still reconnecting.
    await Promise.all([
      core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('new', { v: '1' }) }),
      core.patchNamespacedConfigMap({ name: 'upd', namespace: ns, body: { data: { v: '2' } } }, mergePatch),
      core.deleteNamespacedConfigMap({ name: 'del', namespace: ns }),
    ]);

    await untilCacheMatchesServer(informer, core, ns);
    // Only the real changes, however they were learned (watch or relist), and nothing for the
    // objects nobody touched, even though the informer may well have relisted them all.
    expect(rec.labels(mark)).toEqual(['added:new', 'deleted:del', 'modified:upd']);
    expect(rec.lastChange('upd')?.object.data).toEqual({ v: '2' });
    expect(rec.lastChange('del')?.object.data).toEqual({ v: '1' });
    const s = informer.getState();
    expect(s.status).toBe('synced');
    expect(s.counters.watchRestarts).toBeGreaterThanOrEqual(1);
    console.log(
      `after restart: ${JSON.stringify(s.counters)}; states ${rec.states.map((x) => x.status).join(' → ')}; sources ${rec
        .changes(mark)
        .map((e) => `${e.type}:${e.object.metadata.name}:${e.source}`)
        .join(', ')}`,
    );

    // And it keeps watching.
    const mark2 = rec.mark();
    await core.patchNamespacedConfigMap({ name: 'keep1', namespace: ns, body: { data: { v: '2' } } }, mergePatch);
    const later = await rec.waitFor((e) => e.object.metadata.name === 'keep1', 'keep1 after the restart', mark2);
    expect(later).toMatchObject({ type: 'modified', source: 'watch', object: { data: { v: '2' } } });
  });
});

describe('SupervisedInformer and 410 Gone after compaction (a cluster of its own, watches served by etcd)', () => {
  // With the API server's watch cache on, a watch from a compacted resourceVersion is still served
  // from the cache; without it the watch goes to etcd, which answers 410 Gone (an ERROR event in
  // the stream). Measured on this test cluster; see docs/informer.md.
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = await startTestCluster({ log: () => undefined, apiServerArgs: ['--watch-cache=false'] });
  });
  afterAll(async () => cluster?.stop());

  it('relists after 410 Gone and emits exactly what changed while it was away, the missed delete included', async () => {
    if (!cluster) throw new Error('no cluster');
    const { kc, core } = clients(cluster.kubeconfig);
    const ns = await createNamespace(core, 'inf-gone');
    for (const n of ['keep', 'upd', 'del', 'flip']) {
      await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap(n, { v: '1' }) });
    }
    const proxy = await proxyTo(cluster.state.apiServerPort);
    const { informer, rec } = startInformer(proxy.kubeconfigThrough(kc), {
      resource: configMaps,
      namespace: ns,
      watchdogMs: 3000,
      backoff: { maxMs: 2000 },
    });
    await informer.synced();
    await eventually(async () => informer.get(ns, 'kube-root-ca.crt'), 'kube-root-ca.crt');
    // One cached object that arrived by watch event (with apiVersion and kind, unlike list items):
    // the relist must not mistake it for changed.
    await core.patchNamespacedConfigMap({ name: 'keep', namespace: ns, body: { data: { v: '1b' } } }, mergePatch);
    await rec.waitFor((e) => e.object.metadata.name === 'keep' && e.source === 'watch', 'keep by watch');
    const flipBefore = await core.readNamespacedConfigMap({ name: 'flip', namespace: ns });

    proxy.partition();
    const mark = rec.mark();
    await core.patchNamespacedConfigMap({ name: 'upd', namespace: ns, body: { data: { v: '2' } } }, mergePatch);
    await core.deleteNamespacedConfigMap({ name: 'del', namespace: ns });
    await core.createNamespacedConfigMap({ namespace: ns, body: ConfigMap('new', { v: '1' }) });
    // Changed and changed back: afterwards only resourceVersion and managedFields time differ.
    await core.patchNamespacedConfigMap({ name: 'flip', namespace: ns, body: { data: { v: '2' } } }, mergePatch);
    await sleep(1100);
    const flipAfter = await core.patchNamespacedConfigMap({ name: 'flip', namespace: ns, body: { data: { v: '1' } } }, mergePatch);
    expect(flipAfter.metadata?.resourceVersion).not.toBe(flipBefore.metadata?.resourceVersion);
    expect(flipAfter.metadata?.managedFields?.[0]?.time).not.toEqual(flipBefore.metadata?.managedFields?.[0]?.time);
    await cluster.compact();
    const relistsBefore = informer.getState().counters.relists;

    proxy.heal();
    await untilCacheMatchesServer(informer, core, ns);
    expect(rec.labels(mark, true)).toEqual(['added:new:list', 'deleted:del:list', 'modified:upd:list']);
    expect(rec.lastChange('del')?.object.data).toEqual({ v: '1' });
    expect(rec.lastChange('upd')?.object.data).toEqual({ v: '2' });
    expect(rec.events.slice(mark).some((e) => e.type === 'synced' && !e.initial)).toBe(true);
    const s = informer.getState();
    expect(s.counters.relists).toBeGreaterThan(relistsBefore);
    expect(s.status).toBe('synced');
    // The cache holds the new resourceVersion of the object that only looked unchanged.
    expect(informer.get(ns, 'flip')?.metadata.resourceVersion).toBe(flipAfter.metadata?.resourceVersion);

    // Watching again from the relist.
    const mark2 = rec.mark();
    await core.patchNamespacedConfigMap({ name: 'keep', namespace: ns, body: { data: { v: '2' } } }, mergePatch);
    const later = await rec.waitFor((e) => e.object.metadata.name === 'keep', 'keep after the relist', mark2);
    expect(later).toMatchObject({ type: 'modified', source: 'watch', object: { data: { v: '2' } } });
  });
});
