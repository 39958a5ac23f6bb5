import { writeFileSync } from 'node:fs';
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

  beforeAll(async () => {
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await kubeWrite(kc, 'PATCH', cmPath({ fieldManager: 'gitops', force: 'true' }), cm, CONTENT_TYPE.apply);
    writeFileSync(join(dir, 'limits.yaml'), JSON.stringify(cm));
    // As the server wires it: the store opens once the first sync is complete.
    store = openStoreDeferred({ dataDir: join(dir, 'data'), flushIntervalMs: 20 });
    const config = parseDashboardConfig(
      { clusters: [{ name: 'test', kubeconfig: state.kubeconfig }], manifests: [dir], fieldManager: 'gitops', watch: { namespaces: [ns], pods: false, customResources: false } },
      'test',
    );
    rt = new LiveRuntime({
      config,
      manifests: new DirectoryManifestFeed(config.manifests, { rescanIntervalMs: 0, gitPollMs: 0 }),
      store,
      log: () => undefined,
      onInitialSync: () => {
        openAtFirstSync = store.isOpen;
        void store.open();
      },
    });
    await rt.start();
    await rt.ready(60_000);
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
});
