import pg from 'pg';
import {
  COLUMNS,
  LOADED_OBJECT_COLUMNS,
  LOADED_OBJECT_JOINS,
  toLoadedObject,
  PG_TYPES,
  UPSERTS,
  type Backend,
  type BulkTable,
  type IdSequence,
  type LoadedObject,
  type LoadedObjectRow,
  type WriteBatch,
} from './backend';
import { SET_HEADS_WATERMARK_SQL } from './heads';
import type { RowData } from './row-buffer';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from './migrations';
import { toLoadedEpisode, type EpisodeRow } from './sqlite-backend';

const INT8_OID = 20;
const NUMERIC_OID = 1700;
/** Key of the advisory lock that serialises migrations of concurrent openers. */
const MIGRATION_LOCK = 0x64726674; // 'drft'

// bigint and numeric as JS numbers: every integer this store writes (ms times, ids, 53-bit
// hashes, counts) is below 2^53. Scoped to this store's pool, not set globally.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** `?` placeholders to `$1..$n` (the store's SQL has no `?` inside literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export async function openPostgresBackend(url: string, poolSize: number): Promise<Backend> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, application_name: 'driftwatch-store' });
  // An idle client's error (server restart) must not crash the process; queries report theirs.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return new PostgresBackend(pool);
}

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(SCHEMA_MIGRATIONS_DDL.postgres);
      const applied = new Set(
        (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
      );
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.postgres);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            Date.now(),
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** Characters JSON.stringify would escape differently from a PostgreSQL array literal. */
const NOT_JSON_SAFE = /[\u0000-\u001f\ud800-\udfff]/;

function textElement(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  const s = typeof v === 'string' ? v : String(v);
  // Inside a quoted array element only `"` and `\` are escaped, as JSON does for other strings.
  if (!NOT_JSON_SAFE.test(s)) return JSON.stringify(s);
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * One array literal per column (`{1,2,NULL}`), cast in SQL to its type. Built here because pg's
 * generic array encoder (a type check and two regex passes per element) cost more main-thread
 * time per transition than deriving it. Each distinct string of the batch is quoted once.
 */
export function columnLiterals(data: RowData): string[] {
  const { rows: n, nums, texts, numWidth, textWidth } = data;
  const quoted = data.strings.map(textElement);
  const cols: string[] = [];
  const parts = new Array<string>(n);
  for (const slot of data.slots) {
    if (slot >= 0) {
      for (let r = 0; r < n; r++) {
        const v = nums[r * numWidth + slot] as number;
        parts[r] = Number.isNaN(v) ? 'NULL' : String(v);
      }
    } else {
      for (let r = 0; r < n; r++) {
        const id = texts[r * textWidth - 1 - slot] as number;
        parts[r] = id < 0 ? 'NULL' : (quoted[id] as string);
      }
    }
    cols.push(`{${parts.join(',')}}`);
  }
  return cols;
}

export function unnestInsertSql(table: BulkTable): string {
  const cols = COLUMNS[table];
  const arrays = PG_TYPES[table].map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  return `INSERT INTO ${table} (${cols.join(', ')}) SELECT * FROM unnest(${arrays}) ${UPSERTS[table] ?? ''}`;
}

class PostgresBackend implements Backend {
  readonly dialect = 'postgres' as const;
  private closed = false;

  constructor(private readonly pool: pg.Pool) {}

  async loadObjects(keys: readonly string[]): Promise<LoadedObject[]> {
    if (keys.length === 0) return [];
    const objs = await this.pool.query<LoadedObjectRow>(`SELECT ${LOADED_OBJECT_COLUMNS} FROM objects o ${LOADED_OBJECT_JOINS} WHERE o.key = ANY($1::text[])`, [keys]);
    if (objs.rows.length === 0) return [];
    const byId = new Map<number, LoadedObject>();
    for (const r of objs.rows) byId.set(r.id, toLoadedObject(r));
    const eps = await this.pool.query<EpisodeRow>(
      `SELECT e.id, e.object_id, e.path, e.opened_at, h.last_tid, h.n, t.live_hash, t.desired_hash, t.op, t.manager
       FROM episodes e LEFT JOIN episode_heads h ON h.episode_id = e.id LEFT JOIN transitions t ON t.id = h.last_tid
       WHERE e.closed_at IS NULL AND e.object_id = ANY($1::bigint[])`,
      [[...byId.keys()]],
    );
    for (const e of eps.rows) byId.get(e.object_id)?.episodes.push(toLoadedEpisode(e));
    return [...byId.values()];
  }

  async reserveIds(seq: IdSequence, count: number): Promise<number> {
    const r = await this.pool.query<{ next: number }>('UPDATE id_blocks SET next = next + $1 WHERE name = $2 RETURNING next', [
      count,
      seq,
    ]);
    const row = r.rows[0];
    if (!row) throw new Error(`id sequence ${seq} missing`);
    return row.next - count;
  }

  async write(batch: WriteBatch): Promise<void> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        const insert = async (table: BulkTable): Promise<void> => {
          const data = batch.rows[table].data();
          if (!data) return;
          await client.query(unnestInsertSql(table), columnLiterals(data));
        };
        await insert('objects');
        if (batch.episodeCloses.length > 0) {
          await client.query(
            `UPDATE episodes e SET closed_at = u.c, close_reason = u.r, prev_closed_id = u.p
             FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[]) AS u(id, c, r, p) WHERE e.id = u.id`,
            [
              batch.episodeCloses.map((c) => c.id),
              batch.episodeCloses.map((c) => c.closedAt),
              batch.episodeCloses.map((c) => c.reason),
              batch.episodeCloses.map((c) => c.prevClosedId),
            ],
          );
        }
        await insert('episodes');
        await insert('transitions');
        await insert('episode_heads');
        await insert('object_events');
        await insert('object_writes');
        await insert('pod_health');
        await insert('desired_revisions');
        await insert('drift_deltas');
        await insert('drift_rollup');
        await insert('findings');
        if (batch.objectUpdates.size > 0) {
          const u = [...batch.objectUpdates.values()];
          await client.query(
            `UPDATE objects o SET version = u.version, uid = u.uid, status = u.status, status_at = u.status_at,
               drifted_since = u.drifted_since, deleted_at = u.deleted_at, last_event_id = u.last_event_id, last_closed_id = u.last_closed_id
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[])
               AS u(id, version, uid, status, status_at, drifted_since, deleted_at, last_event_id, last_closed_id)
             WHERE o.id = u.id`,
            [
              u.map((x) => x.id),
              u.map((x) => x.version),
              u.map((x) => x.uid),
              u.map((x) => x.status),
              u.map((x) => x.statusAt),
              u.map((x) => x.driftedSince),
              u.map((x) => x.deletedAt),
              u.map((x) => x.lastEventId),
              u.map((x) => x.lastClosedId),
            ],
          );
        }
        if (batch.headsWatermark !== null) await client.query(numberPlaceholders(SET_HEADS_WATERMARK_SQL), [batch.headsWatermark]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const r = await this.pool.query(numberPlaceholders(sql), [...params]);
    return r.rows as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const r = await this.pool.query(numberPlaceholders(sql), [...params]);
    return r.rowCount ?? 0;
  }

  async transaction(statements: ReadonlyArray<readonly [string, readonly unknown[]]>): Promise<number> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        let n = 0;
        for (const [sql, params] of statements) n += (await client.query(numberPlaceholders(sql), [...params])).rowCount ?? 0;
        await client.query('COMMIT');
        return n;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
