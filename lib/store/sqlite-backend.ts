/**
 * SQLite backend. The database connection lives in a worker thread, so a batch write (a few to
 * tens of milliseconds) never holds the server's event loop, and deriving the next batch on the
 * main thread overlaps with writing this one. The worker is a small generic statement executor
 * (plain JavaScript, started with `eval`, so no loader or bundler has to know about a second
 * entry file); all SQL is built here.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  COLUMNS,
  LOADED_OBJECT_COLUMNS,
  LOADED_OBJECT_JOINS,
  toLoadedObject,
  UPSERTS,
  type Backend,
  type BulkTable,
  type IdSequence,
  type LoadedEpisode,
  type LoadedObject,
  type LoadedObjectRow,
  type WriteBatch,
} from './backend';
import { RowBuffer, type Cell, type ColumnType, type RowData } from './row-buffer';
import { SET_HEADS_WATERMARK_SQL } from './heads';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from './migrations';

const LOAD_CHUNK = 5_000;

export const SQLITE_PRAGMAS = [
  'journal_mode = WAL',
  // NORMAL in WAL mode: a committed transaction survives a crash of the process (SIGKILL); only
  // an OS crash or power loss can lose the last transactions, never corrupt the file.
  'synchronous = NORMAL',
  'busy_timeout = 10000',
  'cache_size = -65536',
  'temp_store = MEMORY',
  // Checkpoints run on a second connection (SqliteBackend.checkpoint); this is the backstop. Large:
  // pages rewritten by many batches (heads, roll-ups) are copied once.
  'wal_autocheckpoint = 10000',
];

/** One unit of work for the executor. */
type Item =
  | { t: 'rows'; before: string; after: string; data: RowData; perStatement: number }
  | { t: 'run'; sql: string; params: readonly unknown[] }
  | { t: 'all'; sql: string; params: readonly unknown[] }
  | { t: 'exec'; sql: string };

type Request =
  | { op: 'open'; file: string; pragmas: readonly string[] }
  | { op: 'one'; item: Item }
  | { op: 'tx'; items: Item[] }
  | { op: 'close' };

interface Response {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
  code?: string;
}

/** The worker: runs items, a transaction of items, caches prepared statements. */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
let db;
const statements = new Map();
const prep = (sql) => {
  let s = statements.get(sql);
  if (!s) { s = db.prepare(sql); statements.set(sql, s); }
  return s;
};
const bulkStatements = new Map();
function statementFor(key, build) {
  let s = bulkStatements.get(key);
  if (!s) { s = db.prepare(build()); bulkStatements.set(key, s); }
  return s;
}
// Rows arrive in columns (row-buffer.ts: integers in a Float64Array, NaN for null; text as
// indices into the batch's strings, -1 for null) and are bound as multi-row statements of at most
// perStatement rows: before + (?,?,...),(?,?,...) + after (INSERT ... VALUES, UPDATE ... FROM VALUES).
function rows(it) {
  const { rows, nums, texts, strings, slots, numWidth, textWidth } = it.data;
  const w = slots.length;
  let changes = 0;
  for (let first = 0; first < rows; first += it.perStatement) {
    const n = Math.min(it.perStatement, rows - first);
    const s = statementFor(it.before + n, () => {
      const tuple = '(' + new Array(w).fill('?').join(',') + ')';
      return it.before + new Array(n).fill(tuple).join(',') + it.after;
    });
    const params = new Array(n * w);
    let p = 0;
    for (let r = first; r < first + n; r++) {
      const nb = r * numWidth;
      const tb = r * textWidth - 1;
      for (let c = 0; c < w; c++) {
        const slot = slots[c];
        if (slot >= 0) {
          const v = nums[nb + slot];
          params[p++] = v === v ? v : null;
        } else {
          const id = texts[tb - slot];
          params[p++] = id < 0 ? null : strings[id];
        }
      }
    }
    // Spread, not the array: better-sqlite3 reads an array argument element by element through
    // V8's generic property lookup, arguments directly — binding costs half as much (measured:
    // 1.3-1.9 s vs 0.9 s per million 12-column rows), and binding was half of this thread's time.
    changes += s.run(...params).changes;
  }
  return changes;
}
function run(it) {
  switch (it.t) {
    case 'rows': return rows(it);
    case 'run': return prep(it.sql).run(...it.params).changes;
    case 'all': return prep(it.sql).all(...it.params);
    case 'exec': db.exec(it.sql); return 0;
    default: throw new Error('unknown item ' + it.t);
  }
}
parentPort.on('message', (m) => {
  try {
    let result = null;
    if (m.op === 'open') {
      db = new Database(m.file);
      for (const p of m.pragmas) db.pragma(p);
    } else if (m.op === 'one') {
      result = run(m.item);
    } else if (m.op === 'tx') {
      let n = 0;
      db.transaction(() => { for (const it of m.items) n += run(it); })();
      result = n;
    } else if (m.op === 'close') {
      if (db) { try { db.pragma('optimize'); } finally { db.close(); db = undefined; } }
    }
    parentPort.postMessage({ id: m.id, ok: true, result });
  } catch (err) {
    parentPort.postMessage({ id: m.id, ok: false, error: String((err && err.message) || err), code: err && err.code });
  }
});
`;

function betterSqlitePath(): string {
  // Next's server build rewrites createRequire(…).resolve() into a numeric module id; a require
  // obtained through process.getBuiltinModule is invisible to bundlers and resolves a real path.
  const { createRequire: runtimeCreateRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
  for (const base of [import.meta.url, join(process.cwd(), 'package.json')]) {
    try {
      const resolved: unknown = runtimeCreateRequire(base).resolve('better-sqlite3');
      if (typeof resolved === 'string') return resolved;
    } catch {
      // try the next base
    }
  }
  throw new Error('better-sqlite3 cannot be found: run npm install in the dashboard directory');
}

class SqliteWorker {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { modulePath: betterSqlitePath() } });
    // Held only while requests are pending: an idle store does not keep the process alive.
    this.worker.unref();
    this.worker.on('message', (m: Response) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.ok) p.resolve(m.result);
      else p.reject(Object.assign(new Error(m.error ?? 'sqlite error'), m.code ? { code: m.code } : {}));
    });
    const fail = (err: Error) => {
      this.failed = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`sqlite worker exited (${code})`)));
  }

  request(req: Request): Promise<unknown> {
    if (this.failed) return Promise.reject(this.failed);
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...req });
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Opens (creating if needed) a SQLite history database in WAL mode and applies migrations, with a
 * second connection on its own thread for checkpoints (see `SqliteBackend.checkpoint`).
 */
export async function openSqliteBackend(file: string): Promise<Backend> {
  mkdirSync(dirname(file), { recursive: true });
  const worker = new SqliteWorker();
  try {
    await worker.request({ op: 'open', file, pragmas: SQLITE_PRAGMAS });
    await migrate(worker);
  } catch (err) {
    await worker.request({ op: 'close' }).catch(() => undefined);
    await worker.terminate();
    throw err;
  }
  return new SqliteBackend(worker, await openCheckpointer(file));
}

/** The checkpoint connection, or undefined when it cannot open: the writer's own checkpoints remain. */
async function openCheckpointer(file: string): Promise<SqliteWorker | undefined> {
  let worker: SqliteWorker | undefined;
  try {
    worker = new SqliteWorker();
    await worker.request({ op: 'open', file, pragmas: ['busy_timeout = 10000', 'synchronous = NORMAL'] });
    return worker;
  } catch {
    await worker?.terminate().catch(() => undefined);
    return undefined;
  }
}

async function migrate(w: SqliteWorker): Promise<void> {
  const one = (item: Item) => w.request({ op: 'one', item });
  // BEGIN IMMEDIATE takes the write lock: a second process opening the same file at the same
  // time waits (busy_timeout) and then sees the migrations as applied.
  await one({ t: 'exec', sql: 'BEGIN IMMEDIATE' });
  try {
    await one({ t: 'exec', sql: SCHEMA_MIGRATIONS_DDL.sqlite });
    const rows = (await one({ t: 'all', sql: 'SELECT version FROM schema_migrations', params: [] })) as Array<{ version: number }>;
    const applied = new Set(rows.map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await one({ t: 'exec', sql: m.sqlite });
      await one({
        t: 'run',
        sql: 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
        params: [m.version, m.name, Date.now()],
      });
    }
    await one({ t: 'exec', sql: 'COMMIT' });
  } catch (err) {
    await one({ t: 'exec', sql: 'ROLLBACK' }).catch(() => undefined);
    throw err;
  }
}

/** Bound parameters per multi-row statement (SQLite's limit is far above; larger gained nothing). */
const PARAMS_PER_STATEMENT = 768;

/** A 'rows' item: the statement around the row tuples, and how many rows one statement binds. */
function rowsItem(before: string, after: string, data: RowData): Item {
  return { t: 'rows', before, after, data, perStatement: Math.max(1, Math.floor(PARAMS_PER_STATEMENT / data.slots.length)) };
}

const bulk = (table: BulkTable, data: RowData): Item =>
  rowsItem(`INSERT INTO ${table} (${COLUMNS[table].join(',')}) VALUES `, ` ${UPSERTS[table] ?? ''}`, data);

/**
 * An UPDATE of many rows by id as multi-row statements: `head FROM (VALUES ...) AS v tail`, the
 * values' columns named column1, column2, ... (one statement per row cost more than the rows).
 */
function updateMany(head: string, tail: string, types: readonly ColumnType[], rows: ReadonlyArray<readonly Cell[]>): Item[] {
  // One row per id, the last (a join with two rows of one id would update it with either).
  const last = new Map<Cell, readonly Cell[]>();
  for (const r of rows) last.set(r[0] ?? null, r);
  const buffer = new RowBuffer(types);
  for (const r of last.values()) buffer.add(r);
  const data = buffer.data();
  return data ? [rowsItem(`${head} FROM (VALUES `, `) AS v ${tail}`, data)] : [];
}

class SqliteBackend implements Backend {
  readonly dialect = 'sqlite' as const;
  private closed = false;
  private checkpointing: Promise<void> | undefined;
  private checkpointAgain = false;

  constructor(
    private readonly w: SqliteWorker,
    private readonly checkpointer: SqliteWorker | undefined,
  ) {}

  /**
   * Copies committed pages from the write-ahead log into the database file, from the second
   * connection, after each write transaction. Done by the writer itself (wal_autocheckpoint), the
   * copy and its two fsyncs stalled the writer thread: bench:store measured COMMIT at 1.6-1.9 s of
   * wall time (0.8 s of it waiting for the disk) per million transitions, 0.55-0.8 s with this.
   * PASSIVE never waits for the writer nor blocks it. The writer keeps wal_autocheckpoint as a
   * backstop: it then finds most frames copied already, and restarts the log from its start.
   */
  private checkpoint(): void {
    const c = this.checkpointer;
    if (!c || this.closed) return;
    // One at a time; a transaction committed meanwhile gets one more, so its pages are not left
    // in the log until some later write.
    if (this.checkpointing) {
      this.checkpointAgain = true;
      return;
    }
    this.checkpointAgain = false;
    this.checkpointing = c
      .request({ op: 'one', item: { t: 'all', sql: 'PRAGMA wal_checkpoint(PASSIVE)', params: [] } })
      // A failed checkpoint loses nothing: the frames stay in the log for the next one.
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.checkpointing = undefined;
        if (this.checkpointAgain) this.checkpoint();
      });
  }

  private one(item: Item): Promise<unknown> {
    return this.w.request({ op: 'one', item });
  }

  /** Items in one write transaction, then a checkpoint of what it committed. */
  private async commit(items: Item[]): Promise<number> {
    const n = (await this.w.request({ op: 'tx', items })) as number;
    this.checkpoint();
    return n;
  }

  async loadObjects(keys: readonly string[]): Promise<LoadedObject[]> {
    const out: LoadedObject[] = [];
    for (let i = 0; i < keys.length; i += LOAD_CHUNK) {
      const rows = (await this.one({
        t: 'all',
        sql: `SELECT ${LOADED_OBJECT_COLUMNS} FROM objects o ${LOADED_OBJECT_JOINS} WHERE o.key IN (SELECT value FROM json_each(?))`,
        params: [JSON.stringify(keys.slice(i, i + LOAD_CHUNK))],
      })) as LoadedObjectRow[];
      if (rows.length === 0) continue;
      const byId = new Map<number, LoadedObject>();
      for (const r of rows) {
        const o = toLoadedObject(r);
        byId.set(o.id, o);
        out.push(o);
      }
      const eps = (await this.one({
        t: 'all',
        sql: `SELECT e.id, e.object_id, e.path, e.opened_at, h.last_tid, h.n, t.live_hash, t.desired_hash, t.op, t.manager
              FROM episodes e LEFT JOIN episode_heads h ON h.episode_id = e.id LEFT JOIN transitions t ON t.id = h.last_tid
              WHERE e.closed_at IS NULL AND e.object_id IN (SELECT value FROM json_each(?))`,
        params: [JSON.stringify([...byId.keys()])],
      })) as EpisodeRow[];
      for (const e of eps) byId.get(e.object_id)?.episodes.push(toLoadedEpisode(e));
    }
    return out;
  }

  async reserveIds(seq: IdSequence, count: number): Promise<number> {
    const rows = (await this.one({
      t: 'all',
      sql: 'UPDATE id_blocks SET next = next + ? WHERE name = ? RETURNING next',
      params: [count, seq],
    })) as Array<{ next: number }>;
    const row = rows[0];
    if (!row) throw new Error(`id sequence ${seq} missing`);
    return row.next - count;
  }

  async write(batch: WriteBatch): Promise<void> {
    const { rows } = batch;
    const items: Item[] = [];
    const objects = rows.objects.data();
    if (objects) items.push(bulk('objects', objects));
    // Closes first: they name episodes that existed before this batch, and a new episode of the
    // same path must not meet an open one in the unique index.
    items.push(
      ...updateMany(
        'UPDATE episodes SET closed_at = v.column2, close_reason = v.column3, prev_closed_id = v.column4',
        'WHERE episodes.id = v.column1',
        ['bigint', 'bigint', 'text', 'bigint'],
        batch.episodeCloses.map((c) => [c.id, c.closedAt, c.reason, c.prevClosedId]),
      ),
    );
    for (const table of [
      'episodes',
      'transitions',
      'episode_heads',
      'object_events',
      'object_writes',
      'pod_health',
      'desired_revisions',
      'drift_deltas',
      'drift_rollup',
      'findings',
    ] as const) {
      const data = rows[table].data();
      if (data) items.push(bulk(table, data));
    }
    items.push(
      ...updateMany(
        'UPDATE objects SET version = v.column2, uid = v.column3, status = v.column4, status_at = v.column5, drifted_since = v.column6, deleted_at = v.column7, last_event_id = v.column8, last_closed_id = v.column9',
        'WHERE objects.id = v.column1',
        ['bigint', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint'],
        [...batch.objectUpdates.values()].map((u) => [u.id, u.version, u.uid, u.status, u.statusAt, u.driftedSince, u.deletedAt, u.lastEventId, u.lastClosedId]),
      ),
    );
    if (batch.headsWatermark !== null) items.push({ t: 'run', sql: SET_HEADS_WATERMARK_SQL, params: [batch.headsWatermark] });
    await this.commit(items);
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.one({ t: 'all', sql, params: [...params] })) as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const n = (await this.one({ t: 'run', sql, params: [...params] })) as number;
    // Retention deletes through here, each statement a transaction of its own.
    if (n > 0) this.checkpoint();
    return n;
  }

  transaction(statements: ReadonlyArray<readonly [string, readonly unknown[]]>): Promise<number> {
    return this.commit(statements.map(([sql, params]) => ({ t: 'run' as const, sql, params: [...params] })));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The writer's connection closes last: as the last one it checkpoints and removes the log.
    if (this.checkpointer) {
      // closed is set: a checkpoint in flight starts no other.
      await this.checkpointing;
      await this.checkpointer.request({ op: 'close' }).catch(() => undefined);
      await this.checkpointer.terminate();
    }
    try {
      await this.w.request({ op: 'close' });
    } finally {
      await this.w.terminate();
    }
  }
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
