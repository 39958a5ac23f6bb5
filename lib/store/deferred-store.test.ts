import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeferredStore } from './deferred-store';
import { openStore, openStoreDeferred } from './open-store';
import type { DriftStore, ObjectRef, ObjectStateInput } from './types';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-deferred-'));
  dirs.push(dir);
  return dir;
}

const web: ObjectRef & { version: string } = { cluster: 'prod', group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const t0 = Date.UTC(2026, 10, 1);
const state = (minute: number, status: ObjectStateInput['status'], replicas?: number): ObjectStateInput => ({
  ...web,
  at: new Date(t0 + minute * 60_000),
  status,
  changes: replicas === undefined ? [] : [{ path: 'spec.replicas', op: 'changed', desired: 3, live: replicas, manager: { name: 'kubectl-edit', operation: 'Update' } }],
});
const quiet = { retention: { intervalMs: 0 }, log: () => undefined };

describe('DeferredStore', () => {
  it('opens nothing until asked, then writes what was recorded before, in order', async () => {
    const dir = tempDir();
    let opens = 0;
    const store = new DeferredStore('sqlite', () => {
      opens++;
      return openStore({ dataDir: dir, ...quiet });
    });
    store.recordObjectState(state(0, 'in-sync'));
    store.recordObjectState(state(1, 'drifted', 5));
    store.recordObjectState(state(2, 'in-sync'));
    store.recordObjectEvent({ ref: web, type: 'disappeared', at: new Date(t0 + 3 * 60_000) });
    expect(opens).toBe(0);
    expect(store.isOpen).toBe(false);
    expect(store.stats()).toMatchObject({ backend: 'sqlite', queued: 4, transitionsWritten: 0 });

    // The first query opens it; the records made before are in the answer.
    const h = await store.objectHistory(web);
    expect(opens).toBe(1);
    expect(h?.episodes).toHaveLength(1);
    expect(h?.episodes[0]).toMatchObject({ closeReason: 'in-sync', openedAt: new Date(t0 + 60_000), closedAt: new Date(t0 + 120_000) });
    expect(h?.events.map((e) => e.type)).toContain('disappeared');

    // Open from now on: records go straight through.
    store.recordObjectState(state(4, 'drifted', 7));
    await store.flush();
    expect((await store.objectHistory(web))?.episodes).toHaveLength(2);
    await store.open();
    expect(opens).toBe(1);
    await store.close();
  });

  it('close() writes held records even if nothing opened the store, so a stop during the first sync loses nothing', async () => {
    const dir = tempDir();
    const store = openStoreDeferred({ dataDir: dir, ...quiet });
    store.recordObjectState(state(0, 'drifted', 5));
    await store.close();
    const reopened = await openStore({ dataDir: dir, ...quiet });
    try {
      expect((await reopened.objectHistory(web))?.episodes).toHaveLength(1);
    } finally {
      await reopened.close();
    }
  });

  it('close() with nothing recorded and never opened leaves no database behind', async () => {
    let opens = 0;
    const store = new DeferredStore('sqlite', () => {
      opens++;
      return Promise.reject(new Error('not expected'));
    });
    await store.close();
    expect(opens).toBe(0);
  });

  it('a store that cannot open: says why once, drops what it held, and queries reject with the reason', async () => {
    const dir = tempDir();
    // A file where the data directory should be: SQLite cannot create history.db under it.
    const blocked = join(dir, 'not-a-dir');
    writeFileSync(blocked, 'x');
    const errors: string[] = [];
    const store = openStoreDeferred({ dataDir: blocked, ...quiet }, (err) => errors.push(err instanceof Error ? err.message : String(err)));
    store.recordObjectState(state(0, 'drifted', 5));
    await expect(store.open()).rejects.toThrow();
    await expect(store.listFindings()).rejects.toThrow();
    expect(errors).toHaveLength(1);
    expect(store.error).toBe(errors[0]);
    expect(store.stats()).toMatchObject({ queued: 0, lastError: errors[0] });
    // Later records are dropped, not kept for a store that will never take them.
    store.recordObjectState(state(1, 'in-sync'));
    expect(store.stats().queued).toBe(0);
    await store.close();
  });

  it('opens itself once it holds maxHeld records', async () => {
    const dir = tempDir();
    let inner: DriftStore | undefined;
    const store = new DeferredStore(
      'sqlite',
      async () => {
        inner = await openStore({ dataDir: dir, ...quiet });
        return inner;
      },
      { maxHeld: 3 },
    );
    store.recordObjectState(state(0, 'in-sync'));
    store.recordObjectState(state(1, 'drifted', 5));
    expect(inner).toBeUndefined();
    store.recordObjectState(state(2, 'in-sync'));
    await store.open();
    expect(inner).toBeDefined();
    expect((await store.objectHistory(web))?.episodes).toHaveLength(1);
    await store.close();
  });

  it('reports a record the store refuses at hand-over instead of throwing at the caller', async () => {
    const dir = tempDir();
    const logged: string[] = [];
    const store = new DeferredStore('sqlite', () => openStore({ dataDir: dir, ...quiet }), { log: (m) => logged.push(m) });
    store.recordObjectState({ ...state(0, 'drifted', 5), status: 'weird' as 'drifted' });
    store.recordObjectState(state(1, 'drifted', 5));
    await store.open();
    expect(logged.join('\n')).toMatch(/refused \(recordObjectState\): .*unknown status weird/);
    expect((await store.objectHistory(web))?.episodes).toHaveLength(1);
    await store.close();
  });

  it('hands held records over in slices, each written before the next, with records made meanwhile after them', async () => {
    const dir = tempDir();
    let inner: DriftStore | undefined;
    const flushes: number[] = [];
    const store = new DeferredStore(
      'sqlite',
      async () => {
        const s = await openStore({ dataDir: dir, ...quiet });
        const flush = s.flush.bind(s);
        s.flush = async () => {
          flushes.push(s.stats().accepted);
          await flush();
        };
        inner = s;
        return s;
      },
      { handOverSlice: 2 },
    );
    // drifted, in-sync, drifted, in-sync, drifted: two closed episodes and an open one, if in order.
    for (let m = 0; m < 5; m++) store.recordObjectState(m % 2 === 0 ? state(m, 'drifted', 5 + m) : state(m, 'in-sync'));
    const opened = store.open();
    // Made while the first slices are being written: queued behind them.
    store.recordObjectState(state(5, 'in-sync'));
    await opened;
    expect(flushes).toEqual([2, 4, 6]);
    const h = await store.objectHistory(web);
    expect(h?.episodes.map((e) => e.closeReason)).toEqual(['in-sync', 'in-sync', 'in-sync']);
    expect(inner?.stats().accepted).toBe(6);
    await store.close();
  });
});
