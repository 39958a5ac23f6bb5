/**
 * The behaviour every DriftStore backend must have. Run by sqlite-store.test.ts (a real SQLite
 * file) and postgres-store.int.test.ts (a real PostgreSQL server).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenStoreOptions } from './config';
import { MIGRATIONS } from './migrations';
import { openStore } from './open-store';
import type { DriftStore, FieldChangeInput, ObjectRef, ObjectStateInput } from './types';

export interface StoreLocation {
  /** Options that open a store on this (initially empty) database. */
  options: OpenStoreOptions;
  /** Raw SQL against the same database, for assertions on what is stored. */
  sql<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  dispose(): Promise<void>;
}

export interface StoreTarget {
  name: string;
  newLocation(): Promise<StoreLocation>;
}

const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);
const MIN = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MIN);

const deploy: ObjectRef & { version: string } = {
  cluster: 'prod',
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'shop',
  name: 'web',
  uid: 'uid-web-1',
};

function state(
  minutes: number,
  status: ObjectStateInput['status'],
  changes: FieldChangeInput[] = [],
  ref: ObjectRef & { version: string } = deploy,
): ObjectStateInput {
  return { ...ref, at: at(minutes), status, changes, source: 'dir:/manifests', desiredRevision: 'abc123' };
}

const replicas = (live: number, manager = 'kubectl-edit', desired = 3): FieldChangeInput => ({
  path: 'spec.replicas',
  op: 'changed',
  desired,
  live,
  manager: { name: manager, operation: 'Update', time: '2025-01-06T08:00:00Z' },
});

const image = (live: string): FieldChangeInput => ({
  path: 'spec.template.spec.containers[name=app].image',
  op: 'changed',
  desired: 'shop/web:1.0',
  live,
  manager: { name: 'kubectl-set', operation: 'Update' },
});

export function defineStoreSuite(target: StoreTarget): void {
  describe(`history store (${target.name})`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      while (cleanups.length > 0) await cleanups.pop()?.();
    });

    async function fresh(extra: Partial<OpenStoreOptions> = {}): Promise<{ loc: StoreLocation; store: DriftStore; reopen: (o?: Partial<OpenStoreOptions>) => Promise<DriftStore> }> {
      const loc = await target.newLocation();
      const opened: DriftStore[] = [];
      const open = async (o: Partial<OpenStoreOptions> = {}) => {
        const s = await openStore({ ...loc.options, retention: { intervalMs: 0 }, log: () => undefined, ...extra, ...o });
        opened.push(s);
        return s;
      };
      cleanups.push(async () => {
        for (const s of opened) await s.close().catch(() => undefined);
        await loc.dispose();
      });
      return { loc, store: await open(), reopen: open };
    }

    it('applies migrations once, also when opened concurrently', async () => {
      const { loc, reopen } = await fresh();
      await Promise.all([reopen(), reopen()]);
      const rows = await loc.sql<{ version: number | string }>('SELECT version FROM schema_migrations');
      expect(rows.map((r) => Number(r.version)).sort()).toEqual(MIGRATIONS.map((m) => m.version));
    });

    it('opens an episode, records value and manager transitions, and closes it when in sync', async () => {
      const { store } = await fresh();
      store.recordObjectState(state(0, 'drifted', [replicas(5)]));
      store.recordObjectState(state(1, 'drifted', [replicas(5)])); // same report: nothing new
      store.recordObjectState(state(2, 'drifted', [replicas(6)])); // value change
      store.recordObjectState(state(3, 'drifted', [replicas(6, 'hpa')])); // manager change
      store.recordObjectState(state(4, 'in-sync'));
      await store.flush();
      const h = await store.objectHistory(deploy);
      expect(h).toBeDefined();
      expect(h?.object).toMatchObject({ status: 'in-sync', drifted: false, deleted: false, uid: 'uid-web-1', version: 'v1' });
      expect(h?.episodes).toHaveLength(1);
      const ep = h?.episodes[0];
      expect(ep).toMatchObject({ path: 'spec.replicas', openedAt: at(0), closedAt: at(4), closeReason: 'in-sync', transitionCount: 3 });
      expect(ep?.source).toBe('dir:/manifests');
      expect(ep?.desiredRevision).toBe('abc123');
      expect(ep?.transitions.map((t) => [t.at.getTime(), t.live, t.manager?.name])).toEqual([
        [at(0).getTime(), 5, 'kubectl-edit'],
        [at(2).getTime(), 6, 'kubectl-edit'],
        [at(3).getTime(), 6, 'hpa'],
      ]);
      expect(ep?.transitions[0]?.desired).toBe(3);
      expect(ep?.transitions[1]?.desired).toBeUndefined(); // unchanged desired is not repeated
      expect(ep?.transitions[0]?.manager).toEqual({ name: 'kubectl-edit', operation: 'Update', time: '2025-01-06T08:00:00Z' });
      expect(ep?.transitions[0]?.liveHash).not.toBe(ep?.transitions[1]?.liveHash);
      expect(h?.events.map((e) => [e.type, e.status])).toEqual([
        ['status', 'drifted'],
        ['status', 'in-sync'],
      ]);
      expect(store.stats()).toMatchObject({ transitionsWritten: 3, episodesOpened: 1, episodesClosed: 1, queued: 0 });
    });

    it('keeps one episode per field path and closes a path that stops drifting', async () => {
      const { store } = await fresh();
      store.recordObjectState(state(0, 'drifted', [replicas(5), image('shop/web:hotfix')]));
      store.recordObjectState(state(1, 'drifted', [image('shop/web:hotfix')]));
      store.recordObjectState(state(2, 'drifted', [replicas(7), image('shop/web:hotfix')]));
      await store.flush();
      const h = await store.objectHistory(deploy);
      const byPath = (p: string) => h?.episodes.filter((e) => e.path === p) ?? [];
      expect(byPath('spec.replicas').map((e) => [e.openedAt.getTime(), e.closedAt?.getTime(), e.closeReason])).toEqual([
        [at(0).getTime(), at(1).getTime(), 'resolved'],
        [at(2).getTime(), undefined, undefined],
      ]);
      const img = byPath('spec.template.spec.containers[name=app].image');
      expect(img).toHaveLength(1);
      expect(img[0]?.closedAt).toBeUndefined();
      expect(img[0]?.transitionCount).toBe(1);
      expect(h?.object.drifted).toBe(true);
    });

    it('opens and closes an episode inside one batch, and reopens the same path in the same batch', async () => {
      const { store } = await fresh();
      store.recordObjectState(state(0, 'drifted', [replicas(5)]));
      store.recordObjectState(state(1, 'in-sync'));
      store.recordObjectState(state(2, 'drifted', [replicas(9)]));
      await store.flush();
      const h = await store.objectHistory(deploy);
      expect(h?.episodes.map((e) => [e.openedAt.getTime(), e.closedAt?.getTime(), e.transitions.map((t) => t.live)])).toEqual([
        [at(0).getTime(), at(1).getTime(), [5]],
        [at(2).getTime(), undefined, [9]],
      ]);
    });

    it('closes episodes when the object disappears and marks it deleted; appearing again clears that', async () => {
      const { store } = await fresh();
      store.recordObjectState(state(0, 'drifted', [replicas(5)]));
      store.recordObjectEvent({ ref: deploy, type: 'disappeared', at: at(3), resourceVersion: '42' });
      await store.flush();
      let h = await store.objectHistory(deploy);
      expect(h?.object).toMatchObject({ deleted: true, drifted: false });
      expect(h?.episodes[0]).toMatchObject({ closedAt: at(3), closeReason: 'deleted' });
      expect(h?.events.at(-1)).toMatchObject({ type: 'disappeared', resourceVersion: '42', at: at(3) });
      store.recordObjectEvent({ ref: deploy, type: 'appeared', at: at(5) });
      await store.flush();
      h = await store.objectHistory(deploy);
      expect(h?.object.deleted).toBe(false);
      expect(h?.events.at(-1)?.type).toBe('appeared');
    });

    it('keeps the version the drift state names when a live event names the one the kind is watched in', async () => {
      const { store } = await fresh();
      // An object compared in its manifest's version (v1beta1) while its kind is watched as v1.
      store.recordObjectState({ ...state(0, 'in-sync'), version: 'v1beta1' });
      store.recordObjectEvent({ ref: { ...deploy, version: 'v1' }, type: 'appeared', at: at(1) });
      await store.flush();
      expect((await store.objectHistory(deploy))?.object.version).toBe('v1beta1');
    });

    it('treats a new uid under the same name as a replaced object', async () => {
      const { store } = await fresh();
      store.recordObjectState(state(0, 'drifted', [replicas(5)]));
      store.recordObjectState({ ...state(2, 'drifted', [replicas(5)]), uid: 'uid-web-2' });
      await store.flush();
      const h = await store.objectHistory(deploy);
      expect(h?.episodes.map((e) => [e.closeReason, e.closedAt?.getTime()])).toEqual([
        ['replaced', at(2).getTime()],
        [undefined, undefined],
      ]);
      expect(h?.object.uid).toBe('uid-web-2');
      expect(h?.events.some((e) => e.type === 'replaced')).toBe(true);
    });

    it('keeps episodes open on an error report and does not count it as the end of drift', async () => {
      const { store } = await fresh();
      store.recordObjectState(state(0, 'drifted', [replicas(5)]));
      store.recordObjectState(state(1, 'error'));
      store.recordObjectState(state(2, 'drifted', [replicas(5)]));
      await store.flush();
      const h = await store.objectHistory(deploy);
      expect(h?.episodes).toHaveLength(1);
      expect(h?.episodes[0]?.closedAt).toBeUndefined();
      expect(h?.episodes[0]?.transitionCount).toBe(1);
      expect(h?.object.drifted).toBe(true);
    });

    it('continues history after a restart: open episodes stay open, no duplicates, closed at the first observation', async () => {
      const { store, reopen } = await fresh();
      const other = { ...deploy, name: 'api', uid: 'uid-api' };
      store.recordObjectState(state(0, 'drifted', [replicas(5)]));
      store.recordObjectState(state(0, 'drifted', [image('shop/api:debug')], other));
      await store.close();

      const s2 = await reopen();
      // The pipeline reconciles with the current truth after restart.
      s2.recordObjectState(state(30, 'in-sync')); // drift ended while we were down
      s2.recordObjectState(state(30, 'drifted', [image('shop/api:debug')], other)); // still drifting, same value
      await s2.flush();
      const h = await s2.objectHistory(deploy);
      expect(h?.episodes).toHaveLength(1);
      expect(h?.episodes[0]).toMatchObject({ openedAt: at(0), closedAt: at(30), closeReason: 'in-sync', transitionCount: 1 });
      const o = await s2.objectHistory(other);
      expect(o?.episodes).toHaveLength(1);
      expect(o?.episodes[0]?.closedAt).toBeUndefined();
      expect(o?.episodes[0]?.transitionCount).toBe(1);

      // A new value after restart continues the same episode's transition chain.
      s2.recordObjectState(state(31, 'drifted', [image('shop/api:debug2')], other));
      await s2.close();
      const s3 = await reopen();
      const o3 = await s3.objectHistory(other);
      expect(o3?.episodes).toHaveLength(1);
      expect(o3?.episodes[0]?.transitions.map((t) => t.live)).toEqual(['shop/api:debug', 'shop/api:debug2']);
      expect(o3?.episodes[0]?.transitionCount).toBe(2);
    });

    it('after a restart, ends what the first sync no longer has: deleted or undeclared while down, or no longer watched', async () => {
      const { store, reopen } = await fresh();
      const ref = (name: string, namespace = 'shop', kind = 'Deployment') => ({ ...deploy, name, namespace, kind, uid: `uid-${name}` });
      const kept = ref('kept');
      const gone = ref('gone');
      const goneQuiet = ref('quiet');
      const wasMissing = ref('declared');
      const deletedBefore = ref('old');
      const otherNamespace = ref('other', 'ops');
      const otherKind = ref('cron', 'shop', 'CronJob');
      const forbiddenKind = ref('secret-job', 'shop', 'Job');
      const quietOtherKind = ref('quiet-cron', 'shop', 'CronJob');
      store.recordObjectState(state(0, 'drifted', [replicas(5)], kept));
      store.recordObjectState(state(0, 'drifted', [replicas(5)], gone));
      store.recordObjectState(state(0, 'in-sync', [], goneQuiet));
      store.recordObjectState(state(0, 'missing', [], wasMissing));
      store.recordObjectState(state(0, 'in-sync', [], deletedBefore));
      store.recordObjectEvent({ ref: deletedBefore, type: 'disappeared', at: at(1) });
      for (const r of [otherNamespace, otherKind, forbiddenKind]) store.recordObjectState(state(0, 'drifted', [replicas(5)], r));
      store.recordObjectState(state(0, 'in-sync', [], quietOtherKind));
      await store.close();

      const s2 = await reopen();
      s2.recordObjectState(state(30, 'drifted', [replicas(5)], kept));
      // Deployments listed in namespace shop only; Jobs forbidden; CronJobs no longer watched.
      s2.recordFirstSync({
        cluster: 'prod',
        present: new Set(['apps/Deployment/shop/kept']),
        listed: new Set(['apps/Deployment']),
        unknown: new Set(['apps/Job']),
        namespaces: ['shop'],
        at: at(30),
      });
      await s2.flush();

      const h = await s2.objectHistory(gone);
      expect(h?.object).toMatchObject({ deleted: true, drifted: false });
      expect(h?.episodes[0]).toMatchObject({ closedAt: at(30), closeReason: 'deleted' });
      expect(h?.events.at(-1)).toMatchObject({ type: 'disappeared', at: at(30) });
      expect((await s2.objectHistory(goneQuiet))?.object.deleted).toBe(true);
      const m = await s2.objectHistory(wasMissing);
      expect(m?.object.drifted).toBe(false);
      expect(m?.events.at(-1)).toMatchObject({ type: 'undeclared', at: at(30) });
      // Already gone before the restart: no second event.
      expect((await s2.objectHistory(deletedBefore))?.events.map((e) => e.type)).toEqual(['status', 'disappeared']);
      // Not watched any more (namespace, kind): not claimed deleted, no longer drifting.
      for (const r of [otherNamespace, otherKind]) {
        const u = await s2.objectHistory(r);
        expect(u?.object).toMatchObject({ deleted: false, drifted: false, status: 'unmanaged' });
        expect(u?.episodes[0]).toMatchObject({ closedAt: at(30), closeReason: 'unmanaged' });
      }
      expect((await s2.objectHistory(quietOtherKind))?.object).toMatchObject({ deleted: false, status: 'in-sync' });
      // Forbidden: nothing known, so nothing changes.
      expect((await s2.objectHistory(forbiddenKind))?.object).toMatchObject({ deleted: false, drifted: true });
      const k = await s2.objectHistory(kept);
      expect(k?.object).toMatchObject({ deleted: false, drifted: true });
      expect(k?.episodes[0]?.closedAt).toBeUndefined();
      const chart = await s2.driftChart({ from: at(0), to: at(31), bucketMs: 31 * MIN });
      expect(chart.series[0]?.drifted).toEqual([2]);
    });

    it('sweeps a kind first listed after the first sync on its own, leaving every other kind as it is', async () => {
      const { store, reopen } = await fresh();
      const ref = (name: string, kind: string) => ({ ...deploy, name, kind, uid: `uid-${name}` });
      const job = ref('nightly', 'Job');
      const keptJob = ref('hourly', 'Job');
      const cron = ref('cleanup', 'CronJob');
      for (const r of [job, keptJob, cron]) store.recordObjectState(state(0, 'drifted', [replicas(5)], r));
      await store.close();

      const s2 = await reopen();
      // Jobs were forbidden at the first sync; CronJobs are no longer watched, which that sweep
      // (not recorded here) would have said; the later sweep of Jobs must not.
      s2.recordObjectState(state(40, 'drifted', [replicas(5)], keptJob));
      s2.recordFirstSync({
        cluster: 'prod',
        present: new Set(['apps/Job/shop/hourly']),
        listed: new Set(['apps/Job']),
        unknown: new Set(),
        kinds: new Set(['apps/Job']),
        at: at(40),
      });
      await s2.flush();
      expect((await s2.objectHistory(job))?.object).toMatchObject({ deleted: true, drifted: false });
      expect((await s2.objectHistory(job))?.events.at(-1)).toMatchObject({ type: 'disappeared', at: at(40) });
      expect((await s2.objectHistory(keptJob))?.object).toMatchObject({ deleted: false, drifted: true });
      expect((await s2.objectHistory(cron))?.object).toMatchObject({ deleted: false, drifted: true, status: 'drifted' });
    });

    it('leaves the objects of a group whose discovery did not answer as they are, and ends the others in the same sweep', async () => {
      const { store, reopen } = await fresh();
      const ref = (name: string, group: string, kind: string) => ({ ...deploy, group, kind, name, uid: `uid-${name}` });
      const podMetrics = ref('web', 'metrics.k8s.io', 'PodMetrics');
      const nodeMetrics = ref('node-1', 'metrics.k8s.io', 'NodeMetrics');
      const gone = ref('gone', 'apps', 'Deployment');
      const kept = ref('kept', 'apps', 'Deployment');
      for (const r of [podMetrics, nodeMetrics, gone, kept]) store.recordObjectState(state(0, 'drifted', [replicas(5)], r));
      await store.close();

      const s2 = await reopen();
      s2.recordObjectState(state(30, 'drifted', [replicas(5)], kept));
      // metrics.k8s.io did not answer discovery (its APIService down): neither its kinds nor its
      // objects are known, even a kind said to be listed.
      s2.recordFirstSync({
        cluster: 'prod',
        present: new Set(['apps/Deployment/shop/kept']),
        listed: new Set(['apps/Deployment', 'metrics.k8s.io/NodeMetrics']),
        unknown: new Set(),
        unknownGroups: new Set(['metrics.k8s.io']),
        at: at(30),
      });
      await s2.flush();
      for (const r of [podMetrics, nodeMetrics]) {
        const h = await s2.objectHistory(r);
        expect(h?.object).toMatchObject({ deleted: false, drifted: true, status: 'drifted' });
        expect(h?.episodes[0]?.closedAt).toBeUndefined();
      }
      expect((await s2.objectHistory(gone))?.object).toMatchObject({ deleted: true, drifted: false });
      expect((await s2.objectHistory(gone))?.events.at(-1)).toMatchObject({ type: 'disappeared', at: at(30) });
      expect((await s2.objectHistory(kept))?.object).toMatchObject({ deleted: false, drifted: true });
    });

    it("finds an object's events and episodes in a window through its chains, across restarts", async () => {
      const { store, reopen } = await fresh();
      const other = { ...deploy, name: 'api', uid: 'uid-api' };
      store.recordObjectState(state(0, 'drifted', [replicas(5)])); // A opens
      store.recordObjectState(state(0, 'in-sync', [], other)); // another object's events in between
      store.recordObjectState(state(1, 'drifted', [replicas(5), image('shop/web:1')])); // B opens
      store.recordObjectState(state(2, 'drifted', [image('shop/web:1')])); // A resolved
      store.recordObjectState(state(2, 'drifted', [replicas(9)], other));
      await store.close();
      const s2 = await reopen();
      s2.recordObjectState(state(5, 'in-sync')); // B closes
      s2.recordObjectState(state(8, 'drifted', [replicas(6)])); // C opens
      s2.recordObjectState(state(9, 'drifted', [replicas(6), image('shop/web:2')])); // D opens
      s2.recordObjectState(state(12, 'drifted', [image('shop/web:2')])); // C resolved
      s2.recordObjectState(state(12, 'in-sync', [], other));
      await s2.close();
      const s3 = await reopen();
      const opened = (h: Awaited<ReturnType<DriftStore['objectHistory']>>) => h?.episodes.map((e) => (e.openedAt.getTime() - T0) / MIN);
      const eventsAt = (h: Awaited<ReturnType<DriftStore['objectHistory']>>) => h?.events.map((e) => [(e.at.getTime() - T0) / MIN, e.status]);

      const all = await s3.objectHistory(deploy);
      expect(opened(all)).toEqual([0, 1, 8, 9]);
      expect(all?.episodes.map((e) => e.closeReason ?? 'open')).toEqual(['resolved', 'in-sync', 'resolved', 'open']);
      expect(eventsAt(all)).toEqual([
        [0, 'drifted'],
        [5, 'in-sync'],
        [8, 'drifted'],
      ]);
      // Overlapping the window: B (1-5) and the later ones; A closed before it.
      expect(opened(await s3.objectHistory(deploy, { from: at(3), to: at(10) }))).toEqual([1, 8, 9]);
      expect(opened(await s3.objectHistory(deploy, { from: at(6), to: at(8.5) }))).toEqual([8]);
      expect(opened(await s3.objectHistory(deploy, { limit: 2 }))).toEqual([8, 9]);
      expect(eventsAt(await s3.objectHistory(deploy, { from: at(3), to: at(8) }))).toEqual([[5, 'in-sync']]);
      expect(eventsAt(await s3.objectHistory(deploy, { limit: 1 }))).toEqual([[8, 'drifted']]);
      expect(eventsAt(await s3.objectHistory(deploy, { to: at(5), limit: 1 }))).toEqual([[0, 'drifted']]);
      // The other object's chain is its own.
      const o = await s3.objectHistory(other);
      expect(eventsAt(o)).toEqual([
        [0, 'in-sync'],
        [2, 'drifted'],
        [12, 'in-sync'],
      ]);
      expect(o?.episodes.map((e) => [(e.openedAt.getTime() - T0) / MIN, e.closeReason])).toEqual([[2, 'in-sync']]);
    });

    it('keeps reports that arrive out of time order in the history: an object\'s events and closes never go back', async () => {
      const { store } = await fresh();
      store.recordObjectState(state(0, 'drifted', [replicas(5)])); // A opens
      store.recordObjectState(state(10, 'in-sync')); // A closes
      store.recordObjectState(state(1, 'drifted', [replicas(6)])); // the clock stepped back: B opens
      store.recordObjectState(state(3, 'in-sync')); // B closes
      await store.flush();
      const minutes = (d: Date | undefined) => (d === undefined ? null : (d.getTime() - T0) / MIN);
      const all = await store.objectHistory(deploy);
      expect(all?.events.map((e) => [minutes(e.at), e.status])).toEqual([
        [0, 'drifted'],
        [10, 'in-sync'],
        [10, 'drifted'],
        [10, 'in-sync'],
      ]);
      expect(all?.episodes.map((e) => [minutes(e.openedAt), minutes(e.closedAt)])).toEqual([
        [0, 10],
        [1, 10],
      ]);
      // A window after the late reports still finds the first episode and every event in it.
      const late = await store.objectHistory(deploy, { from: at(5) });
      expect(late?.episodes.map((e) => minutes(e.openedAt))).toEqual([0, 1]);
      expect(late?.events).toHaveLength(3);
      expect((await store.objectHistory(deploy, { limit: 1 }))?.events.map((e) => [minutes(e.at), e.status])).toEqual([[10, 'in-sync']]);
    });

    it('stores awkward strings unchanged: quotes, backslashes, control characters, braces, NULL, non-BMP', async () => {
      const { store } = await fresh();
      const values = ['say "hi"', 'C:\\path\\', 'line1\nline2\ttab', '{a,b}', 'NULL', '', 'ünïcode ✓ 🚀', '\\"}'];
      values.forEach((v, i) => {
        const manager = { name: `mgr "${i}" \\ {x}`, operation: 'Update', time: `t\n${i}` };
        store.recordObjectState(state(i, 'drifted', [{ path: 'metadata.annotations["a\\"b"]', op: 'changed', desired: '{}', live: v, manager }]));
      });
      await store.flush();
      const h = await store.objectHistory(deploy, { transitionLimit: 100 });
      const ts = h?.episodes[0]?.transitions ?? [];
      expect(h?.episodes[0]?.path).toBe('metadata.annotations["a\\"b"]');
      expect(ts.map((t) => t.live)).toEqual(values);
      expect(ts.map((t) => t.manager?.name)).toEqual(values.map((_, i) => `mgr "${i}" \\ {x}`));
      expect(ts.map((t) => t.manager?.time)).toEqual(values.map((_, i) => `t\n${i}`));
      expect(ts[0]?.desired).toBe('{}');
    });

    it('stores a NUL character (a container\'s termination message may hold one) as U+FFFD and keeps writing', async () => {
      const { store } = await fresh();
      const pod = { cluster: 'prod', namespace: 'shop', name: 'web-nul' };
      store.recordPodHealth({ ...pod, uid: 'p1', container: 'app', restarts: 1, reason: 'Error', message: 'panic\u0000binary', at: at(1) });
      store.recordObjectState(state(1, 'drifted', [{ path: 'data.x', op: 'changed', desired: 'a', live: 'b\u0000c', manager: { name: 'm\u0000', operation: 'Update', time: 't' } }]));
      await store.flush();
      expect((await store.objectHistory({ ...pod, group: '', kind: 'Pod' }))?.podHealth).toEqual([{ at: at(1), container: 'app', restarts: 1, reason: 'Error', message: 'panic\ufffdbinary' }]);
      const t = (await store.objectHistory(deploy))?.episodes[0]?.transitions[0];
      expect(t?.manager?.name).toBe('m\ufffd');
      expect(store.stats().writeErrors).toBe(0);
    });

    it('derives many records of the same few objects that were waiting to be loaded', async () => {
      // More records than an id block holds objects, all for objects not loaded yet: the blocked
      // queue must reserve ids per distinct object, not per record (it used to spin forever).
      const { store } = await fresh();
      for (let round = 0; round < 300; round++) {
        for (let i = 0; i < 10; i++) store.recordObjectState(state(round, 'drifted', [replicas(round)], { ...deploy, name: `b${i}`, uid: `b${i}` }));
      }
      await store.flush();
      expect(store.stats().transitionsWritten).toBe(3_000);
      const h = await store.objectHistory({ ...deploy, name: 'b7' }, { transitionLimit: 1_000 });
      expect(h?.episodes[0]?.transitionCount).toBe(300);
    });

    it('keeps what a waiting record said when the caller reuses its objects afterwards', async () => {
      // The object is not loaded yet, so the record waits; the caller then edits its report
      // objects in place (as a pipeline reusing buffers would). What was recorded must stand.
      const { store } = await fresh();
      const changes = [replicas(5, 'hpa')];
      const report = state(0, 'drifted', changes);
      store.recordObjectState(report);
      const change = changes[0];
      if (!change?.manager) throw new Error('fixture without a manager');
      change.live = 99;
      change.manager.name = 'someone-else';
      changes.push(replicas(1));
      report.status = 'in-sync';
      report.at.setTime(report.at.getTime() + 3_600_000);
      await store.flush();
      const h = await store.objectHistory(deploy);
      expect(h?.object.status).toBe('drifted');
      expect(h?.episodes.map((e) => e.transitions.map((t) => [t.live, t.manager?.name]))).toEqual([[[5, 'hpa']]]);
      expect(h?.episodes[0]?.openedAt).toEqual(at(0));
    });

    it('shows and recovers transitions committed after the last heads checkpoint (as after a crash)', async () => {
      const { store, reopen, loc } = await fresh({ flushIntervalMs: 5 });
      store.recordObjectState(state(0, 'drifted', [replicas(5)]));
      await store.flush(); // checkpoints the episode's head
      store.recordObjectState(state(1, 'drifted', [replicas(6)]));
      store.recordObjectState(state(2, 'drifted', [replicas(7)]));
      // Committed by the flush window, not by flush(): no checkpoint yet, the head row still says 1.
      const deadline = Date.now() + 30_000;
      while (store.stats().transitionsWritten < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(store.stats().transitionsWritten).toBe(3);
      const heads = async () => (await loc.sql<{ n: number | string }>('SELECT n FROM episode_heads')).map((r) => Number(r.n));
      expect(await heads()).toEqual([1]);
      const h = await store.objectHistory(deploy);
      expect(h?.episodes[0]?.transitionCount).toBe(3);
      expect(h?.episodes[0]?.transitions.map((t) => t.live)).toEqual([5, 6, 7]);

      // Another store opening the database without the first closing (the first "crashed"):
      // opening folds the tail into the heads, and the episode's chain goes on from there.
      const s2 = await reopen();
      expect(await heads()).toEqual([3]);
      s2.recordObjectState(state(3, 'drifted', [replicas(8)]));
      await s2.flush();
      const h2 = await s2.objectHistory(deploy, { transitionLimit: 100 });
      expect(h2?.episodes).toHaveLength(1);
      expect(h2?.episodes[0]?.transitionCount).toBe(4);
      expect(h2?.episodes[0]?.transitions.map((t) => t.live)).toEqual([5, 6, 7, 8]);
    });

    it('never stores Secret values: redacts plain values under data/stringData and keeps markers as markers', async () => {
      const { store, loc } = await fresh();
      const secret = { cluster: 'prod', group: '', version: 'v1', kind: 'Secret', namespace: 'shop', name: 'db' };
      store.recordObjectState(
        state(
          0,
          'drifted',
          [
            { path: 'data.password', op: 'changed', desired: 'aHVudGVyMg==', live: 'c3VwZXJzZWNyZXQ=' },
            { path: 'stringData.token', op: 'added', live: 'plain-token-value' },
            { path: 'data', op: 'changed', live: { key: 'bGVha2Vk', other: { redacted: true, sha256: 'aaaaaaaaaaaa' } } },
            {
              path: 'data["tls.key"]',
              op: 'changed',
              desired: { redacted: true, sha256: '111111111111' },
              live: { redacted: true, sha256: '222222222222', leaked: 'should-not-be-stored' },
            },
            { path: 'metadata.labels.team', op: 'changed', desired: 'a', live: 'b' },
          ],
          secret,
        ),
      );
      await store.flush();
      const dump = await loc.sql<{ j: string | null }>(
        "SELECT live_json AS j FROM transitions UNION ALL SELECT desired_json FROM transitions",
      );
      const text = dump.map((r) => r.j ?? '').join('\n');
      for (const leaked of ['c3VwZXJzZWNyZXQ=', 'aHVudGVyMg==', 'plain-token-value', 'bGVha2Vk', 'should-not-be-stored']) {
        expect(text).not.toContain(leaked);
      }
      const h = await store.objectHistory(secret);
      const live = (p: string) => h?.episodes.find((e) => e.path === p)?.transitions[0]?.live;
      expect(live('data.password')).toEqual({ redacted: true, sha256: expect.stringMatching(/^[0-9a-f]{12}$/) });
      expect(live('data["tls.key"]')).toEqual({ redacted: true, sha256: '222222222222' });
      expect(live('data')).toEqual({ key: { redacted: true, sha256: expect.any(String) }, other: { redacted: true, sha256: 'aaaaaaaaaaaa' } });
      expect(live('metadata.labels.team')).toBe('b');
      // Four plain values were redacted by the store (two in data.password, one token, one map entry).
      expect(store.stats().redacted).toBe(4);
    });

    it('stores long values as a truncated summary but still tells different values apart', async () => {
      const { store } = await fresh({ maxValueChars: 100 });
      const big = (c: string) => ({ path: 'data.config', op: 'changed' as const, desired: 'x', live: c.repeat(500) });
      const cm = { cluster: 'prod', group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cfg' };
      store.recordObjectState(state(0, 'drifted', [big('a')], cm));
      store.recordObjectState(state(1, 'drifted', [big('b')], cm));
      await store.flush();
      const ts = (await store.objectHistory(cm))?.episodes[0]?.transitions ?? [];
      expect(ts).toHaveLength(2);
      expect(ts[0]?.live).toMatchObject({ $truncated: true, length: 502 });
      expect(JSON.stringify(ts[0]?.live).length).toBeLessThan(400);
      expect(ts[0]?.liveHash).not.toBe(ts[1]?.liveHash);
    });

    it('does not write before a flush: records are queued and returned from immediately', async () => {
      const { store } = await fresh({ flushIntervalMs: 60_000 });
      store.recordObjectState(state(0, 'drifted', [replicas(5)]));
      expect(store.stats().queued).toBe(1);
      expect(await store.objectHistory(deploy)).toBeUndefined();
      await store.flush();
      expect(store.stats().queued).toBe(0);
      expect((await store.objectHistory(deploy))?.episodes).toHaveLength(1);
    });

    it('flushes on its own after the flush interval', async () => {
      const { store } = await fresh({ flushIntervalMs: 20 });
      store.recordObjectState(state(0, 'drifted', [replicas(5)]));
      const deadline = Date.now() + 5_000;
      while (store.stats().flushes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(store.stats().flushes).toBeGreaterThan(0);
      expect((await store.objectHistory(deploy))?.episodes).toHaveLength(1);
    });

    it('under back-pressure merges states per object and drops other records, counting both', async () => {
      const { store } = await fresh({ maxQueue: 10, flushIntervalMs: 60_000 });
      const objs = [0, 1, 2].map((i) => ({ ...deploy, name: `w${i}`, uid: `u${i}` }));
      for (let i = 0; i < 30; i++) {
        store.recordObjectState(state(i, 'drifted', [replicas(10 + i)], objs[i % 3]));
      }
      for (let i = 0; i < 5; i++) {
        store.recordObjectWrite({ ref: deploy, at: at(40 + i), resourceVersion: String(i), specChanged: false });
      }
      const st = store.stats();
      expect(st.queued).toBe(10);
      expect(st.merged).toBe(20);
      expect(st.dropped).toBe(5);
      expect(st.accepted).toBe(10);
      await store.flush();
      // The newest state of each object won.
      for (let k = 0; k < 3; k++) {
        const ep = (await store.objectHistory(objs[k] ?? deploy))?.episodes[0];
        expect(ep?.transitions.at(-1)?.live).toBe(10 + 27 + k);
      }
    });

    it('rejects malformed records synchronously and keeps the rest', async () => {
      const { store } = await fresh();
      expect(() => store.recordObjectState({ ...state(0, 'drifted', [replicas(5)]), at: new Date('nope') })).toThrow(/valid Date/);
      expect(() => store.recordObjectState({ ...state(0, 'drifted'), status: 'weird' as 'drifted' })).toThrow(/unknown status/);
      expect(() => store.recordObjectState({ ...state(0, 'drifted'), name: '' })).toThrow(/name/);
      expect(() => store.recordObjectState(state(0, 'drifted', [{ path: 'spec.replicas', op: 'moved' as 'changed' }]))).toThrow(/op of/);
      expect(() => store.recordObjectState(state(0, 'drifted', [{ path: 3 as unknown as string, op: 'changed' }]))).toThrow(/string path/);
      store.recordObjectState(state(1, 'drifted', [replicas(5)]));
      await store.flush();
      expect((await store.objectHistory(deploy))?.episodes).toHaveLength(1);
      expect(store.stats().accepted).toBe(1);
    });

    it('charts drifted objects per bucket, grouped by namespace, kind or cluster, with history before the range', async () => {
      const { store } = await fresh();
      const obj = (ns: string, name: string, kind = 'Deployment', cluster = 'prod') => ({
        ...deploy,
        cluster,
        kind,
        namespace: ns,
        name,
        uid: `${cluster}-${ns}-${name}`,
      });
      const a = obj('shop', 'a');
      const b = obj('shop', 'b');
      const c = obj('pay', 'c', 'StatefulSet');
      const d = obj('pay', 'd', 'Deployment', 'staging');
      store.recordObjectState(state(-120, 'drifted', [replicas(5)], a)); // before the range, still drifted
      store.recordObjectState(state(10, 'drifted', [replicas(5)], b));
      store.recordObjectState(state(70, 'in-sync', [], b));
      store.recordObjectState(state(75, 'drifted', [replicas(4)], c));
      store.recordObjectState(state(80, 'missing', [], d));
      store.recordObjectEvent({ ref: a, type: 'disappeared', at: at(150) });
      await store.flush();
      const q = { from: at(0), to: at(180), bucketMs: 60 * MIN };
      const ns = await store.driftChart({ ...q, groupBy: 'namespace' });
      expect(ns.buckets.map((x) => x.getTime())).toEqual([at(0), at(60), at(120)].map((x) => x.getTime()));
      expect(ns.series).toEqual([
        { group: 'pay', drifted: [0, 2, 2], opened: [0, 2, 0], closed: [0, 0, 0] },
        { group: 'shop', drifted: [2, 1, 0], opened: [1, 0, 0], closed: [0, 1, 1] },
      ]);
      const all = await store.driftChart(q);
      expect(all.series).toEqual([{ group: 'all', drifted: [2, 3, 2], opened: [1, 2, 0], closed: [0, 1, 1] }]);
      const kinds = await store.driftChart({ ...q, groupBy: 'kind', cluster: 'prod' });
      expect(kinds.series.map((s) => [s.group, s.drifted])).toEqual([
        ['Deployment', [2, 1, 0]],
        ['StatefulSet', [0, 1, 1]],
      ]);
      const clusters = await store.driftChart({ ...q, groupBy: 'cluster', namespace: 'pay' });
      expect(clusters.series.map((s) => [s.group, s.drifted])).toEqual([
        ['prod', [0, 1, 1]],
        ['staging', [0, 1, 1]],
      ]);
      await expect(store.driftChart({ ...q, bucketMs: 1000 })).rejects.toThrow(/multiple/);
      // The hourly roll-up (no namespace/kind filter) and the minute table (filtered) agree.
      const shopOnly = await store.driftChart({ ...q, groupBy: 'namespace', namespace: 'shop' });
      expect(shopOnly.series).toEqual(ns.series.filter((s) => s.group === 'shop'));
      // A namespace-scoped user's chart: their namespaces only, whatever the grouping; none: nothing.
      const scoped = await store.driftChart({ ...q, groupBy: 'namespace', namespaceIn: ['shop', 'elsewhere'] });
      expect(scoped.series).toEqual(ns.series.filter((s) => s.group === 'shop'));
      const scopedTotal = await store.driftChart({ ...q, namespaceIn: ['pay'] });
      expect(scopedTotal.series).toEqual([{ ...ns.series.find((s) => s.group === 'pay'), group: 'all' }]);
      expect((await store.driftChart({ ...q, namespaceIn: [] })).series).toEqual([]);
      expect((await store.driftChart({ ...q, groupBy: 'namespace', namespace: 'shop', namespaceIn: ['pay'] })).series).toEqual([]);
      // Whole-hour buckets start on clock hours; a range ending inside an hour counts up to its end.
      const odd = await store.driftChart({ from: at(15), to: at(75), bucketMs: 60 * MIN });
      expect(odd.buckets.map((x) => x.getTime())).toEqual([at(0).getTime(), at(60).getTime()]);
      expect(odd.series).toEqual([{ group: 'all', drifted: [2, 1], opened: [1, 0], closed: [0, 1] }]); // c opens at 75 = to
      const minutes = await store.driftChart({ from: at(0), to: at(180), bucketMs: 30 * MIN, groupBy: 'kind', cluster: 'prod' });
      expect(minutes.series.map((s) => [s.group, s.drifted])).toEqual([
        ['Deployment', [2, 2, 1, 1, 1, 0]],
        ['StatefulSet', [0, 0, 1, 1, 1, 1]],
      ]);
    });

    it('flags a fight between two managers over spec.replicas, naming both', async () => {
      const { store } = await fresh();
      // GitOps restores 3; the HPA sets 5 again; every live update is recorded as a write first.
      for (let i = 0; i < 4; i++) {
        const t = i * 2;
        store.recordObjectWrite({ ref: deploy, at: at(t), resourceVersion: `${t}`, specChanged: true, manager: 'kube-controller-manager' });
        store.recordObjectState(state(t, 'drifted', [replicas(5, 'kube-controller-manager')]));
        store.recordObjectWrite({ ref: deploy, at: at(t + 1), resourceVersion: `${t + 1}`, specChanged: true, manager: 'argocd-controller' });
        store.recordObjectState(state(t + 1, 'in-sync'));
      }
      await store.flush();
      const fights = await store.listFindings({ kind: 'fight' });
      expect(fights).toHaveLength(1);
      expect(fights[0]).toMatchObject({
        kind: 'fight',
        path: 'spec.replicas',
        managers: ['argocd-controller', 'kube-controller-manager'],
        object: { cluster: 'prod', group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' },
      });
      expect(fights[0]?.count).toBeGreaterThanOrEqual(3);
      expect(fights[0]?.lastAt).toEqual(at(7));
      // Eight value changes within ten minutes also make it a flapping field.
      const flapping = await store.listFindings({ kind: 'flapping' });
      expect(flapping.map((f) => f.path)).toEqual(['spec.replicas']);
      expect(flapping[0]?.count).toBe(8);
      // And both show on the object.
      const h = await store.objectHistory(deploy);
      expect(h?.findings.map((f) => f.kind).sort()).toEqual(['fight', 'flapping']);
      expect(await store.listFindings({ kind: 'reconcile-loop' })).toEqual([]);
    });

    it('flags a fight while the field stays drifted and writers alternate, but not one manager scaling', async () => {
      const { store } = await fresh();
      const other = { ...deploy, name: 'solo', uid: 'solo' };
      for (let i = 0; i < 6; i++) {
        store.recordObjectState(state(i, 'drifted', [replicas(i % 2 ? 4 : 6, i % 2 ? 'operator-a' : 'operator-b', 1)]));
        store.recordObjectState(state(i, 'drifted', [replicas(4 + i, 'hpa', 1)], other));
      }
      await store.flush();
      const fights = await store.listFindings({ kind: 'fight' });
      expect(fights.map((f) => [f.object.name, f.managers])).toEqual([['web', ['operator-a', 'operator-b']]]);
      const flapping = await store.listFindings({ kind: 'flapping' });
      expect(flapping.map((f) => f.object.name).sort()).toEqual(['solo', 'web']);
    });

    it('flags a reconcile loop: many rewrites without a spec change within the window', async () => {
      const { store } = await fresh();
      const calm = { ...deploy, name: 'calm', uid: 'calm' };
      for (let i = 0; i < 50; i++) {
        const t = new Date(T0 + i * 1_000);
        store.recordObjectWrite({ ref: deploy, at: t, resourceVersion: `${100 + i}`, specChanged: false, manager: 'busy-operator' });
        // Same number of writes, but spread over an hour: not a loop.
        store.recordObjectWrite({ ref: calm, at: new Date(T0 + i * 72_000), resourceVersion: `${i}`, specChanged: false });
      }
      // Spec changes do not count.
      for (let i = 0; i < 30; i++) {
        store.recordObjectWrite({ ref: { ...deploy, name: 'rollout' }, at: new Date(T0 + i * 1_000), resourceVersion: `${i}`, specChanged: true });
      }
      await store.flush();
      const loops = await store.listFindings({ kind: 'reconcile-loop' });
      expect(loops).toHaveLength(1);
      expect(loops[0]).toMatchObject({ path: '', managers: ['busy-operator'], count: 50, object: { name: 'web' } });
      expect(loops[0]?.firstAt).toEqual(new Date(T0));
      expect(loops[0]?.lastAt).toEqual(new Date(T0 + 49_000));
      const h = await store.objectHistory(deploy);
      expect(h?.writes).toHaveLength(50);
      expect(h?.writes[0]).toMatchObject({ specChanged: false, manager: 'busy-operator', resourceVersion: '100' });
      expect(h?.findings.map((f) => f.kind)).toEqual(['reconcile-loop']);
    });

    it('filters findings by time range, cluster and namespace', async () => {
      const { store } = await fresh();
      for (let i = 0; i < 25; i++) {
        store.recordObjectWrite({ ref: deploy, at: new Date(T0 + i * 1_000), resourceVersion: `${i}`, specChanged: false });
      }
      await store.flush();
      expect(await store.listFindings({ namespace: 'shop' })).toHaveLength(1);
      expect(await store.listFindings({ namespace: 'other' })).toHaveLength(0);
      expect(await store.listFindings({ namespaceIn: ['other', 'shop'] })).toHaveLength(1);
      expect(await store.listFindings({ namespaceIn: ['other'] })).toHaveLength(0);
      expect(await store.listFindings({ namespaceIn: [] })).toHaveLength(0);
      expect(await store.listFindings({ cluster: 'staging' })).toHaveLength(0);
      expect(await store.listFindings({ from: at(10) })).toHaveLength(0);
      expect(await store.listFindings({ to: at(-1) })).toHaveLength(0);
      expect(await store.listFindings({ from: at(0), to: at(1) })).toHaveLength(1);
    });

    it('records pod health and desired revisions on the same timeline', async () => {
      const { store } = await fresh();
      const pod = { cluster: 'prod', namespace: 'shop', name: 'web-abc' };
      store.recordPodHealth({ ...pod, uid: 'p1', container: 'app', restarts: 3, reason: 'CrashLoopBackOff', message: 'back-off 40s', at: at(1) });
      store.recordPodHealth({ ...pod, container: 'app', restarts: 4, reason: 'CrashLoopBackOff', at: at(2) });
      store.recordDesiredRevision({ source: 'dir:/manifests', revision: 'c0ffee', at: at(0) });
      store.recordDesiredRevision({ source: 'dir:/manifests', revision: 'c0ffee', at: at(1) }); // unchanged
      store.recordDesiredRevision({ source: 'dir:/manifests', revision: 'decade', at: at(5) });
      await store.flush();
      const h = await store.objectHistory({ ...pod, group: '', kind: 'Pod' });
      expect(h?.podHealth).toEqual([
        { at: at(1), container: 'app', restarts: 3, reason: 'CrashLoopBackOff', message: 'back-off 40s' },
        { at: at(2), container: 'app', restarts: 4, reason: 'CrashLoopBackOff' },
      ]);
      expect(h?.object.uid).toBe('p1');
      expect(await store.listDesiredRevisions('dir:/manifests')).toEqual([
        { revision: 'decade', at: at(5) },
        { revision: 'c0ffee', at: at(0) },
      ]);
    });

    it('writes large batches in order across many objects', async () => {
      const { store } = await fresh({ maxBatchRecords: 500 });
      const n = 300;
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < n; i++) {
          store.recordObjectState(state(round, 'drifted', [replicas(round)], { ...deploy, name: `w${i}`, uid: `w${i}` }));
        }
      }
      await store.flush();
      expect(store.stats().transitionsWritten).toBe(n * 20);
      expect(store.stats().flushes).toBeGreaterThanOrEqual(12);
      for (const i of [0, 137, 299]) {
        const ep = (await store.objectHistory({ ...deploy, name: `w${i}` }, { transitionLimit: 1_000 }))?.episodes;
        expect(ep).toHaveLength(1);
        expect(ep?.[0]?.transitionCount).toBe(20);
        expect(ep?.[0]?.transitions.map((t) => t.live)).toEqual([...Array(20).keys()]);
      }
      const limited = await store.objectHistory({ ...deploy, name: 'w1' }, { transitionLimit: 5, from: at(3), to: at(15) });
      expect(limited?.episodes[0]?.transitions.map((t) => t.live)).toEqual([10, 11, 12, 13, 14]);
    });

    it('removes history older than the retention age in small batches and keeps chart totals right', async () => {
      const DAY = 24 * 60 * MIN;
      const { store, loc } = await fresh({ retention: { maxAgeMs: 7 * DAY, batchRows: 3, pauseMs: 0, intervalMs: 0 } });
      const oldObj = { ...deploy, name: 'old', uid: 'old' };
      const gone = { ...deploy, name: 'gone', uid: 'gone' };
      const longDrift = { ...deploy, name: 'long', uid: 'long' };
      const t = (days: number, m = 0) => (days * DAY) / MIN + m;
      for (let i = 0; i < 10; i++) store.recordObjectState(state(t(-20, i), 'drifted', [replicas(i)], oldObj));
      store.recordObjectState(state(t(-19), 'in-sync', [], oldObj));
      store.recordObjectState(state(t(-20), 'drifted', [replicas(1)], gone));
      store.recordObjectEvent({ ref: gone, type: 'disappeared', at: at(t(-18)) });
      store.recordObjectState(state(t(-20), 'drifted', [replicas(1)], longDrift)); // still drifting today
      store.recordObjectState(state(t(-1), 'drifted', [replicas(2)], longDrift));
      for (let i = 0; i < 10; i++) store.recordObjectWrite({ ref: oldObj, at: at(t(-20, i)), resourceVersion: `${i}`, specChanged: false });
      store.recordObjectState(state(t(-1), 'drifted', [replicas(7)]));
      await store.flush();
      const chartBefore = await store.driftChart({ from: at(t(-2)), to: at(t(0)), bucketMs: DAY });

      const r = await store.runRetention(at(t(0)));
      expect(r.cutoff).toEqual(at(t(-7)));
      expect(r.deleted.transitions).toBe(12); // 10 of old, 1 of gone, the first of long
      expect(r.deleted.episodes).toBe(2);
      expect(r.deleted.objects).toBe(1);
      expect(r.deleted.object_writes).toBe(10);
      expect(await store.objectHistory(gone)).toBeUndefined();
      const long = await store.objectHistory(longDrift);
      expect(long?.episodes[0]?.closedAt).toBeUndefined(); // open episodes are kept
      expect(long?.episodes[0]?.transitions.map((x) => x.live)).toEqual([2]);
      expect((await store.objectHistory(oldObj))?.episodes).toEqual([]);
      expect((await store.objectHistory(deploy))?.episodes[0]?.transitions).toHaveLength(1);
      const chartAfter = await store.driftChart({ from: at(t(-2)), to: at(t(0)), bucketMs: DAY });
      expect(chartAfter).toEqual(chartBefore);
      expect(chartAfter.series[0]?.drifted).toEqual([1, 2]);
      const [{ n } = { n: 0 }] = await loc.sql<{ n: number | string }>('SELECT COUNT(*) AS n FROM drift_deltas WHERE bucket > 0 AND bucket < ' + String(at(t(-7)).getTime()));
      expect(Number(n)).toBe(0);
      // Idempotent.
      const again = await store.runRetention(at(t(0)));
      expect(Object.values(again.deleted).reduce((a, b) => a + b, 0)).toBe(0);
      // Writing continues normally afterwards.
      store.recordObjectState(state(t(0), 'in-sync', [], longDrift));
      await store.flush();
      expect((await store.objectHistory(longDrift))?.episodes[0]?.closedAt).toEqual(at(t(0)));
    });

    it('keeps a deleted object that is still declared (missing) through retention, so that its re-creation closes its count in the chart', async () => {
      const DAY = 24 * 60 * MIN;
      const { store } = await fresh({ retention: { maxAgeMs: 7 * DAY, batchRows: 3, pauseMs: 0, intervalMs: 0 } });
      const t = (days: number) => (days * DAY) / MIN;
      const declared = { ...deploy, name: 'declared-gone', uid: 'dg' };
      store.recordObjectState(state(t(-20), 'drifted', [replicas(1)], declared));
      store.recordObjectEvent({ ref: declared, type: 'disappeared', at: at(t(-18)) });
      store.recordObjectState(state(t(-18), 'missing', [], declared));
      await store.flush();
      expect((await store.runRetention(at(t(0)))).deleted.objects).toBe(0);
      expect(await store.objectHistory(declared)).toBeDefined();
      store.recordObjectState(state(t(-1), 'in-sync', [], { ...declared, uid: 'dg2' }));
      await store.flush();
      const chart = await store.driftChart({ from: at(t(-3)), to: at(t(0)), bucketMs: DAY });
      expect(chart.series[0]?.drifted).toEqual([1, 1, 0]);
    });

    it('stores snapshots by id hash, reads them back unchanged after reopening, and refuses a second write of the same hash', async () => {
      const { store, reopen, loc } = await fresh();
      const hash = 'a'.repeat(64);
      const payload = { object: { kind: 'Deployment', name: 'web' }, changes: [{ path: 'spec.replicas', op: 'changed', desired: 3, live: 5 }], note: 'ünïcode ✓' };
      await store.saveSnapshot({ idHash: hash, createdAt: at(0), subject: 'prod/apps/Deployment/shop/web', payload });
      await expect(store.saveSnapshot({ idHash: hash, createdAt: at(1), subject: 'other', payload: {} })).rejects.toThrow();
      await store.close();
      const s2 = await reopen();
      expect(await s2.getSnapshot(hash)).toEqual({ createdAt: at(0), subject: 'prod/apps/Deployment/shop/web', payload });
      expect(await s2.getSnapshot('b'.repeat(64))).toBeUndefined();
      expect(await s2.getSnapshot('not-a-hash')).toBeUndefined();
      await expect(s2.saveSnapshot({ idHash: 'short', createdAt: at(0), subject: 'x', payload: {} })).rejects.toThrow(/idHash/);
      const rows = await loc.sql<{ id_hash: string }>('SELECT id_hash FROM snapshots');
      expect(rows.map((r) => r.id_hash)).toEqual([hash]);
    });

    it('keeps an expired snapshot row without its payload after retention, and leaves unexpired ones alone', async () => {
      const { store } = await fresh();
      const expiring = '1'.repeat(64);
      const later = '2'.repeat(64);
      const forever = '3'.repeat(64);
      await store.saveSnapshot({ idHash: expiring, createdAt: at(0), expiresAt: at(10), subject: 's1', payload: { v: 1 } });
      await store.saveSnapshot({ idHash: later, createdAt: at(0), expiresAt: at(100), subject: 's2', payload: { v: 2 } });
      await store.saveSnapshot({ idHash: forever, createdAt: at(0), subject: 's3', payload: { v: 3 } });
      await expect(store.saveSnapshot({ idHash: '4'.repeat(64), createdAt: at(5), expiresAt: at(5), subject: 's4', payload: {} })).rejects.toThrow(/after/);
      expect(await store.getSnapshot(expiring)).toEqual({ createdAt: at(0), expiresAt: at(10), subject: 's1', payload: { v: 1 } });
      const r = await store.runRetention(at(11));
      expect(r.deleted.snapshot_payloads).toBe(1);
      expect(await store.getSnapshot(expiring)).toEqual({ createdAt: at(0), expiresAt: at(10), subject: 's1' });
      expect((await store.getSnapshot(later))?.payload).toEqual({ v: 2 });
      expect((await store.getSnapshot(forever))?.payload).toEqual({ v: 3 });
      expect((await store.runRetention(at(11))).deleted.snapshot_payloads).toBe(0);
    });

    it('revokes a snapshot: its payload is gone from the database at once, the first revocation time stands', async () => {
      const { store, reopen, loc } = await fresh();
      const revoked = '5'.repeat(64);
      const other = '6'.repeat(64);
      await store.saveSnapshot({ idHash: revoked, createdAt: at(0), subject: 'prod/apps/Deployment/shop/web', payload: { canary: 'revoke-me' } });
      await store.saveSnapshot({ idHash: other, createdAt: at(0), subject: 's', payload: { v: 1 } });
      expect(await store.revokeSnapshot(revoked, at(3))).toEqual({ revokedAt: at(3), now: true });
      expect(await store.revokeSnapshot(revoked, at(4))).toEqual({ revokedAt: at(3), now: false });
      expect(await store.revokeSnapshot('7'.repeat(64), at(4))).toBeUndefined();
      await store.close();
      const s2 = await reopen();
      expect(await s2.getSnapshot(revoked)).toEqual({ createdAt: at(0), revokedAt: at(3), subject: 'prod/apps/Deployment/shop/web' });
      expect(await s2.getSnapshot(other)).toEqual({ createdAt: at(0), subject: 's', payload: { v: 1 } });
      const rows = await loc.sql<{ payload: string | null }>('SELECT payload FROM snapshots');
      expect(JSON.stringify(rows)).not.toContain('revoke-me');
    });

    it('close() flushes what is queued', async () => {
      const { store, reopen } = await fresh({ flushIntervalMs: 60_000 });
      store.recordObjectState(state(0, 'drifted', [replicas(5)]));
      await store.close();
      expect(() => store.recordObjectState(state(1, 'in-sync'))).toThrow(/closed/);
      const s2 = await reopen();
      expect((await s2.objectHistory(deploy))?.episodes).toHaveLength(1);
    });
  });
}
