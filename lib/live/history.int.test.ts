import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDashboardConfig } from '../config/dashboard-config';
import { openStoreDeferred, type DeferredStore } from '../store';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../../testing/kube-write';
import { DirectoryManifestFeed } from './manifest-feed';
import { LiveRuntime } from './runtime';
import { renderMetrics } from './metrics';
import { driftEventStream } from './sse';
import { tempDirs } from '../../testing/temp-dirs';
import { READ_CONFIGMAPS, viewerRole } from '../../testing/viewer-role';

// Made while the file is collected, removed after it even when a filter skips their describe block.
const tempDir = tempDirs('dw-history-');

describe('live drift recorded in the history store (SQLite)', () => {
  const { kc, state } = testCluster();
  const ns = uniqueName('hist');
  const dir = tempDir();
  let store: DeferredStore;
  let rt: LiveRuntime;
  let openAtFirstSync: boolean | undefined;
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: ns }, data: { max: '10' } };
  const cmPath = (extra: Record<string, string>) => objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name: 'limits' }, extra);

  let config: ReturnType<typeof parseDashboardConfig>;
  const startRuntime = async (onInitialSync: () => void) => {
    const runtime = new LiveRuntime({
      config,
      manifests: new DirectoryManifestFeed(config.manifests, { rescanIntervalMs: 0, gitPollMs: 0 }),
      store,
      log: () => undefined,
      onInitialSync,
    });
    await runtime.start();
    await runtime.ready(60_000);
    return runtime;
  };

  beforeAll(async () => {
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await kubeWrite(kc, 'PATCH', cmPath({ fieldManager: 'gitops', force: 'true' }), cm, CONTENT_TYPE.apply);
    writeFileSync(join(dir, 'limits.yaml'), JSON.stringify(cm));
    // As the server wires it: the store opens once the first sync is complete.
    store = openStoreDeferred({ dataDir: join(dir, 'data'), flushIntervalMs: 20 });
    config = parseDashboardConfig(
      { clusters: [{ name: 'test', kubeconfig: state.kubeconfig }], manifests: [dir], fieldManager: 'gitops', watch: { namespaces: [ns], pods: false, customResources: false } },
      'test',
    );
    rt = await startRuntime(() => {
      openAtFirstSync = store.isOpen;
      void store.open();
    });
  }, 120_000);

  afterAll(async () => {
    await rt?.stop();
  });

  it('opens the store after the first sync and writes the state recorded during it', async () => {
    await eventually(async () => openAtFirstSync !== undefined, 'the first sync to be reported');
    expect(openAtFirstSync).toBe(false);
    const history = await store.objectHistory({ cluster: 'test', group: '', kind: 'ConfigMap', namespace: ns, name: 'limits' });
    expect(store.isOpen).toBe(true);
    expect(history?.object).toMatchObject({ kind: 'ConfigMap', name: 'limits', status: 'in-sync' });
  });

  it('counts stream clients in driftwatch_stream_clients, not the history recorder listening beside them', () => {
    const clients = () => Number(/^driftwatch_stream_clients (\d+)$/m.exec(renderMetrics(rt))?.[1]);
    expect(rt.events.subscribers).toBeGreaterThan(0);
    expect(clients()).toBe(0);
    const ac = new AbortController();
    driftEventStream({ log: rt.events, signal: ac.signal });
    expect(clients()).toBe(1);
    ac.abort();
    expect(clients()).toBe(0);
  });

  it('opens an episode per drifted field with its manager, records the writes, and closes it on revert', async () => {
    const id = `test//ConfigMap/${ns}/limits`;
    const ref = { cluster: 'test', group: '', kind: 'ConfigMap', namespace: ns, name: 'limits' };
    await kubeWrite(kc, 'PATCH', cmPath({ fieldManager: 'kubectl-edit' }), { data: { max: '50' } }, CONTENT_TYPE.merge);
    await eventually(async () => rt.get(id)?.state.status === 'drifted', 'drift');
    await kubeWrite(kc, 'PATCH', cmPath({ fieldManager: 'scaler' }), { data: { max: '80' } }, CONTENT_TYPE.merge);
    await eventually(async () => JSON.stringify(rt.get(id)?.state.changes).includes('"80"'), 'the second value');
    await kubeWrite(kc, 'PATCH', cmPath({ fieldManager: 'kubectl-edit' }), { data: { max: '10' } }, CONTENT_TYPE.merge);
    await eventually(async () => rt.get(id)?.state.status === 'in-sync', 'the revert');
    await store.flush();
    const history = await store.objectHistory(ref);
    const episode = history?.episodes.find((e) => e.path === 'data.max');
    expect(episode, JSON.stringify(history?.episodes)).toBeDefined();
    expect(episode?.closedAt).toBeInstanceOf(Date);
    expect(episode?.transitions.map((t) => [t.live, t.manager?.name])).toEqual([
      ['50', 'kubectl-edit'],
      ['80', 'scaler'],
    ]);
    expect(history?.writes.length).toBeGreaterThanOrEqual(3);
    expect(history?.writes.every((w) => w.specChanged === false)).toBe(true);
  });

  it('labels drifted objects with their API group as well as kind and namespace', async () => {
    const id = `test//ConfigMap/${ns}/limits`;
    const series = () => renderMetrics(rt).split('\n').filter((l) => l.startsWith('driftwatch_drifted_objects{'));
    await kubeWrite(kc, 'PATCH', cmPath({ fieldManager: 'kubectl-edit' }), { data: { max: '99' } }, CONTENT_TYPE.merge);
    await eventually(async () => rt.get(id)?.state.status === 'drifted', 'the drift');
    expect(series()).toContain(`driftwatch_drifted_objects{cluster="test",group="",kind="ConfigMap",namespace="${ns}"} 1`);
  });

  it('ends, at the next start, the drift of objects deleted and undeclared while the dashboard was down', async () => {
    const ref = { cluster: 'test', group: '', kind: 'ConfigMap', namespace: ns, name: 'limits' };
    const ghost = { ...ref, name: 'ghost' };
    writeFileSync(join(dir, 'ghost.yaml'), JSON.stringify({ ...cm, metadata: { ...cm.metadata, name: 'ghost' } }));
    // Still declared after the restart, so that ConfigMaps stay watched.
    writeFileSync(join(dir, 'kept.yaml'), JSON.stringify({ ...cm, metadata: { ...cm.metadata, name: 'kept' } }));
    await eventually(async () => rt.get(`test//ConfigMap/${ns}/ghost`)?.state.status === 'missing', 'the declared object reported missing');
    await eventually(async () => rt.get(`test//ConfigMap/${ns}/limits`)?.state.status === 'drifted', 'the drift of the last test');
    await store.flush();
    expect((await store.objectHistory(ref))?.object.drifted).toBe(true);
    expect((await store.objectHistory(ghost))?.object.drifted).toBe(true);
    await rt.stop();

    // While nobody watches: the drifting object is deleted and both manifests go.
    await kubeWrite(kc, 'DELETE', cmPath({}), undefined);
    unlinkSync(join(dir, 'limits.yaml'));
    unlinkSync(join(dir, 'ghost.yaml'));
    const before = Date.now();
    store = openStoreDeferred({ dataDir: join(dir, 'data'), flushIntervalMs: 20 });
    rt = await startRuntime(() => void store.open());
    await eventually(async () => {
      await store.flush();
      return (await store.objectHistory(ref))?.object.deleted === true;
    }, 'the deletion recorded after the first sync');
    const h = await store.objectHistory(ref);
    expect(h?.object.drifted).toBe(false);
    // The episode the last test left open ends at the sweep; the earlier one had ended on its revert.
    expect(h?.episodes.every((e) => e.closedAt !== undefined)).toBe(true);
    expect(h?.episodes.filter((e) => e.closeReason === 'deleted').map((e) => [e.path, (e.closedAt?.getTime() ?? 0) >= before])).toEqual([['data.max', true]]);
    expect(h?.events.at(-1)?.type).toBe('disappeared');
    const g = await store.objectHistory(ghost);
    expect(g?.object.drifted).toBe(false);
    expect(g?.events.at(-1)?.type).toBe('undeclared');
    expect((await store.objectHistory({ ...ref, name: 'kept' }))?.object).toMatchObject({ status: 'missing', drifted: true });
  }, 120_000);
});

describe('history of a kind the dashboard may list only after its first sync (RBAC)', () => {
  const { kc, state } = testCluster();
  const ns = uniqueName('hist-late');
  const dir = tempDir();
  const running: { rt?: LiveRuntime } = {};
  const cm = (name: string, a: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { a } });
  const cmPath = (name: string, extra: Record<string, string> = {}) => objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name }, extra);
  const { role, binding } = viewerRole(ns, 'cms', READ_CONFIGMAPS);
  const bindingPath = objectPath({ apiVersion: 'rbac.authorization.k8s.io/v1', resource: 'rolebindings', namespace: ns, name: binding.metadata.name }, { fieldManager: 'test', force: 'true' });

  // As the server wires it, as the test-cluster's viewer: the store opens once the first sync is complete.
  const start = async (): Promise<{ rt: LiveRuntime; store: DeferredStore }> => {
    const store = openStoreDeferred({ dataDir: join(dir, 'data'), flushIntervalMs: 20 });
    const config = parseDashboardConfig(
      {
        clusters: [{ name: 'test', kubeconfig: state.kubeconfig, context: 'test-cluster-viewer' }],
        manifests: [join(dir, 'manifests')],
        fieldManager: 'gitops',
        watch: { namespaces: [ns], pods: false, customResources: false },
      },
      'test',
    );
    const rt = new LiveRuntime({
      config,
      manifests: new DirectoryManifestFeed(config.manifests, { rescanIntervalMs: 0, gitPollMs: 0 }),
      store,
      informer: { forbiddenRetryMs: 1000 },
      log: () => undefined,
      onInitialSync: () => void store.open(),
    });
    running.rt = rt;
    await rt.start();
    await rt.ready(60_000);
    return { rt, store };
  };

  afterAll(async () => {
    await running.rt?.stop();
  });

  it('ends the drift of its objects deleted while the dashboard was down once it may list them again', async () => {
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'rbac.authorization.k8s.io/v1', resource: 'roles', namespace: ns, name: role.metadata.name }, { fieldManager: 'test', force: 'true' }), role, CONTENT_TYPE.apply);
    await kubeWrite(kc, 'PATCH', bindingPath, binding, CONTENT_TYPE.apply);
    mkdirSync(join(dir, 'manifests'));
    for (const name of ['gone', 'kept']) {
      await kubeWrite(kc, 'PATCH', cmPath(name, { fieldManager: 'gitops', force: 'true' }), cm(name, '1'), CONTENT_TYPE.apply);
      writeFileSync(join(dir, 'manifests', `${name}.yaml`), JSON.stringify(cm(name, '1')));
    }
    await kubeWrite(kc, 'PATCH', cmPath('gone', { fieldManager: 'kubectl-edit' }), { data: { a: '2' } }, CONTENT_TYPE.merge);
    const ref = { cluster: 'test', group: '', kind: 'ConfigMap', namespace: ns, name: 'gone' };
    let { rt, store } = await start();
    await eventually(async () => rt.get(`test//ConfigMap/${ns}/gone`)?.state.status === 'drifted', 'the drift');
    await store.flush();
    expect((await store.objectHistory(ref))?.object).toMatchObject({ drifted: true, deleted: false });
    await rt.stop();

    // While nobody watches: the drifting ConfigMap and its manifest go, and so does the viewer's
    // right to list ConfigMaps.
    await kubeWrite(kc, 'DELETE', cmPath('gone'), undefined);
    unlinkSync(join(dir, 'manifests', 'gone.yaml'));
    await kubeWrite(kc, 'DELETE', objectPath({ apiVersion: 'rbac.authorization.k8s.io/v1', resource: 'rolebindings', namespace: ns, name: binding.metadata.name }), undefined);
    ({ rt, store } = await start());
    expect(rt.resourceStates().find((r) => r.resource === 'configmaps')?.status).toBe('forbidden');
    // The first sync cannot tell whether it went: it stays as the history last knew it.
    await new Promise((r) => setTimeout(r, 1500));
    await store.flush();
    expect((await store.objectHistory(ref))?.object).toMatchObject({ drifted: true, deleted: false });

    const granted = Date.now();
    await kubeWrite(kc, 'PATCH', bindingPath, binding, CONTENT_TYPE.apply);
    await eventually(async () => rt.get(`test//ConfigMap/${ns}/kept`)?.state.status === 'in-sync', 'ConfigMaps listed again', 30_000);
    await eventually(async () => {
      await store.flush();
      return (await store.objectHistory(ref))?.object.deleted === true;
    }, 'the deletion recorded once ConfigMaps were listed');
    const h = await store.objectHistory(ref);
    expect(h?.object.drifted).toBe(false);
    expect(h?.events.at(-1)?.type).toBe('disappeared');
    expect(h?.episodes.map((e) => [e.path, e.closeReason, (e.closedAt?.getTime() ?? 0) >= granted])).toEqual([['data.a', 'deleted', true]]);
    expect((await store.objectHistory({ ...ref, name: 'kept' }))?.object).toMatchObject({ deleted: false, status: 'in-sync' });
  }, 180_000);
});

describe('history of a kind that stops being watched while the dashboard runs', () => {
  const { kc, state } = testCluster();
  const ns = uniqueName('hist-unwatched');
  const dir = tempDir();
  let rt: LiveRuntime | undefined;

  afterAll(async () => {
    await rt?.stop();
  });

  it('ends the drift of an object compared with its last-applied annotation once its kind is watched no more', async () => {
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const applied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'annotated', namespace: ns }, data: { a: '1' } };
    await kubeWrite(kc, 'POST', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns }), {
      ...applied,
      metadata: { ...applied.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) } },
    });
    await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name: 'annotated' }, { fieldManager: 'kubectl-edit' }), { data: { a: '2' } }, CONTENT_TYPE.merge);
    // ConfigMaps are watched because one is declared here, and only as long as it is.
    writeFileSync(join(dir, 'declared.yaml'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'declared', namespace: ns }, data: { b: '1' } }));
    const store = openStoreDeferred({ dataDir: join(dir, 'data'), flushIntervalMs: 20 });
    const config = parseDashboardConfig(
      { clusters: [{ name: 'test', kubeconfig: state.kubeconfig }], manifests: [dir], fieldManager: 'gitops', watch: { namespaces: [ns], pods: false, customResources: false } },
      'test',
    );
    rt = new LiveRuntime({ config, manifests: new DirectoryManifestFeed(config.manifests, { rescanIntervalMs: 0, gitPollMs: 0, debounceMs: 20 }), store, log: () => undefined, onInitialSync: () => void store.open() });
    await rt.start();
    await rt.ready(60_000);
    const running = rt;
    const ref = { cluster: 'test', group: '', kind: 'ConfigMap', namespace: ns, name: 'annotated' };
    await eventually(async () => running.get(`test//ConfigMap/${ns}/annotated`)?.state.status === 'drifted', 'the drift against last-applied');
    await eventually(async () => {
      await store.flush();
      return (await store.objectHistory(ref))?.object.drifted === true;
    }, 'the drift recorded');

    unlinkSync(join(dir, 'declared.yaml'));
    await eventually(async () => !running.resourceStates().some((r) => r.resource === 'configmaps'), 'ConfigMaps no longer watched', 30_000);
    await eventually(async () => {
      await store.flush();
      return (await store.objectHistory(ref))?.object.status === 'unmanaged';
    }, 'the drift ended as unmanaged', 30_000);
    const h = await store.objectHistory(ref);
    // Not claimed deleted: it still exists, nothing compares it any more.
    expect(h?.object).toMatchObject({ drifted: false, deleted: false });
    expect(h?.episodes.map((e) => [e.path, e.closeReason])).toEqual([['data.a', 'unmanaged']]);
  }, 120_000);
});
