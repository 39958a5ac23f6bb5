/**
 * An object's life as the tracker sees it: `since` moves and an event goes out only when the
 * verdict changes (docs/live-drift.md), whatever else moves around it.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/cache-diff';
import { DriftTracker, type KindStatus } from './drift-tracker';
import { ownerTemplateBuilder } from './runtime-options';
import type { DesiredObject, DriftChange } from './types';

const ID = 'c1/apps/Deployment/shop/web';

const deployment = (image: string, replicas = 2, metadata: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, ...metadata },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

const desiredOf = (manifest: KubeObject, revision: string): DesiredObject => ({ manifest, source: { type: 'manifest-dir', file: 'web.yaml', line: 1 }, revision });

function clocked(opts: { kinds?: Record<string, KindStatus | undefined>; ignoreRules?: { path: string }[] } = {}) {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const events: DriftChange[] = [];
  const kinds = opts.kinds;
  const tracker = new DriftTracker({
    cluster: 'c1',
    sources: ['manifest-dir', 'last-applied', 'owner-template'],
    diffOptions: opts.ignoreRules ? { ignoreRules: opts.ignoreRules } : {},
    ownerTemplate: ownerTemplateBuilder,
    kindStatus: (g, k) => (kinds ? kinds[`${g}/${k}`] : { synced: true, status: 'synced' }),
    onEvent: (e) => events.push(e),
    now: () => new Date(clock),
  });
  return { tracker, events, advance: (ms: number) => void (clock += ms) };
}

describe('DriftTracker over an object\'s life', () => {
  it('an ignored field moving (HPA scaling spec.replicas, ignored by rule) does not move `since` of an in-sync object', () => {
    const { tracker, events, advance } = clocked({ ignoreRules: [{ path: 'spec.replicas' }] });
    tracker.replaceManifests([desiredOf(deployment('web:1', 2), 'r1')]);
    tracker.upsertLive(deployment('web:1', 3, { uid: 'u1', resourceVersion: '1' }));
    expect(tracker.get(ID)).toMatchObject({ status: 'in-sync', since: '2026-01-01T00:00:00.000Z' });
    const n = events.length;
    advance(3_600_000);
    tracker.upsertLive(deployment('web:1', 4, { uid: 'u1', resourceVersion: '2' }));
    // Verdict and changes ([]) are the same: in sync since the start.
    expect(tracker.get(ID)).toMatchObject({ status: 'in-sync', changes: [], since: '2026-01-01T00:00:00.000Z' });
    // What the state shows changed (the ignored replicas): one event, with the same `since`.
    expect(events.slice(n)).toMatchObject([{ type: 'upsert', state: { since: '2026-01-01T00:00:00.000Z', ignored: [{ path: 'spec.replicas', live: 4 }] } }]);
  });

  it('the same drift, its owner writing an unrelated (ignored) field later, keeps `since` (changes differ only in manager.time)', () => {
    const { tracker, advance } = clocked({ ignoreRules: [{ path: 'metadata.annotations["op/heartbeat"]' }] });
    const live = (time: string, beat: string, rv: string): KubeObject => ({
      ...deployment('web:2', 2, {
        uid: 'u1',
        resourceVersion: rv,
        annotations: { 'op/heartbeat': beat },
        managedFields: [
          {
            manager: 'my-operator',
            operation: 'Update',
            time,
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:op/heartbeat': {} } }, 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } } },
          },
        ],
      }),
    });
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    tracker.upsertLive(live('2026-01-01T00:00:00Z', '1', '1'));
    expect(tracker.get(ID)).toMatchObject({ status: 'drifted', since: '2026-01-01T00:00:00.000Z' });
    advance(60_000);
    tracker.upsertLive(live('2026-01-01T00:01:00Z', '2', '2'));
    expect(tracker.get(ID)?.changes.map((c) => [c.path, c.live])).toEqual([['spec.template.spec.containers[name=app].image', 'web:2']]);
    expect(tracker.get(ID)?.since).toBe('2026-01-01T00:00:00.000Z');
  });

  it('a label added by someone else (not drift) does not move `since` of an in-sync object', () => {
    const { tracker, advance } = clocked();
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    tracker.upsertLive(deployment('web:1', 2, { uid: 'u1', resourceVersion: '1' }));
    advance(60_000);
    tracker.upsertLive(deployment('web:1', 2, { uid: 'u1', resourceVersion: '2', labels: { app: 'web', 'pod-template-hash': 'x' } }));
    expect(tracker.get(ID)).toMatchObject({ status: 'in-sync', changes: [] });
    expect(tracker.get(ID)?.since).toBe('2026-01-01T00:00:00.000Z');
  });

  it('delete + re-create (new uid) coalesced while paused still resets `since` and says so (same as unpaused)', async () => {
    const { tracker, events, advance } = clocked();
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    tracker.upsertLive(deployment('web:1', 2, { uid: 'u1', resourceVersion: '1' }));
    const n = events.length;
    advance(60_000);
    tracker.pause(); // a manifest change, a refresh, or a resume slice in progress
    tracker.deleteLive(deployment('web:1', 2, { uid: 'u1', resourceVersion: '1' }));
    tracker.upsertLive(deployment('web:1', 2, { uid: 'u2', resourceVersion: '9' }));
    tracker.resume();
    for (let i = 0; tracker.paused && i < 100; i++) await new Promise((r) => setImmediate(r));
    expect(tracker.get(ID)?.uid).toBe('u2');
    // Unpaused the same two inputs give: missing (since 00:01), then in-sync (since 00:01).
    expect(tracker.get(ID)?.since).toBe('2026-01-01T00:01:00.000Z');
    expect(events.slice(n).some((e) => e.type === 'upsert' && e.state.uid === 'u2')).toBe(true);
  });

  it('a missing object keeps its state and `since` while its kind is re-listed (new informer: version swap, CRD re-created)', () => {
    const kinds: Record<string, KindStatus | undefined> = { 'apps/Deployment': { synced: true, status: 'synced' } };
    const { tracker, events, advance } = clocked({ kinds });
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    expect(tracker.get(ID)).toMatchObject({ status: 'missing', since: '2026-01-01T00:00:00.000Z' });
    const n = events.length;
    advance(60_000);
    // ClusterWatcher.refreshOnce: the old informer unwatched, the new one syncing, setSchema(affected group).
    kinds['apps/Deployment'] = { synced: false, status: 'syncing' };
    tracker.setSchema({ schemaFor: () => undefined }, new Set(['apps']));
    expect(tracker.get(ID)).toMatchObject({ status: 'missing' });
    kinds['apps/Deployment'] = { synced: true, status: 'synced' };
    tracker.reevaluateKind('apps', 'Deployment');
    expect(tracker.get(ID)?.since).toBe('2026-01-01T00:00:00.000Z');
    expect(events.slice(n)).toEqual([]);
  });

  it('a kind recovering from forbidden does not flash its declared objects as missing (state before changes)', () => {
    // The order of a relist as the informer reports it: its changes, then the status (which makes
    // the cluster watcher judge the kind's absent objects), then `synced`.
    const kinds: Record<string, KindStatus | undefined> = { 'apps/Deployment': { synced: true, status: 'forbidden', message: 'forbidden' } };
    const { tracker, events } = clocked({ kinds });
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    expect(tracker.get(ID)?.status).toBe('error');
    const n = events.length;
    tracker.upsertLive(deployment('web:1', 2, { uid: 'u1', resourceVersion: '5' })); // the relist's `added`
    kinds['apps/Deployment'] = { synced: true, status: 'synced' };
    tracker.reevaluateKind('apps', 'Deployment'); // the status
    tracker.reevaluateKind('apps', 'Deployment'); // the `synced` event
    expect(events.slice(n).map((e) => (e.type === 'upsert' ? e.state.status : 'delete'))).toEqual(['in-sync']);
  });

  it('a Pod that changes controller (orphaned/adopted) is no longer indexed under its old owner', () => {
    const { tracker } = clocked();
    const rs = (uid: string, image: string, generation: number): KubeObject => ({
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `rs-${uid}`, namespace: 'shop', uid, generation },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } } },
    });
    const pod = (owner: string): KubeObject => ({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p', namespace: 'shop', uid: 'p1', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${owner}`, uid: owner, controller: true }] },
      spec: { containers: [{ name: 'app', image: 'web:1' }] },
    });
    tracker.upsertOwner(rs('a', 'web:1', 1));
    tracker.upsertOwner(rs('b', 'web:1', 1));
    tracker.upsertLive(pod('a'));
    tracker.upsertLive(pod('b')); // adopted by b
    tracker.deleteLive(pod('b'));
    const before = tracker.evaluations;
    tracker.upsertOwner(rs('a', 'web:9', 2));
    // A Pod that is gone (and was not a's any more) is not evaluated for a's template change.
    expect(tracker.evaluations).toBe(before);
  });
  it('Pods of a deleted owner keep their verdict and `since` until garbage-collected, saying why; the owner is then forgotten', () => {
    const { tracker, events, advance } = clocked();
    const labels = { app: 'web', 'pod-template-hash': 'abc' };
    const rs: KubeObject = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'shop', uid: 'rs1', generation: 1 },
      spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'web:1' }] } } },
    };
    const pod = (name: string, deleting = false): KubeObject => ({
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name, namespace: 'shop', uid: `u-${name}`, labels,
        ...(deleting ? { deletionTimestamp: '2026-01-01T01:00:30Z' } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs1', controller: true }],
      },
      spec: { containers: [{ name: 'app', image: 'web:1' }] },
    });
    const ids = ['c1//Pod/shop/web-abc-1', 'c1//Pod/shop/web-abc-2'];
    tracker.upsertOwner(rs);
    tracker.upsertLive(pod('web-abc-1'));
    tracker.upsertLive(pod('web-abc-2'));
    for (const id of ids) expect(tracker.get(id)).toMatchObject({ status: 'in-sync', since: '2026-01-01T00:00:00.000Z', warnings: [] });
    const n = events.length;
    advance(3_600_000);
    // `kubectl delete deploy web`: the ReplicaSet goes first, the garbage collector deletes its Pods after.
    tracker.deleteOwner(rs);
    const gone = 'owner ReplicaSet web-abc was deleted; this Pod awaits garbage collection';
    for (const id of ids) expect(tracker.get(id)).toMatchObject({ status: 'in-sync', since: '2026-01-01T00:00:00.000Z', warnings: [gone] });
    // The warning is news (one event per Pod); the verdict is not.
    expect(events.slice(n)).toMatchObject([
      { type: 'upsert', state: { status: 'in-sync', since: '2026-01-01T00:00:00.000Z' } },
      { type: 'upsert', state: { status: 'in-sync', since: '2026-01-01T00:00:00.000Z' } },
    ]);
    expect(tracker.deletedOwnerCount).toBe(1);
    // Terminating (a Pod update) and then deleted, one by one.
    tracker.upsertLive(pod('web-abc-1', true));
    expect(tracker.get(ids[0] as string)).toMatchObject({ status: 'in-sync', since: '2026-01-01T00:00:00.000Z', warnings: [gone] });
    tracker.deleteLive(pod('web-abc-1', true));
    expect(tracker.deletedOwnerCount).toBe(1);
    expect(tracker.get(ids[1] as string)).toMatchObject({ status: 'in-sync', warnings: [gone] });
    tracker.deleteLive(pod('web-abc-2'));
    expect(tracker.deletedOwnerCount).toBe(0);
    expect(tracker.size).toBe(0);
    expect(events.slice(n).map((e) => (e.type === 'upsert' ? e.state.status : 'delete'))).toEqual(['in-sync', 'in-sync', 'delete', 'delete']);
  });

  it('keeps no deleted owner that no Pod refers to, and forgets one a relist finds again', () => {
    const { tracker } = clocked();
    const labels = { app: 'web' };
    const rs = (uid: string): KubeObject => ({
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `rs-${uid}`, namespace: 'shop', uid, generation: 1 },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'web:1' }] } } },
    });
    const pod: KubeObject = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p', namespace: 'shop', uid: 'p1', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs-a', uid: 'a', controller: true }] },
      spec: { containers: [{ name: 'app', image: 'web:1' }] },
    };
    // A Job's history pruned, a scaled-down ReplicaSet of an old revision: no Pods left to judge.
    tracker.upsertOwner(rs('b'));
    tracker.deleteOwner(rs('b'));
    expect(tracker.deletedOwnerCount).toBe(0);
    tracker.upsertOwner(rs('a'));
    tracker.upsertLive(pod);
    tracker.retainOwners('apps', 'ReplicaSet', []);
    expect(tracker.deletedOwnerCount).toBe(1);
    // Its deletion was not one after all (listed again): the Pod is its owner's again.
    tracker.upsertOwner(rs('a'));
    expect(tracker.deletedOwnerCount).toBe(0);
    expect(tracker.get('c1//Pod/shop/p')).toMatchObject({ status: 'in-sync', warnings: [] });
    // Its kind no longer watched as owners (Pods or owner templates left the configuration): not
    // deleted, only not known; tombstones of the kind go too.
    tracker.forgetOwners('apps', 'ReplicaSet');
    expect(tracker.deletedOwnerCount).toBe(0);
    expect(tracker.get('c1//Pod/shop/p')?.warnings.join()).toMatch(/owner ReplicaSet rs-a is not known/);
    expect(tracker.get('c1//Pod/shop/p')?.warnings.join()).not.toMatch(/deleted/);
  });

  it('an object re-read in another version (CRD version swap) with the same verdict shows the version it is now read in', () => {
    const { tracker } = clocked();
    const dial = (v: string): KubeObject => ({ apiVersion: `example.com/${v}`, kind: 'Dial', metadata: { name: 'd', namespace: 'shop', uid: 'd1', resourceVersion: '1' }, spec: { level: 3 } });
    tracker.upsertLive(dial('v1'));
    expect(tracker.get('c1/example.com/Dial/shop/d')).toMatchObject({ status: 'unmanaged', version: 'v1' });
    tracker.upsertLive(dial('v2')); // the v2 informer's list (ClusterWatcher version swap)
    expect(tracker.get('c1/example.com/Dial/shop/d')?.version).toBe('v2');
  });
});
