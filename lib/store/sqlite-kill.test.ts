import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { writeUntilKilled } from './crash-harness';
import { verifyAfterKill } from './crash-checks';
import { sqlitePath } from './open-store';

describe('SQLite history survives SIGKILL during heavy writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-kill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is intact and continuous after the writer is killed', { timeout: 180_000 }, async () => {
    const { committedRound, signal } = await writeUntilKilled({ dataDir: dir });
    expect(signal).toBe('SIGKILL');
    const db = new Database(sqlitePath(dir));
    try {
      expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      db.close();
    }
    await verifyAfterKill({ dataDir: dir }, committedRound);
  });
});
