import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type DriftStore } from '../store';
import { tempDirs } from '../../testing/temp-dirs';
import { HistoryRecorder, historySourceName } from './history-recorder';
import type { KubeObject } from '../kube/cache-diff';
import type { ObjectDriftState } from './types';

const tempDir = tempDirs('dw-recorder-');
const stores: DriftStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function recorder(): Promise<{ store: DriftStore; rec: HistoryRecorder }> {
  const store = await openStore({ dataDir: tempDir(), flushIntervalMs: 10, retention: { intervalMs: 0 }, log: () => undefined });
  stores.push(store);
  return { store, rec: new HistoryRecorder(store) };
}

const ref = { cluster: 'c', group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };
const id = 'c/apps/Deployment/shop/web';
const state = (status: ObjectDriftState['status'], changes: ObjectDriftState['changes'] = []): ObjectDriftState => ({
  id,
  ...ref,
  version: 'v1',
  status,
  changes,
  ignored: [],
  warnings: [],
  labels: {},
  since: '2026-11-01T00:00:00Z',
});
const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'u1', resourceVersion: '5' } };

describe('history recorder', () => {
  it('ends the drift of a missing object when its manifest goes too (an undeclared event), and of no other dropped object', async () => {
    const { store, rec } = await recorder();
    // Live writes are stamped with the time they arrive: the drift changes around one are too.
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000;
    const t = (m: number) => new Date(start + m * 60_000).toISOString();
    rec.onDriftChange({ type: 'upsert', state: state('drifted', [{ path: 'spec.replicas', op: 'changed', desired: 3, live: 5 }]), at: t(0) });
    rec.onLiveWrite({ cluster: 'c', type: 'deleted', object: deployment, source: 'watch' });
    const now = Date.now();
    rec.onDriftChange({ type: 'upsert', state: state('missing'), at: new Date(now).toISOString() });
    rec.onDriftChange({ type: 'delete', id, cluster: 'c', at: t(3) });
    // An unmanaged object's drop (its deletion was recorded as it happened) adds nothing.
    rec.onDriftChange({ type: 'delete', id: 'c//ConfigMap/shop/other', cluster: 'c', at: t(3) });
    await store.flush();
    const h = await store.objectHistory(ref);
    expect(h?.events.map((e) => e.type)).toEqual(['status', 'disappeared', 'status', 'undeclared']);
    expect(h?.episodes.every((e) => e.closedAt !== undefined)).toBe(true);
    expect(await store.objectHistory({ ...ref, kind: 'ConfigMap', group: '', name: 'other' })).toBeUndefined();
    // Drifted from the first minute, then missing (still drifted) until the manifest went in the fourth.
    const chart = await store.driftChart({ from: new Date(t(0)), to: new Date(t(5)), bucketMs: 60_000 });
    expect(chart.series[0]?.drifted).toEqual([1, 1, 1, 0, 0]);
  });

  it('records a manifest source with its directory, so two directories\' app.yaml stay apart in the history', async () => {
    const { store, rec } = await recorder();
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000;
    const t = (m: number) => new Date(start + m * 60_000).toISOString();
    const from = (root: string): ObjectDriftState['source'] => ({ type: 'manifest-dir', root, file: 'app.yaml', line: 1 });
    rec.onDriftChange({ type: 'upsert', state: { ...state('drifted', [{ path: 'spec.replicas', op: 'changed', desired: 3, live: 5 }]), source: from('/srv/team-a') }, at: t(0) });
    rec.onDriftChange({ type: 'upsert', state: { ...state('in-sync'), source: from('/srv/team-a') }, at: t(1) });
    rec.onDriftChange({ type: 'upsert', state: { ...state('drifted', [{ path: 'spec.replicas', op: 'changed', desired: 4, live: 5 }]), source: from('/srv/team-b') }, at: t(2) });
    await store.flush();
    const h = await store.objectHistory(ref);
    expect(h?.episodes.map((e) => e.source)).toEqual(['manifest-dir:/srv/team-a/app.yaml', 'manifest-dir:/srv/team-b/app.yaml']);
    expect(h?.events.map((e) => e.source)).toEqual(['manifest-dir:/srv/team-a/app.yaml', 'manifest-dir:/srv/team-a/app.yaml', 'manifest-dir:/srv/team-b/app.yaml']);
  });

  it('names other sources by type, and a manifest source from before roots by its file alone', () => {
    expect(historySourceName({ type: 'manifest-dir', root: '/', file: 'app.yaml', line: 1 })).toBe('manifest-dir:/app.yaml');
    expect(historySourceName({ type: 'manifest-dir', file: 'app.yaml', line: 1 })).toBe('manifest-dir:app.yaml');
    expect(historySourceName({ type: 'owner-template', owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u' } })).toBe('owner-template');
    expect(historySourceName({ type: 'last-applied' })).toBe('last-applied');
  });

  it('records no restart for a Pod first seen in a list (the dashboard starting), records the ones after it, and keeps their messages masked', async () => {
    const { store, rec } = await recorder();
    const pod = (restartCount: number): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'api', namespace: 'shop', uid: 'p1' },
      status: { containerStatuses: [{ name: 'app', restartCount, lastState: { terminated: { reason: 'Error', message: 'boom' } } }] },
    });
    rec.onLiveWrite({ cluster: 'c', type: 'added', object: pod(7), source: 'list' });
    rec.onLiveWrite({ cluster: 'c', type: 'modified', object: pod(8), previous: pod(7), source: 'watch' });
    // A log tail as termination message (FallbackToLogsOnError): masked and cut before it is kept.
    const tail = pod(9);
    (tail.status as { containerStatuses: Array<{ lastState: { terminated: { message: string } } }> }).containerStatuses[0]!.lastState.terminated.message = `password=hunter2 ${'x'.repeat(2000)}`;
    rec.onLiveWrite({ cluster: 'c', type: 'modified', object: tail, previous: pod(8), source: 'watch' });
    await store.flush();
    const h = await store.objectHistory({ cluster: 'c', group: '', kind: 'Pod', namespace: 'shop', name: 'api' });
    expect(h?.podHealth.map((p) => p.restarts).sort()).toEqual([8, 9]);
    const kept = h?.podHealth.find((p) => p.restarts === 9)?.message ?? '';
    expect(kept).not.toContain('hunter2');
    expect(kept.length).toBeLessThanOrEqual(500);
  });
});
