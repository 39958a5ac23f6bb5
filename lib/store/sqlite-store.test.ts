import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sqlitePath } from './open-store';
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
