import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/cache-diff';
import { DriftTracker, type KindStatus } from './drift-tracker';
import { ownerTemplateBuilder } from './runtime-options';
import type { DriftChange, DesiredObject } from './types';
import type { VersionReadRequest } from './version-reads';

const deployment = (image: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, ...extra },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

const liveDeployment = (image: string, rv: string, manager = 'gitops'): KubeObject => ({
  ...deployment(image, {
    uid: 'u1',
    resourceVersion: rv,
    managedFields: [
      {
        manager,
        operation: 'Update',
        time: '2026-11-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } } },
      },
    ],
  }),
  status: { replicas: 2 },
});

function setup(kinds: Record<string, KindStatus> = { 'apps/Deployment': { synced: true, status: 'synced' } }, resumeSliceMs?: number) {
  const events: DriftChange[] = [];
  const tracker = new DriftTracker({
    ...(resumeSliceMs !== undefined ? { resumeSliceMs } : {}),
    cluster: 'c1',
    sources: ['manifest-dir', 'last-applied'],
    diffOptions: {},
    kindStatus: (g, k) => kinds[`${g}/${k}`],
    onEvent: (e) => events.push(e),
  });
  return { tracker, events };
}

/** A tracker of every kind synced, on a clock that starts at 2026-01-01 and moves only when told. */
function clockedSetup() {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const events: DriftChange[] = [];
  const tracker = new DriftTracker({
    cluster: 'c1',
    sources: ['manifest-dir', 'last-applied'],
    diffOptions: {},
    kindStatus: () => ({ synced: true, status: 'synced' }),
    onEvent: (e) => events.push(e),
    now: () => new Date(clock),
  });
  return { tracker, events, advance: (ms: number) => void (clock += ms) };
}

const desiredOf = (manifest: KubeObject, revision: string): DesiredObject => ({ manifest, source: { type: 'manifest-dir', file: 'web.yaml', line: 1 }, revision });
const ID = 'c1/apps/Deployment/shop/web';


/** A tracker judging Pods against their owners' templates alone, its events collected. */
function ownerTemplateTracker(events: DriftChange[]): DriftTracker {
  return new DriftTracker({
    cluster: 'c1',
    sources: ['owner-template'],
    diffOptions: {},
    ownerTemplate: ownerTemplateBuilder,
    kindStatus: () => ({ synced: true, status: 'synced' }),
    onEvent: (e) => events.push(e),
  });
}
describe('DriftTracker', () => {
  it('shows a Secret manifest\'s revision keyed, not the content hash of its values', () => {
    const { tracker } = setup({ '/Secret': { synced: true, status: 'synced' } });
    const secret = (value: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop', uid: 's1', resourceVersion: '1' }, data: { password: value } });
    const plainRevision = 'f52fbd32b2b3c4d5e6f708192a3b4c5d';
    tracker.replaceManifests([desiredOf(secret('aHVudGVyMg=='), plainRevision)]);
    tracker.upsertLive(secret('aHVudGVyMg=='));
    const shown = tracker.get('c1//Secret/shop/db')?.desiredRevision;
    expect(shown).toMatch(/^[0-9a-f]{12}$/);
    expect(plainRevision.startsWith(shown ?? '')).toBe(false);
    // Deterministic within the process: the same manifest keeps its revision.
    tracker.replaceManifests([desiredOf(secret('aHVudGVyMg=='), plainRevision)]);
    expect(tracker.get('c1//Secret/shop/db')?.desiredRevision).toBe(shown);
    // Other kinds show the revision as it is.
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    tracker.upsertLive(liveDeployment('web:1', '1'));
    expect(tracker.get(ID)?.desiredRevision).toBe('r1');
  });

  it('goes in-sync → drifted → in-sync and emits only on verdict changes', () => {
    const { tracker, events } = setup();
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    tracker.upsertLive(liveDeployment('web:1', '1'));
    expect(tracker.get(ID)?.status).toBe('in-sync');
    const n = events.length;
    const revision = tracker.revision;
    // A status-only or resourceVersion-only update keeps the verdict: no event, resourceVersion tracked.
    tracker.upsertLive(liveDeployment('web:1', '2'));
    expect(events.length).toBe(n);
    expect(tracker.get(ID)?.resourceVersion).toBe('2');
    // ...but the state did change in place, so anything kept from list() must be made again.
    expect(tracker.revision).toBeGreaterThan(revision);
    tracker.upsertLive(liveDeployment('web:2', '3', 'kubectl-edit'));
    const drifted = tracker.get(ID);
    expect(drifted?.status).toBe('drifted');
    expect(drifted?.changes.map((c) => [c.path, c.manager?.name])).toEqual([['spec.template.spec.containers[name=app].image', 'kubectl-edit']]);
    tracker.upsertLive(liveDeployment('web:1', '4'));
    expect(tracker.get(ID)?.status).toBe('in-sync');
    expect(events.slice(n).map((e) => (e.type === 'upsert' ? e.state.status : 'delete'))).toEqual(['drifted', 'in-sync']);
  });

  it('reports missing only once the kind has listed, and an error when it is forbidden or not served', () => {
    const kinds: Record<string, KindStatus> = { 'apps/Deployment': { synced: false, status: 'syncing' } };
    const { tracker } = setup(kinds);
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    expect(tracker.get(ID)).toBeUndefined();
    kinds['apps/Deployment'] = { synced: true, status: 'synced' };
    tracker.reevaluateKind('apps', 'Deployment');
    expect(tracker.get(ID)?.status).toBe('missing');
    expect(tracker.get(ID)?.changes).toEqual([{ path: '', op: 'missing' }]);
    kinds['apps/Deployment'] = { synced: false, status: 'forbidden', message: 'deployments.apps is forbidden' };
    tracker.reevaluateKind('apps', 'Deployment');
    expect(tracker.get(ID)).toMatchObject({ status: 'error', error: expect.stringContaining('forbidden') });
    delete kinds['apps/Deployment'];
    tracker.reevaluateKind('apps', 'Deployment');
    expect(tracker.get(ID)?.error).toBe('the cluster does not serve Deployment.apps');
    // A group the API server stopped serving: where the kind went is the fix.
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1'), desiredOf({ ...deployment('web:1'), apiVersion: 'extensions/v1beta1' }, 'r2')]);
    expect(tracker.get('c1/extensions/Deployment/shop/web')?.error).toBe('the cluster does not serve Deployment.extensions: write it as apps/v1 (extensions/v1beta1 was removed in Kubernetes 1.16)');
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    // A first list that keeps failing: said, not left out of the list.
    kinds['apps/Deployment'] = { synced: false, status: 'error', message: 'the server is currently unable to handle the request' };
    tracker.reevaluateKind('apps', 'Deployment');
    expect(tracker.get(ID)).toMatchObject({ status: 'error', error: 'cannot list Deployment.apps: the server is currently unable to handle the request' });
    kinds['apps/Deployment'] = { synced: false, status: 'synced', notWatched: 'not compared: namespace shop is not watched' };
    tracker.reevaluateKind('apps', 'Deployment');
    expect(tracker.get(ID)).toMatchObject({ status: 'error', changes: [], error: 'not compared: namespace shop is not watched' });
  });

  it('falls back to last-applied, marks objects without desired state unmanaged, and forgets deleted ones', () => {
    const { tracker, events } = setup();
    const live = liveDeployment('web:2', '5');
    tracker.upsertLive(live);
    expect(tracker.get(ID)?.status).toBe('unmanaged');
    const annotated = { ...live, metadata: { ...live.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(deployment('web:1')) } } };
    tracker.upsertLive(annotated);
    expect(tracker.get(ID)).toMatchObject({ status: 'drifted', source: { type: 'last-applied' } });
    // A desired manifest in the directory wins over last-applied.
    tracker.replaceManifests([desiredOf(deployment('web:2'), 'r2')]);
    expect(tracker.get(ID)).toMatchObject({ status: 'in-sync', source: { type: 'manifest-dir', file: 'web.yaml' } });
    tracker.replaceManifests([]);
    tracker.deleteLive(annotated);
    expect(tracker.get(ID)).toBeUndefined();
    expect(events[events.length - 1]).toMatchObject({ type: 'delete', id: ID });
  });

  it('does not re-evaluate objects whose desired revision did not change', () => {
    const { tracker } = setup();
    const d = desiredOf(deployment('web:1'), 'r1');
    tracker.replaceManifests([d]);
    tracker.upsertLive(liveDeployment('web:1', '1'));
    const before = tracker.evaluations;
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    expect(tracker.evaluations).toBe(before);
  });

  it('re-evaluates only the groups whose schema changed, and keeps the verdicts of the others', () => {
    const { tracker, events } = setup({ 'apps/Deployment': { synced: true, status: 'synced' }, 'example.com/Widget': { synced: true, status: 'synced' } });
    const widget = (size: number): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec: { size } });
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1'), desiredOf(widget(1), 'w1')]);
    tracker.upsertLive(liveDeployment('web:1', '1'));
    tracker.upsertLive({ ...widget(1), metadata: { ...widget(1).metadata, uid: 'w', resourceVersion: '1' } });
    expect(tracker.get('c1/example.com/Widget/shop/w')?.status).toBe('in-sync');
    const before = tracker.evaluations;
    const n = events.length;
    tracker.setSchema({ schemaFor: () => undefined }, new Set(['example.com']));
    expect(tracker.evaluations - before).toBe(1);
    tracker.setSchema({ schemaFor: () => undefined });
    expect(tracker.evaluations - before).toBe(3);
    // The same verdicts: nothing published.
    expect(events.length).toBe(n);
  });

  it('compares a Pod with its owner template and follows the owner', () => {
    const events: DriftChange[] = [];
    const tracker = new DriftTracker({
      cluster: 'c1',
      sources: ['owner-template'],
      diffOptions: {},
      ownerTemplate: (_pod, owner) =>
        owner === undefined
          ? { ok: false, message: 'owner ReplicaSet web-1 is not known (yet)' }
          : {
              ok: true,
              manifest: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-abc', namespace: 'shop' }, spec: (owner.spec as { template: { spec: unknown } }).template.spec },
              revision: `rs1@${String(owner.metadata.generation)}`,
              warnings: [],
            },
      kindStatus: () => ({ synced: true, status: 'synced' }),
      onEvent: (e) => events.push(e),
    });
    const rs = (image: string, generation: number): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-1', namespace: 'shop', uid: 'rs1', generation },
      spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
    });
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-abc',
        namespace: 'shop',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs1', controller: true }],
        managedFields: [
          { manager: 'kube-controller-manager', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } },
        ],
      },
      spec: { containers: [{ name: 'app', image: 'web:1' }] },
    };
    tracker.upsertLive(pod);
    expect(tracker.get('c1//Pod/shop/web-abc')).toMatchObject({ status: 'unmanaged', warnings: ['owner ReplicaSet web-1 is not known (yet)'] });
    tracker.upsertOwner(rs('web:1', 1));
    expect(tracker.get('c1//Pod/shop/web-abc')?.source).toEqual({ type: 'owner-template', owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs1' } });
    expect(tracker.get('c1//Pod/shop/web-abc')?.status).toBe('in-sync');
    tracker.upsertOwner(rs('web:2', 2));
    expect(tracker.get('c1//Pod/shop/web-abc')?.status).toBe('drifted');
    // Owners of other kinds are forgotten (their informers stopped): this one stays.
    tracker.retainOwners('apps', 'StatefulSet', []);
    tracker.retainOwners('', 'ReplicaSet', []);
    expect(tracker.get('c1//Pod/shop/web-abc')?.status).toBe('drifted');
    // Its informer listed again from scratch (watched anew) without it: deleted meanwhile, its Pod
    // awaits garbage collection and is still judged against its last template, saying so.
    tracker.retainOwners('apps', 'ReplicaSet', [{ ...rs('web:2', 2), metadata: { name: 'web-2', namespace: 'shop', uid: 'rs2' } }]);
    expect(tracker.get('c1//Pod/shop/web-abc')).toMatchObject({ status: 'drifted', warnings: ['owner ReplicaSet web-1 was deleted; this Pod awaits garbage collection'] });
    expect(tracker.deletedOwnerCount).toBe(1);
    // The Pod goes: nothing refers to the deleted owner any more. A Pod naming it later (never seen
    // deleted by this tracker) finds its owner not known.
    tracker.deleteLive(pod);
    expect(tracker.deletedOwnerCount).toBe(0);
    tracker.upsertLive(pod);
    expect(tracker.get('c1//Pod/shop/web-abc')).toMatchObject({ status: 'unmanaged', warnings: ['owner ReplicaSet web-1 is not known (yet)'] });
    // A controller of another group that happens to be called Job (Volcano's, say) has no pod
    // template the dashboard knows how to read: its Pod is unmanaged, without a word about owners.
    const volcano: KubeObject = {
      ...pod,
      metadata: { ...pod.metadata, name: 'train-0', ownerReferences: [{ apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', name: 'train', uid: 'vj1', controller: true }] },
    };
    tracker.upsertLive(volcano);
    expect(tracker.get('c1//Pod/shop/train-0')).toMatchObject({ status: 'unmanaged', warnings: [] });
  });

  it('runs held-back evaluations in slices, stays paused until the last, and queues newer changes behind them in order', async () => {
    const { tracker, events } = setup(undefined, 0);
    const named = (i: number, image: string, rv: string) => {
      const d = liveDeployment(image, rv);
      return { ...d, metadata: { ...d.metadata, name: `web-${i}`, uid: `u${i}` } };
    };
    const manifest = (i: number) => {
      const d = deployment('web:1');
      return { ...d, metadata: { ...d.metadata, name: `web-${i}` } };
    };
    tracker.pause();
    tracker.replaceManifests(Array.from({ length: 200 }, (_, i) => desiredOf(manifest(i), 'r1')));
    for (let i = 0; i < 200; i++) tracker.upsertLive(named(i, 'web:1', '1'));
    expect(tracker.size).toBe(0);
    tracker.resume();
    // A slice of zero milliseconds stops after its first few: the rest wait for the event loop.
    expect(tracker.paused).toBe(true);
    const first = tracker.size;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(200);
    // A change that arrives meanwhile is judged after the held-back ones, with the newest input.
    tracker.upsertLive(named(0, 'web:2', '2'));
    tracker.upsertLive(named(0, 'web:3', '3'));
    for (let turns = 0; tracker.paused && turns < 100; turns++) await new Promise((r) => setImmediate(r));
    expect(tracker.paused).toBe(false);
    expect(tracker.size).toBe(200);
    expect(tracker.get('c1/apps/Deployment/shop/web-0')).toMatchObject({ status: 'drifted', resourceVersion: '3' });
    expect(tracker.get('c1/apps/Deployment/shop/web-199')?.status).toBe('in-sync');
    const upserts = events.filter((e) => e.type === 'upsert');
    // Each object once from the held-back run, then web-0 once more (the newest input, not the one between).
    expect(upserts).toHaveLength(201);
    expect(upserts.at(-1)?.type === 'upsert' && upserts.at(-1)?.state.name).toBe('web-0');
  });

  it('keeps a verdict and its since when only the manifest moved (directory, file, line, commit), and emits nothing', () => {
    const { tracker, events, advance } = clockedSetup();
    const at = (file: string, commit: string, root = '/srv/team-a'): DesiredObject => ({ manifest: deployment('web:1'), source: { type: 'manifest-dir', root, file, line: 1, commit }, revision: 'r1' });
    tracker.replaceManifests([at('web.yaml', 'c1')]);
    tracker.upsertLive(liveDeployment('web:2', '1', 'kubectl-edit'));
    expect(tracker.get(ID)).toMatchObject({ status: 'drifted', since: '2026-01-01T00:00:00.000Z' });
    const n = events.length;
    const evaluations = tracker.evaluations;
    const revision = tracker.revision;
    advance(4 * 86_400_000);
    // A commit that touches no manifest, then a rename.
    tracker.replaceManifests([at('web.yaml', 'c2')]);
    tracker.replaceManifests([at('apps/web.yaml', 'c3')]);
    expect(tracker.get(ID)).toMatchObject({ status: 'drifted', since: '2026-01-01T00:00:00.000Z', source: { type: 'manifest-dir', file: 'apps/web.yaml', commit: 'c3' } });
    expect(events.length).toBe(n);
    expect(tracker.evaluations).toBe(evaluations);
    // Readers that cache the list see the new source.
    expect(tracker.revision).toBeGreaterThan(revision);
    // The same file name, line and commit in another directory: moved all the same.
    const beforeDirMove = tracker.revision;
    tracker.replaceManifests([at('apps/web.yaml', 'c3', '/srv/team-b')]);
    expect(tracker.get(ID)).toMatchObject({ status: 'drifted', since: '2026-01-01T00:00:00.000Z', source: { root: '/srv/team-b', file: 'apps/web.yaml', line: 1, commit: 'c3' } });
    expect(events.length).toBe(n);
    expect(tracker.evaluations).toBe(evaluations);
    expect(tracker.revision).toBeGreaterThan(beforeDirMove);
  });

  it('says when a manifest is the last loaded form of a document its file no longer loads, and stops saying it once the file loads', () => {
    const { tracker, events } = setup();
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    tracker.upsertLive(liveDeployment('web:2', '1', 'kubectl-edit'));
    const since = tracker.get(ID)?.since;
    const stale = 'web.yaml has an error at line 9 (Unexpected , in flow map): compared with this document as it was last loaded';
    tracker.replaceManifests([{ ...desiredOf(deployment('web:1'), 'r1'), source: { type: 'manifest-dir', file: 'web.yaml', line: 1, stale } }]);
    // Still drifted as before, and saying why the manifest may be out of date.
    expect(tracker.get(ID)).toMatchObject({ status: 'drifted', warnings: [stale], since, source: { stale } });
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    expect(tracker.get(ID)).toMatchObject({ status: 'drifted', warnings: [], since });
    // missing, drifted, then the warning on and off.
    expect(events.map((e) => e.type === 'upsert' && e.state.warnings.length)).toEqual([0, 0, 1, 0]);
    // Missing live, the object says it too (docs/desired-sources.md).
    tracker.replaceManifests([{ ...desiredOf(deployment('web:1'), 'r1'), source: { type: 'manifest-dir', file: 'web.yaml', line: 1, stale } }]);
    tracker.deleteLive(liveDeployment('web:2', '1', 'kubectl-edit'));
    expect(tracker.get(ID)).toMatchObject({ status: 'missing', warnings: [stale], source: { stale } });
  });

  it('says when another source takes over with the same verdict, without moving since', () => {
    const { tracker, events, advance } = clockedSetup();
    const live = liveDeployment('web:1', '1');
    tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
    tracker.upsertLive({ ...live, metadata: { ...live.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(deployment('web:1')) } } });
    expect(tracker.get(ID)).toMatchObject({ status: 'in-sync', source: { type: 'manifest-dir' } });
    const n = events.length;
    advance(60_000);
    tracker.replaceManifests([]);
    expect(tracker.get(ID)).toMatchObject({ status: 'in-sync', source: { type: 'last-applied' }, since: '2026-01-01T00:00:00.000Z' });
    expect(events.slice(n)).toEqual([{ type: 'upsert', state: tracker.get(ID), at: '2026-01-01T00:01:00.000Z' }]);
  });

  it('reads last-applied as lib/desired does: identity from the live object, unusable annotations said, copied ones ignored', () => {
    const { tracker } = setup();
    const live = liveDeployment('web:2', '5');
    const withAnnotation = (text: string): KubeObject => ({ ...live, metadata: { ...live.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': text } } });
    // kubectl always records metadata, but an annotation without it still describes this object.
    const { metadata: _dropped, ...noMetadata } = deployment('web:1');
    tracker.upsertLive(withAnnotation(JSON.stringify(noMetadata)));
    expect(tracker.get(ID)).toMatchObject({ status: 'drifted', source: { type: 'last-applied' } });
    tracker.upsertLive(withAnnotation('{"apiVersion": "apps/v1", "kind":'));
    expect(tracker.get(ID)).toMatchObject({ status: 'unmanaged', warnings: [expect.stringMatching(/annotation is not valid JSON/)] });
    // An operator that copies its resource's annotations onto what it creates.
    tracker.upsertLive(withAnnotation(JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'web-widget', namespace: 'shop' }, spec: { size: 3 } })));
    expect(tracker.get(ID)).toMatchObject({ status: 'unmanaged', changes: [], warnings: [expect.stringMatching(/describes .*Widget.*not this .*Deployment.*ignored/)] });
  });

  it('re-evaluates a controller\'s Pods when its template or rollout revision changes, not on its status writes', () => {
    const events: DriftChange[] = [];
    const tracker = ownerTemplateTracker(events);
    const set = (image: string, generation: number, updateRevision: string, readyReplicas: number): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'shop', uid: 'ss1', generation, resourceVersion: String(100 + readyReplicas + generation) },
      spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } } },
      status: { readyReplicas, updateRevision },
    });
    const pods = Array.from({ length: 20 }, (_, i): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `db-${i}`,
        namespace: 'shop',
        uid: `p${i}`,
        resourceVersion: String(i + 1),
        labels: { app: 'db', 'controller-revision-hash': 'db-old', 'statefulset.kubernetes.io/pod-name': `db-${i}` },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'ss1', controller: true }],
      },
      spec: { hostname: `db-${i}`, subdomain: 'db', containers: [{ name: 'db', image: 'db:1' }] },
    }));
    tracker.upsertOwner(set('db:1', 1, 'db-old', 0));
    for (const p of pods) tracker.upsertLive(p);
    expect(tracker.get('c1//Pod/shop/db-3')).toMatchObject({ status: 'in-sync', warnings: [] });
    const before = tracker.evaluations;
    // The controller writes its status as each Pod becomes ready.
    for (let ready = 1; ready <= 20; ready++) tracker.upsertOwner(set('db:1', 1, 'db-old', ready));
    expect(tracker.evaluations).toBe(before);
    // A new template: every Pod is judged against it, and the rollout under way is said.
    tracker.upsertOwner(set('db:2', 2, 'db-new', 20));
    expect(tracker.evaluations).toBe(before + 20);
    const state = tracker.get('c1//Pod/shop/db-3');
    expect(state?.status).toBe('drifted');
    expect(state?.changes.map((c) => c.path)).toEqual(['spec.containers[name=db].image']);
    expect(state?.warnings).toEqual([expect.stringMatching(/rollout/)]);
  });

  it('does not re-evaluate a controller\'s Pods when it only scales (replicas move the generation, not the template)', () => {
    const events: DriftChange[] = [];
    const tracker = ownerTemplateTracker(events);
    const labels = { app: 'web', 'pod-template-hash': 'abc' };
    // Each scale step: spec.replicas and the generation move, the deployment controller rewrites its
    // annotations, the status follows.
    const rs = (image: string, generation: number, replicas: number): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-abc', namespace: 'shop', uid: 'rs1', generation, resourceVersion: String(generation), annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas) } },
      spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image }] } } },
      status: { replicas, observedGeneration: generation },
    });
    const set = (generation: number, replicas: number, serviceName = 'db'): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'shop', uid: 'ss1', generation },
      spec: { replicas, serviceName, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db:1' }] } } },
      status: { replicas, updateRevision: 'db-1' },
    });
    const pod = (name: string, owner: { kind: string; name: string; uid: string }, podLabels: Record<string, string>, spec: Record<string, unknown>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'shop', uid: `u-${name}`, labels: podLabels, ownerReferences: [{ apiVersion: 'apps/v1', ...owner, controller: true }] },
      spec,
    });
    tracker.upsertOwner(rs('web:1', 1, 20));
    tracker.upsertOwner(set(1, 5));
    for (let i = 0; i < 20; i++) tracker.upsertLive(pod(`web-abc-${i}`, { kind: 'ReplicaSet', name: 'web-abc', uid: 'rs1' }, labels, { containers: [{ name: 'app', image: 'web:1' }] }));
    for (let i = 0; i < 5; i++) {
      const podLabels = { app: 'db', 'controller-revision-hash': 'db-1', 'statefulset.kubernetes.io/pod-name': `db-${i}` };
      tracker.upsertLive(pod(`db-${i}`, { kind: 'StatefulSet', name: 'db', uid: 'ss1' }, podLabels, { hostname: `db-${i}`, subdomain: 'db', containers: [{ name: 'db', image: 'db:1' }] }));
    }
    expect(tracker.list().map((s) => s.status)).toEqual(Array.from({ length: 25 }, () => 'in-sync'));
    const before = tracker.evaluations;
    const n = events.length;
    // 10 scale steps (a rollout's old ReplicaSet going down, an HPA, kubectl scale).
    for (let step = 1; step <= 10; step++) tracker.upsertOwner(rs('web:1', 1 + step, 20 - 2 * step));
    for (let step = 1; step <= 3; step++) tracker.upsertOwner(set(1 + step, 5 + step));
    expect(tracker.evaluations).toBe(before);
    expect(events.length).toBe(n);
    // What the Pods are built from changes: each of the owner's Pods is judged again, once.
    tracker.upsertOwner(rs('web:2', 12, 0));
    expect(tracker.evaluations).toBe(before + 20);
    expect(tracker.get('c1//Pod/shop/web-abc-7')?.changes.map((c) => c.path)).toEqual(['spec.containers[name=app].image']);
    tracker.upsertOwner(set(5, 8, 'db-headless'));
    expect(tracker.evaluations).toBe(before + 25);
    expect(tracker.get('c1//Pod/shop/db-2')?.status).toBe('drifted');
  });

  it('says when a manifest is written for another version than the one the object was read in', () => {
    const { tracker } = setup({ 'autoscaling/HorizontalPodAutoscaler': { synced: true, status: 'synced' } });
    const hpa = (apiVersion: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion, kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'shop', uid: 'h1', resourceVersion: '1' }, spec });
    tracker.replaceManifests([desiredOf(hpa('autoscaling/v1', { maxReplicas: 5 }), 'h1')]);
    tracker.upsertLive(hpa('autoscaling/v2', { maxReplicas: 5 }));
    // The engine's own caveat, on the state a user reads.
    expect(tracker.get('c1/autoscaling/HorizontalPodAutoscaler/shop/web')?.warnings).toEqual([expect.stringMatching(/^compared autoscaling\/v1 \(desired\) with autoscaling\/v2 \(live\)/)]);
    tracker.replaceManifests([desiredOf(hpa('autoscaling/v2', { maxReplicas: 5 }), 'h2')]);
    expect(tracker.get('c1/autoscaling/HorizontalPodAutoscaler/shop/web')?.warnings).toEqual([]);
  });

  describe('an object whose manifest is written for another version than its kind is watched in', () => {
    const id = 'c1/autoscaling/HorizontalPodAutoscaler/shop/web';
    const meta = (rv: string, extra: Record<string, unknown> = {}) => ({ name: 'web', namespace: 'shop', uid: 'h1', resourceVersion: rv, generation: 1, ...extra });
    const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
    // The same object in the two versions: v1 names the CPU target a field, v2 a metric.
    const v1 = (rv: string, cpu: number, extra: Record<string, unknown> = {}): KubeObject => ({
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(rv, extra),
      spec: { scaleTargetRef: target, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: cpu },
    });
    const v2 = (rv: string, cpu: number, extra: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject => ({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(rv, extra),
      spec: { scaleTargetRef: target, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } }] },
      status,
    });
    const manifest = (of: KubeObject, revision: string) => desiredOf({ ...of, metadata: { name: of.metadata.name, namespace: 'shop' } }, revision);

    /** A tracker whose reads are recorded (and refused with `why` when set); started the way start-up does, both sides in first. */
    function readSetup(initial: KubeObject[], manifests: KubeObject[]) {
      const requests: VersionReadRequest[] = [];
      const cancelled: string[] = [];
      const control = { why: undefined as string | undefined };
      const events: DriftChange[] = [];
      const tracker = new DriftTracker({
        cluster: 'c1',
        sources: ['manifest-dir'],
        diffOptions: {},
        kindStatus: () => ({ synced: true, status: 'synced' }),
        onEvent: (e) => events.push(e),
        versionReads: {
          request: (r) => {
            if (control.why !== undefined) return control.why;
            requests.push(r);
            return undefined;
          },
          cancel: (i) => void cancelled.push(i),
        },
      });
      tracker.pause();
      tracker.replaceManifests(manifests.map((m, i) => manifest(m, `r${i}`)));
      for (const o of initial) tracker.upsertLive(o);
      tracker.resume();
      return { tracker, requests, cancelled, control, events };
    }

    it('holds its first state until the read in its version is answered, then compares with what was read', () => {
      const { tracker, requests, events } = readSetup([v2('1', 80)], [v1('', 80)]);
      // Asked for, and no state until answered: not a verdict across versions first.
      expect(requests).toEqual([{ id, apiVersion: 'autoscaling/v1', group: 'autoscaling', kind: 'HorizontalPodAutoscaler', namespace: 'shop', name: 'web', resourceVersion: '1' }]);
      expect(tracker.get(id)).toBeUndefined();
      expect(tracker.reading).toBe(true);
      // Evaluated again while it is read: nothing more is asked.
      tracker.setSchema({ schemaFor: () => undefined });
      expect(requests).toHaveLength(1);
      tracker.liveInVersion(id, 'autoscaling/v1', '1', { ok: true, object: v1('1', 80) });
      expect(tracker.reading).toBe(false);
      expect(tracker.get(id)).toMatchObject({ status: 'in-sync', version: 'v1', warnings: [], resourceVersion: '1' });
      expect(tracker.inputsOf(id).live?.apiVersion).toBe('autoscaling/v1');
      expect(events).toHaveLength(1);
      // Re-evaluated with the object unchanged: the read stands, nothing is read again.
      tracker.setSchema({ schemaFor: () => undefined });
      expect(requests).toHaveLength(1);
      // Its status written (an HPA's, every 15 s): same generation and metadata, the read stands.
      tracker.upsertLive(v2('2', 80, {}, { currentReplicas: 3 }));
      expect(requests).toHaveLength(1);
      expect(tracker.get(id)).toMatchObject({ status: 'in-sync', resourceVersion: '2' });
    });

    it('keeps the verdict while a change is read, and takes whichever answer is of the object as now watched', () => {
      const { tracker, requests } = readSetup([v2('1', 80)], [v1('', 80)]);
      tracker.liveInVersion(id, 'autoscaling/v1', '1', { ok: true, object: v1('1', 80) });
      tracker.upsertLive(v2('2', 50, { generation: 2 }));
      tracker.upsertLive(v2('3', 40, { generation: 3 }));
      expect(requests.map((r) => r.resourceVersion)).toEqual(['1', '2', '3']);
      expect(tracker.get(id)).toMatchObject({ status: 'in-sync', resourceVersion: '1' });
      // The read asked at rv 2 came back with the object as it is at rv 3, which the watch has delivered too: taken.
      tracker.liveInVersion(id, 'autoscaling/v1', '2', { ok: true, object: v1('3', 40, { generation: 3 }) });
      expect(tracker.get(id)).toMatchObject({ status: 'drifted', resourceVersion: '3', changes: [{ path: 'spec.targetCPUUtilizationPercentage', op: 'changed', desired: 80, live: 40 }] });
      // An answer of a state since replaced is dropped.
      tracker.liveInVersion(id, 'autoscaling/v1', '1', { ok: true, object: v1('1', 80) });
      expect(tracker.get(id)?.status).toBe('drifted');
    });

    it('compares as watched, saying why, while its read fails, and as read once a retry works', () => {
      const { tracker, control } = readSetup([v2('1', 80)], [v1('', 80)]);
      tracker.liveInVersion(id, 'autoscaling/v1', '1', { ok: false, message: 'could not read it as autoscaling/v1: API server error: conversion webhook unavailable' });
      expect(tracker.reading).toBe(false);
      // One note, with the reason; not the engine's own advice besides.
      expect(tracker.get(id)?.warnings).toEqual([
        'compared as watched (autoscaling/v2), not as autoscaling/v1 (could not read it as autoscaling/v1: API server error: conversion webhook unavailable): fields the two versions name differently may show as drift',
      ]);
      expect(tracker.inputsOf(id).live?.apiVersion).toBe('autoscaling/v2');
      tracker.liveInVersion(id, 'autoscaling/v1', '1', { ok: true, object: v1('1', 80) });
      expect(tracker.get(id)).toMatchObject({ status: 'in-sync', version: 'v1', warnings: [] });
      // A version the cluster cannot give: compared as watched at once.
      control.why = 'the cluster does not serve autoscaling/v1';
      tracker.upsertLive(v2('2', 80, { generation: 2 }));
      expect(tracker.get(id)?.warnings).toEqual([expect.stringContaining('not as autoscaling/v1 (the cluster does not serve autoscaling/v1)')]);
    });

    it('keeps the state when the object is gone or another of the same name answers, and waits for the watch', () => {
      const { tracker, requests } = readSetup([v2('1', 80)], [v1('', 80)]);
      tracker.liveInVersion(id, 'autoscaling/v1', '1', { ok: true, object: v1('1', 80) });
      // Being deleted (a finalizer holds it): the read 404s; no verdict from that, the delete event follows.
      tracker.upsertLive(v2('2', 80, { generation: 1, deletionTimestamp: '2026-11-27T10:00:00Z', finalizers: ['x'] }));
      tracker.liveInVersion(id, 'autoscaling/v1', '2', { ok: false, gone: true, message: 'not found as autoscaling/v1' });
      expect(tracker.get(id)).toMatchObject({ status: 'in-sync', resourceVersion: '1', warnings: [] });
      // Deleted and created again while read: the new object's answer is not the old one's.
      tracker.upsertLive(v2('3', 80, { generation: 2 }));
      tracker.liveInVersion(id, 'autoscaling/v1', '3', { ok: true, object: { ...v1('4', 10), metadata: { ...meta('4'), uid: 'h2' } } });
      expect(tracker.get(id)).toMatchObject({ uid: 'h1', resourceVersion: '1' });
      expect(requests).toHaveLength(3);
    });

    it('forgets what it read when the manifest moves to the watched version or the object goes, and no read holds readiness then', () => {
      const { tracker, requests, cancelled } = readSetup([v2('1', 80), { ...v2('5', 80), metadata: { ...meta('5'), name: 'api', uid: 'h2' } }], [v1('', 80), { ...v1('', 80), metadata: { name: 'api' } }]);
      expect(requests.map((r) => r.name)).toEqual(['web', 'api']);
      tracker.liveInVersion(id, 'autoscaling/v1', '1', { ok: true, object: v1('1', 80) });
      expect(tracker.reading).toBe(true);
      tracker.deleteLive({ ...v2('5', 80), metadata: { ...meta('5'), name: 'api', uid: 'h2' } });
      expect(tracker.reading).toBe(false);
      tracker.replaceManifests([manifest(v2('', 80), 'r9')]);
      expect(tracker.get(id)).toMatchObject({ status: 'in-sync', version: 'v2', warnings: [] });
      expect(cancelled).toEqual(['c1/autoscaling/HorizontalPodAutoscaler/shop/api', id]);
      expect(requests).toHaveLength(2);
    });

    it('reads again when who owns what changes, not when only the status is written; an answer for a state since changed stands only for that state', () => {
      const owners = (manager: string) => ({ managedFields: [{ manager, operation: 'Apply', apiVersion: 'autoscaling/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:maxReplicas': {} } } }] });
      const { tracker, requests } = readSetup([v2('1', 80, owners('gitops'))], [v1('', 80)]);
      tracker.liveInVersion(id, 'autoscaling/v1', '1', { ok: true, object: v1('1', 80, owners('gitops')) });
      tracker.upsertLive(v2('2', 80, owners('gitops'), { currentReplicas: 2 }));
      expect(requests).toHaveLength(1);
      // Another manager applies the same values: generation stays, ownership moves.
      tracker.upsertLive(v2('3', 80, owners('human'), { currentReplicas: 2 }));
      expect(requests.map((r) => r.resourceVersion)).toEqual(['1', '3']);
      tracker.liveInVersion(id, 'autoscaling/v1', '3', { ok: true, object: v1('3', 80, owners('human')) });
      // Held back (a manifest reload): the object changes, then the read asked before arrives.
      tracker.upsertLive(v2('4', 60, { ...owners('human'), generation: 2 }));
      tracker.pause();
      tracker.upsertLive(v2('5', 40, { ...owners('human'), generation: 3 }));
      tracker.liveInVersion(id, 'autoscaling/v1', '4', { ok: true, object: v1('4', 60, { ...owners('human'), generation: 2 }) });
      tracker.resume();
      // The rv-4 read does not stand for rv 5 (another generation): rv 5 is read, not judged by rv 4.
      expect(requests.map((r) => r.resourceVersion)).toEqual(['1', '3', '4', '5']);
      tracker.liveInVersion(id, 'autoscaling/v1', '5', { ok: true, object: v1('5', 40, { ...owners('human'), generation: 3 }) });
      expect(tracker.get(id)?.changes).toMatchObject([{ path: 'spec.targetCPUUtilizationPercentage', desired: 80, live: 40 }]);
    });

    it('keeps the verdict of its last good read through a few failed reads, without asking again at status writes', () => {
      const { tracker, requests, events } = readSetup([v2('1', 80)], [v1('', 80)]);
      tracker.liveInVersion(id, 'autoscaling/v1', '1', { ok: true, object: v1('1', 80) });
      tracker.upsertLive(v2('2', 50, { generation: 2 }));
      const fail = { ok: false as const, message: 'could not read it as autoscaling/v1: Too many requests: slow down' };
      tracker.liveInVersion(id, 'autoscaling/v1', '2', fail);
      // The reader tries again (same request); status writes meanwhile ask nothing.
      tracker.upsertLive(v2('3', 50, { generation: 2 }, { currentReplicas: 4 }));
      tracker.liveInVersion(id, 'autoscaling/v1', '2', fail);
      expect(requests.map((r) => r.resourceVersion)).toEqual(['1', '2']);
      expect(tracker.get(id)).toMatchObject({ status: 'in-sync', warnings: [] });
      expect(events).toHaveLength(1);
      // Still failing at the third: compared as watched, saying why; the detail shows what was compared.
      tracker.liveInVersion(id, 'autoscaling/v1', '2', fail);
      expect(tracker.get(id)?.warnings).toEqual([expect.stringContaining('(could not read it as autoscaling/v1: Too many requests: slow down)')]);
      expect(tracker.inputsOf(id).live?.apiVersion).toBe('autoscaling/v2');
      tracker.liveInVersion(id, 'autoscaling/v1', '2', { ok: true, object: v1('3', 50, { generation: 2 }) });
      expect(tracker.get(id)).toMatchObject({ status: 'drifted', warnings: [], changes: [{ path: 'spec.targetCPUUtilizationPercentage', live: 50 }] });
      expect(tracker.inputsOf(id).live?.apiVersion).toBe('autoscaling/v1');
    });

    it('asks again after cancelReads() (the watcher stopped) instead of waiting for an answer that will not come', () => {
      const { tracker, requests } = readSetup([v2('1', 80)], [v1('', 80)]);
      expect(tracker.reading).toBe(true);
      tracker.cancelReads();
      expect(tracker.reading).toBe(false);
      // The restarted watcher's relist brings the same state: read again.
      tracker.upsertLive(v2('1', 80));
      tracker.setSchema({ schemaFor: () => undefined });
      expect(requests.map((r) => r.resourceVersion)).toEqual(['1', '1']);
      // A failed read too (its retries stopped with the reader).
      tracker.liveInVersion(id, 'autoscaling/v1', '1', { ok: false, message: 'could not read it as autoscaling/v1: timeout' });
      tracker.cancelReads();
      tracker.upsertLive(v2('1', 80));
      expect(requests.map((r) => r.resourceVersion)).toEqual(['1', '1', '1']);
    });
  });

  describe('since of a verdict reached at first sight', () => {
    // clockedSetup()'s clock: 2026-01-01T00:00:00Z.
    const minutesAgo = (m: number) => new Date(Date.parse('2026-01-01T00:00:00Z') - m * 60_000).toISOString().replace('.000Z', 'Z');
    type Owner = { manager: string; time?: string; fields: Record<string, unknown> };
    const imageField = { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } } };
    const replicasField = { 'f:spec': { 'f:replicas': {} } };
    /** The Deployment drifted in its image (and in its replicas, 3 for 2, when `replicas` says so), written by these managers. */
    const drifted = (owners: Owner[], replicas = 2, rv = '1'): KubeObject => {
      const base = deployment('web:2', {
        uid: 'u1',
        resourceVersion: rv,
        managedFields: owners.map((o) => ({ manager: o.manager, operation: 'Update', ...(o.time !== undefined ? { time: o.time } : {}), fieldsType: 'FieldsV1', fieldsV1: o.fields })),
      });
      return { ...base, spec: { ...(base.spec as Record<string, unknown>), replicas } };
    };
    /** The start-up's first sync: manifests and first lists in, then one evaluation (unpaused, the manifest alone made it missing first). */
    const firstSync = (tracker: DriftTracker, live: KubeObject) => {
      tracker.pause();
      tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
      tracker.upsertLive(live);
      tracker.resume();
    };

    it('is when the drifted fields were last written (the latest manager time), while the event (the history) says now', () => {
      const { tracker, events, advance } = clockedSetup();
      firstSync(
        tracker,
        drifted(
          [
            { manager: 'kubectl-edit', time: minutesAgo(5), fields: imageField },
            { manager: 'kubectl-scale', time: minutesAgo(3), fields: replicasField },
          ],
          3,
        ),
      );
      const state = tracker.get(ID);
      expect(state?.changes.map((c) => [c.path, c.manager?.name])).toEqual([
        ['spec.replicas', 'kubectl-scale'],
        ['spec.template.spec.containers[name=app].image', 'kubectl-edit'],
      ]);
      expect(state).toMatchObject({ status: 'drifted', since: '2025-12-31T23:57:00.000Z' });
      expect(events.at(-1)).toEqual({ type: 'upsert', state, at: '2026-01-01T00:00:00.000Z' });
      // The same drift written again later (the same values): the verdict, and so its `since`, stands.
      advance(60_000);
      tracker.upsertLive(
        drifted(
          [
            { manager: 'kubectl-edit', time: minutesAgo(-1), fields: imageField },
            { manager: 'kubectl-scale', time: minutesAgo(3), fields: replicasField },
          ],
          3,
          '2',
        ),
      );
      expect(tracker.get(ID)).toMatchObject({ status: 'drifted', since: '2025-12-31T23:57:00.000Z' });
    });

    it('is now when a change has no manager time, or one that is not a date', () => {
      for (const time of [undefined, 'yesterday']) {
        const { tracker } = clockedSetup();
        firstSync(
          tracker,
          drifted(
            [
              { manager: 'kubectl-edit', time: minutesAgo(5), fields: imageField },
              { manager: 'kubectl-scale', ...(time !== undefined ? { time } : {}), fields: replicasField },
            ],
            3,
          ),
        );
        expect(tracker.get(ID)?.changes).toHaveLength(2);
        expect(tracker.get(ID)).toMatchObject({ status: 'drifted', since: '2026-01-01T00:00:00.000Z' });
      }
      // A drifted field no manager owns: nothing dates it either.
      const { tracker } = clockedSetup();
      firstSync(tracker, drifted([], 3));
      expect(tracker.get(ID)?.changes.every((c) => c.manager === undefined)).toBe(true);
      expect(tracker.get(ID)).toMatchObject({ status: 'drifted', since: '2026-01-01T00:00:00.000Z' });
    });

    it('is never later than now (an API server clock ahead of ours)', () => {
      const { tracker } = clockedSetup();
      firstSync(tracker, drifted([{ manager: 'kubectl-edit', time: minutesAgo(-2), fields: imageField }]));
      expect(tracker.get(ID)).toMatchObject({ status: 'drifted', since: '2026-01-01T00:00:00.000Z' });
    });

    it('is now for a missing object, and for other verdicts than drifted', () => {
      const { tracker } = clockedSetup();
      tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
      expect(tracker.get(ID)).toMatchObject({ status: 'missing', since: '2026-01-01T00:00:00.000Z' });
      const other = clockedSetup();
      other.tracker.upsertLive(drifted([{ manager: 'kubectl-edit', time: minutesAgo(5), fields: imageField }]));
      expect(other.tracker.get(ID)).toMatchObject({ status: 'unmanaged', since: '2026-01-01T00:00:00.000Z' });
    });

    it('is now when the verdict of an object already known changes, whatever its fields say', () => {
      const { tracker, advance } = clockedSetup();
      tracker.replaceManifests([desiredOf(deployment('web:1'), 'r1')]);
      tracker.upsertLive(liveDeployment('web:1', '1'));
      expect(tracker.get(ID)).toMatchObject({ status: 'in-sync', since: '2026-01-01T00:00:00.000Z' });
      advance(10 * 60_000);
      // Written 9 minutes before it reached the dashboard (a watch that lagged): the dashboard saw the change now.
      tracker.upsertLive(drifted([{ manager: 'kubectl-edit', time: minutesAgo(-1), fields: imageField }], 2, '2'));
      expect(tracker.get(ID)).toMatchObject({ status: 'drifted', since: '2026-01-01T00:10:00.000Z' });
      // Another drifted field later: the verdict changed again, now.
      advance(60_000);
      tracker.upsertLive(
        drifted(
          [
            { manager: 'kubectl-edit', time: minutesAgo(-1), fields: imageField },
            { manager: 'kubectl-scale', time: minutesAgo(-10), fields: replicasField },
          ],
          3,
          '3',
        ),
      );
      expect(tracker.get(ID)).toMatchObject({ status: 'drifted', since: '2026-01-01T00:11:00.000Z' });
    });
  });
});
