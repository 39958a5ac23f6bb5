import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '@/testing/postgres-fixture';
import { verifyAfterKill } from './crash-checks';
import { writeUntilKilled } from './crash-harness';
import { openStore } from './open-store';
import { defineStoreSuite } from './store-suite';

defineStoreSuite({
  name: 'PostgreSQL',
  async newLocation() {
    const db = await createTestDatabase();
    return {
      options: { databaseUrl: db.url },
      async sql<T>(sql: string) {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        try {
          return (await c.query(sql)).rows as T[];
        } finally {
          await c.end();
        }
      },
      dispose: db.drop,
    };
  },
});

describe('PostgreSQL schema v4', () => {
  it('refuses an event without an id: a writer of an earlier version fails rather than taking ids the store reserved', async () => {
    const db = await createTestDatabase();
    try {
      const store = await openStore({ databaseUrl: db.url, retention: { intervalMs: 0 }, log: () => undefined });
      await store.close();
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        await expect(c.query("INSERT INTO object_events (object_id, at, type) VALUES (1, 0, 'status')")).rejects.toThrow(/null value in column "id"/);
      } finally {
        await c.end();
      }
    } finally {
      await db.drop();
    }
  });
});

describe('PostgreSQL history survives SIGKILL of the writer during heavy writes', () => {
  it('is continuous after the writer is killed', { timeout: 180_000 }, async () => {
    const db = await createTestDatabase();
    try {
      const { committedRound, signal } = await writeUntilKilled({ databaseUrl: db.url });
      expect(signal).toBe('SIGKILL');
      await verifyAfterKill({ databaseUrl: db.url }, committedRound);
    } finally {
      await db.drop();
    }
  });
});
