import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from './migrations';
import { openStore, sqlitePath } from './open-store';
import { objectKey } from './store-core';
import { defineStoreSuite } from './store-suite';

defineStoreSuite({
  name: 'SQLite',
  newLocation() {
    const dir = mkdtempSync(join(tmpdir(), 'driftwatch-store-'));
    return Promise.resolve({
      options: { dataDir: dir },
      sql<T>(sql: string) {
        const db = new Database(sqlitePath(dir), { readonly: true });
        try {
          return Promise.resolve(db.prepare(sql).all() as T[]);
        } finally {
          db.close();
        }
      },
      dispose() {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  },
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
/** A temporary data directory, removed after the test. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

describe('SQLite checkpoints', () => {
  it('copies written pages into the database file from the second connection, and closes with no log left', async () => {
    const dir = tempDir('driftwatch-checkpoint-');
    const file = sqlitePath(dir);
    const store = await openStore({ dataDir: dir, retention: { intervalMs: 0 }, log: () => undefined });
    const before = statSync(file).size;
    const t0 = Date.UTC(2025, 0, 1);
    // A few hundred pages: far below the writer's own checkpoint threshold (10,000 pages).
    for (let i = 0; i < 3_000; i++) {
      store.recordObjectState({
        cluster: 'c',
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: `ns-${i % 7}`,
        name: `app-${i % 500}`,
        at: new Date(t0 + i * 1_000),
        status: 'drifted',
        changes: [{ path: 'spec.template.spec.containers[name=app].image', op: 'changed', desired: 'app:1', live: `app:${i}-${'x'.repeat(200)}` }],
      });
    }
    await store.flush();
    let after = statSync(file).size;
    for (let waited = 0; after < before + 1_000_000 && waited < 15_000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
      after = statSync(file).size;
    }
    // Without the checkpoint connection every page would still be in the log (≈ 2 MB written).
    expect(after).toBeGreaterThan(before + 1_000_000);
    await store.close();
    // The writer's connection closed last: it checkpointed the rest and removed the log.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM transitions').get()).toEqual({ n: 3_000 });
    } finally {
      db.close();
    }
  }, 30_000);
});

describe('SQLite history written before per-object chains (schema v3)', () => {
  it('is chained by the migration: its events and episodes stay in object histories, and new ones continue them', async () => {
    const dir = tempDir('driftwatch-v3-');
    const min = (m: number) => Date.UTC(2025, 0, 6, 8, m);
    const ref = { cluster: 'prod', group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web', uid: 'u1' };
    const db = new Database(sqlitePath(dir));
    try {
      db.exec(SCHEMA_MIGRATIONS_DDL.sqlite);
      for (const m of MIGRATIONS.filter((x) => x.version <= 3)) {
        db.exec(m.sqlite);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, 0);
      }
      const obj = db.prepare(
        'INSERT INTO objects (id, key, cluster, grp, version, kind, namespace, name, uid, first_seen, status, status_at, drifted_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      obj.run(1, objectKey(ref), 'prod', 'apps', 'v1', 'Deployment', 'shop', 'web', 'u1', min(0), 'drifted', min(8), min(8));
      obj.run(2, objectKey({ ...ref, name: 'api' }), 'prod', 'apps', 'v1', 'Deployment', 'shop', 'api', 'u2', min(0), 'in-sync', min(0), null);
      const ep = db.prepare('INSERT INTO episodes (id, object_id, path, opened_at, closed_at, close_reason) VALUES (?, ?, ?, ?, ?, ?)');
      ep.run(1, 1, 'spec.replicas', min(0), min(2), 'resolved');
      ep.run(2, 1, 'spec.template.spec.containers[name=app].image', min(1), min(5), 'in-sync');
      ep.run(3, 1, 'spec.replicas', min(8), null, null);
      // Events as v3 wrote them: ids from the table, objects interleaved.
      const ev = db.prepare('INSERT INTO object_events (object_id, at, type, status) VALUES (?, ?, ?, ?)');
      ev.run(1, min(0), 'status', 'drifted');
      ev.run(2, min(0), 'status', 'in-sync');
      ev.run(1, min(5), 'status', 'in-sync');
      ev.run(1, min(8), 'status', 'drifted');
      db.prepare("UPDATE id_blocks SET next = ? WHERE name = 'objects'").run(3);
      db.prepare("UPDATE id_blocks SET next = ? WHERE name = 'episodes'").run(4);
    } finally {
      db.close();
    }

    const store = await openStore({ dataDir: dir, retention: { intervalMs: 0 }, log: () => undefined });
    try {
      const minutes = (d: Date) => (d.getTime() - min(0)) / 60_000;
      let h = await store.objectHistory(ref);
      expect(h?.episodes.map((e) => [minutes(e.openedAt), e.closedAt ? minutes(e.closedAt) : null])).toEqual([
        [0, 2],
        [1, 5],
        [8, null],
      ]);
      expect(h?.events.map((e) => [minutes(e.at), e.status])).toEqual([
        [0, 'drifted'],
        [5, 'in-sync'],
        [8, 'drifted'],
      ]);
      expect((await store.objectHistory(ref, { from: new Date(min(3)), to: new Date(min(6)) }))?.episodes.map((e) => e.id)).toEqual([2]);

      // New records continue both chains.
      store.recordObjectState({ ...ref, at: new Date(min(10)), status: 'in-sync', changes: [] });
      await store.flush();
      h = await store.objectHistory(ref);
      expect(h?.episodes.map((e) => [e.id, e.closedAt ? minutes(e.closedAt) : null])).toEqual([
        [1, 2],
        [2, 5],
        [3, 10],
      ]);
      expect(h?.events.map((e) => minutes(e.at))).toEqual([0, 5, 8, 10]);
      expect((await store.objectHistory({ ...ref, name: 'api' }))?.events.map((e) => e.status)).toEqual(['in-sync']);
    } finally {
      await store.close();
    }
  });
});
