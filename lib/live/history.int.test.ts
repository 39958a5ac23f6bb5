import { unlinkSync, writeFileSync } from 'node:fs';
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
