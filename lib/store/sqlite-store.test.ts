import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, sqlitePath } from './open-store';
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

describe('SQLite checkpoints', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('copies written pages into the database file from the second connection, and closes with no log left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftwatch-checkpoint-'));
    dirs.push(dir);
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
