import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  COLUMNS,
  UPSERTS,
  type Backend,
  type BulkTable,
  type IdSequence,
  type LoadedEpisode,
  type LoadedObject,
  type WriteBatch,
} from './backend';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from './migrations';

type Statement = Database.Statement<unknown[], unknown>;

/** Parameters per multi-row INSERT statement (well below SQLite's limit of 32766). */
const PARAMS_PER_STATEMENT = 768;
const LOAD_CHUNK = 5_000;

/** Opens (creating if needed) a SQLite history database in WAL mode and applies migrations. */
export function openSqliteBackend(file: string): Backend {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a committed transaction survives a crash of the process (SIGKILL);
    // only an OS crash or power loss can lose the last transactions, never corrupt the file.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 10000');
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = MEMORY');
    db.pragma('wal_autocheckpoint = 10000');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqliteBackend(db);
}

function migrate(db: Database.Database): void {
  // BEGIN IMMEDIATE takes the write lock: a second process opening the same file at the same
  // time waits (busy_timeout) and then sees the migrations as applied.
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(SCHEMA_MIGRATIONS_DDL.sqlite);
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version),
    );
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      db.exec(m.sqlite);
      record.run(m.version, m.name, Date.now());
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

class SqliteBackend implements Backend {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();
  private readonly bulk = new Map<string, Statement>();
  private closed = false;

  constructor(private readonly db: Database.Database) {}

  private prepare(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private bulkStatement(table: BulkTable, rows: number): Statement {
    const key = `${table}:${rows}`;
    let s = this.bulk.get(key);
    if (!s) {
      const cols = COLUMNS[table];
      const tuple = `(${cols.map(() => '?').join(',')})`;
      const values = new Array<string>(rows).fill(tuple).join(',');
      s = this.db.prepare(`INSERT INTO ${table} (${cols.join(',')}) VALUES ${values} ${UPSERTS[table] ?? ''}`);
      this.bulk.set(key, s);
    }
    return s;
  }

  private insertRows(table: BulkTable, flat: unknown[]): void {
    if (flat.length === 0) return;
    const width = COLUMNS[table].length;
    const perStatement = Math.max(1, Math.floor(PARAMS_PER_STATEMENT / width)) * width;
    let i = 0;
    if (flat.length >= perStatement) {
      const full = this.bulkStatement(table, perStatement / width);
      for (; i + perStatement <= flat.length; i += perStatement) full.run(flat.slice(i, i + perStatement));
    }
    if (i < flat.length) this.bulkStatement(table, (flat.length - i) / width).run(flat.slice(i));
  }

  loadObjects(keys: readonly string[]): Promise<LoadedObject[]> {
    const out: LoadedObject[] = [];
    const objStmt = this.prepare(
      'SELECT id, key, version, uid, status, drifted_since, deleted_at FROM objects WHERE key IN (SELECT value FROM json_each(?))',
    );
    const epStmt = this.prepare(
      `SELECT e.id, e.object_id, e.path, e.opened_at, h.last_tid, h.n, t.live_hash, t.desired_hash, t.op, t.manager
       FROM episodes e LEFT JOIN episode_heads h ON h.episode_id = e.id LEFT JOIN transitions t ON t.id = h.last_tid
       WHERE e.closed_at IS NULL AND e.object_id IN (SELECT value FROM json_each(?))`,
    );
    for (let i = 0; i < keys.length; i += LOAD_CHUNK) {
      const rows = objStmt.all(JSON.stringify(keys.slice(i, i + LOAD_CHUNK))) as ObjectRow[];
      if (rows.length === 0) continue;
      const byId = new Map<number, LoadedObject>();
      for (const r of rows) {
        const o: LoadedObject = {
          id: r.id,
          key: r.key,
          version: r.version,
          uid: r.uid,
          status: r.status,
          driftedSince: r.drifted_since,
          deletedAt: r.deleted_at,
          episodes: [],
        };
        byId.set(o.id, o);
        out.push(o);
      }
      for (const e of epStmt.all(JSON.stringify([...byId.keys()])) as EpisodeRow[]) {
        byId.get(e.object_id)?.episodes.push(toLoadedEpisode(e));
      }
    }
    return Promise.resolve(out);
  }

  reserveIds(seq: IdSequence, count: number): Promise<number> {
    const row = this.prepare('UPDATE id_blocks SET next = next + ? WHERE name = ? RETURNING next').get(count, seq) as
      | { next: number }
      | undefined;
    if (!row) return Promise.reject(new Error(`id sequence ${seq} missing`));
    return Promise.resolve(row.next - count);
  }

  write(batch: WriteBatch): Promise<void> {
    const { rows } = batch;
    this.db.transaction(() => {
      this.insertRows('objects', rows.objects);
      // Closes first: they name episodes that existed before this batch, and a new episode of the
      // same path must not meet an open one in the unique index.
      if (batch.episodeCloses.length > 0) {
        const close = this.prepare('UPDATE episodes SET closed_at = ?, close_reason = ? WHERE id = ?');
        for (const c of batch.episodeCloses) close.run(c.closedAt, c.reason, c.id);
      }
      this.insertRows('episodes', rows.episodes);
      this.insertRows('transitions', rows.transitions);
      this.insertRows('episode_heads', rows.episode_heads);
      this.insertRows('object_events', rows.object_events);
      this.insertRows('object_writes', rows.object_writes);
      this.insertRows('pod_health', rows.pod_health);
      this.insertRows('desired_revisions', rows.desired_revisions);
      this.insertRows('drift_deltas', rows.drift_deltas);
      this.insertRows('drift_rollup', rows.drift_rollup);
      this.insertRows('findings', rows.findings);
      if (batch.objectUpdates.size > 0) {
        const upd = this.prepare(
          'UPDATE objects SET version = ?, uid = ?, status = ?, status_at = ?, drifted_since = ?, deleted_at = ? WHERE id = ?',
        );
        for (const u of batch.objectUpdates.values()) {
          upd.run(u.version, u.uid, u.status, u.statusAt, u.driftedSince, u.deletedAt, u.id);
        }
      }
    })();
    return Promise.resolve();
  }

  all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      return Promise.resolve(this.prepare(sql).all(...params) as T[]);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    try {
      return Promise.resolve(this.prepare(sql).run(...params).changes);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  transaction(statements: ReadonlyArray<readonly [string, readonly unknown[]]>): Promise<number> {
    try {
      let n = 0;
      this.db.transaction(() => {
        for (const [sql, params] of statements) n += this.prepare(sql).run(...params).changes;
      })();
      return Promise.resolve(n);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      try {
        this.db.pragma('optimize');
      } finally {
        this.db.close();
      }
    }
    return Promise.resolve();
  }
}

interface ObjectRow {
  id: number;
  key: string;
  version: string;
  uid: string | null;
  status: string | null;
  drifted_since: number | null;
  deleted_at: number | null;
}

export interface EpisodeRow {
  id: number;
  object_id: number;
  path: string;
  opened_at: number;
  last_tid: number | null;
  n: number | null;
  live_hash: number | null;
  desired_hash: number | null;
  op: string | null;
  manager: string | null;
}

export function toLoadedEpisode(e: EpisodeRow): LoadedEpisode {
  return {
    id: e.id,
    path: e.path,
    openedAt: e.opened_at,
    lastTid: e.last_tid,
    n: e.n ?? 0,
    liveHash: e.live_hash,
    desiredHash: e.desired_hash,
    op: e.op,
    manager: e.manager,
  };
}
