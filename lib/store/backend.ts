/**
 * What the store core needs from a database: bulk writes of a derived batch, loading the state of
 * objects it has not seen since start, id blocks, and plain SQL for queries and retention. SQL
 * passed to `all`/`run` uses `?` placeholders; the PostgreSQL runner numbers them.
 */

import { RowBuffer, type ColumnType } from './row-buffer';

export type Dialect = 'sqlite' | 'postgres';
export type IdSequence = 'objects' | 'episodes' | 'transitions' | 'object_events';

/** The columns of each bulk-written table, in the order rows are added (see row-buffer.ts). */
export const COLUMNS = {
  objects: ['id', 'key', 'cluster', 'grp', 'version', 'kind', 'namespace', 'name', 'uid', 'first_seen'],
  episodes: ['id', 'object_id', 'path', 'opened_at', 'closed_at', 'close_reason', 'source', 'desired_revision', 'prev_closed_id'],
  transitions: [
    'id',
    'episode_id',
    'prev_id',
    'at',
    'op',
    'live_json',
    'live_hash',
    'desired_json',
    'desired_hash',
    'manager',
    'operation',
    'manager_time',
  ],
  episode_heads: ['episode_id', 'last_tid', 'n'],
  object_events: ['id', 'object_id', 'at', 'type', 'status', 'source', 'desired_revision', 'resource_version', 'prev_id'],
  object_writes: ['object_id', 'at', 'resource_version', 'spec_changed', 'manager'],
  pod_health: ['object_id', 'at', 'container', 'restarts', 'reason', 'message'],
  desired_revisions: ['source', 'revision', 'at'],
  drift_deltas: ['bucket', 'cluster', 'namespace', 'kind', 'opened', 'closed'],
  drift_rollup: ['dim', 'scope', 'bucket', 'value', 'opened', 'closed'],
  findings: ['kind', 'object_id', 'path', 'first_at', 'last_at', 'count', 'managers'],
} as const;

export type BulkTable = keyof typeof COLUMNS;

/** PostgreSQL array types of each column, for `unnest`. */
export const PG_TYPES: { [T in BulkTable]: readonly ColumnType[] } = {
  objects: ['bigint', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'bigint'],
  episodes: ['bigint', 'bigint', 'text', 'bigint', 'bigint', 'text', 'text', 'text', 'bigint'],
  transitions: ['bigint', 'bigint', 'bigint', 'bigint', 'text', 'text', 'bigint', 'text', 'bigint', 'text', 'text', 'text'],
  episode_heads: ['bigint', 'bigint', 'bigint'],
  object_events: ['bigint', 'bigint', 'bigint', 'text', 'text', 'text', 'text', 'text', 'bigint'],
  object_writes: ['bigint', 'bigint', 'text', 'bigint', 'text'],
  pod_health: ['bigint', 'bigint', 'text', 'bigint', 'text', 'text'],
  desired_revisions: ['text', 'text', 'bigint'],
  drift_deltas: ['bigint', 'text', 'text', 'text', 'bigint', 'bigint'],
  drift_rollup: ['text', 'text', 'bigint', 'text', 'bigint', 'bigint'],
  findings: ['text', 'bigint', 'text', 'bigint', 'bigint', 'bigint', 'text'],
};

export interface ObjectUpdate {
  id: number;
  version: string;
  uid: string | null;
  status: string | null;
  statusAt: number | null;
  driftedSince: number | null;
  deletedAt: number | null;
  /** Heads of the object's chains (migrations.ts v4): its last event, its last closed episode. */
  lastEventId: number | null;
  lastClosedId: number | null;
}

export interface EpisodeClose {
  id: number;
  closedAt: number;
  reason: string;
  /** The episode of the same object closed before this one. */
  prevClosedId: number | null;
}

/** Everything one flush writes, in one transaction. */
export interface WriteBatch {
  rows: { [T in BulkTable]: RowBuffer };
  objectUpdates: Map<number, ObjectUpdate>;
  episodeCloses: EpisodeClose[];
  /** Set when the batch checkpoints episode heads: the new heads watermark (see heads.ts). */
  headsWatermark: number | null;
}

export function emptyBatch(): WriteBatch {
  const rows = {} as WriteBatch['rows'];
  for (const table of Object.keys(COLUMNS) as BulkTable[]) rows[table] = new RowBuffer(PG_TYPES[table]);
  return { rows, objectUpdates: new Map(), episodeCloses: [], headsWatermark: null };
}

export function batchIsEmpty(b: WriteBatch): boolean {
  if (b.objectUpdates.size > 0 || b.episodeCloses.length > 0 || b.headsWatermark !== null) return false;
  for (const rows of Object.values(b.rows)) if (rows.rows > 0) return false;
  return true;
}

/** Upsert behaviour per table (tables not listed are plain inserts). */
export const UPSERTS: Partial<Record<BulkTable, string>> = {
  episode_heads: 'ON CONFLICT (episode_id) DO UPDATE SET last_tid = excluded.last_tid, n = excluded.n',
  drift_deltas:
    'ON CONFLICT (bucket, cluster, namespace, kind) DO UPDATE SET opened = drift_deltas.opened + excluded.opened, closed = drift_deltas.closed + excluded.closed',
  drift_rollup:
    'ON CONFLICT (dim, scope, bucket, value) DO UPDATE SET opened = drift_rollup.opened + excluded.opened, closed = drift_rollup.closed + excluded.closed',
  findings:
    'ON CONFLICT (kind, object_id, path, first_at) DO UPDATE SET last_at = excluded.last_at, count = excluded.count, managers = excluded.managers',
};

export interface LoadedEpisode {
  id: number;
  path: string;
  openedAt: number;
  lastTid: number | null;
  n: number;
  liveHash: number | null;
  desiredHash: number | null;
  op: string | null;
  manager: string | null;
}

export interface LoadedObject {
  id: number;
  key: string;
  version: string;
  uid: string | null;
  status: string | null;
  driftedSince: number | null;
  statusAt: number | null;
  deletedAt: number | null;
  lastEventId: number | null;
  lastClosedId: number | null;
  /** Times of the chains' heads: the last event's `at`, the last closed episode's `closed_at`. */
  lastEventAt: number | null;
  lastClosedAt: number | null;
  episodes: LoadedEpisode[];
}

/** What loadObjects reads of an object (alias `o`), with the times of its chains' heads. */
export const LOADED_OBJECT_COLUMNS =
  'o.id, o.key, o.version, o.uid, o.status, o.status_at, o.drifted_since, o.deleted_at, o.last_event_id, o.last_closed_id, ev.at AS last_event_at, ce.closed_at AS last_closed_at';
export const LOADED_OBJECT_JOINS = 'LEFT JOIN object_events ev ON ev.id = o.last_event_id LEFT JOIN episodes ce ON ce.id = o.last_closed_id';

/** A row of LOADED_OBJECT_COLUMNS. */
export interface LoadedObjectRow {
  id: number;
  key: string;
  version: string;
  uid: string | null;
  status: string | null;
  drifted_since: number | null;
  status_at: number | null;
  deleted_at: number | null;
  last_event_id: number | null;
  last_closed_id: number | null;
  last_event_at: number | null;
  last_closed_at: number | null;
}

/** The object of a LOADED_OBJECT_COLUMNS row, its open episodes still to be added. */
export function toLoadedObject(r: LoadedObjectRow): LoadedObject {
  return {
    id: r.id,
    key: r.key,
    version: r.version,
    uid: r.uid,
    status: r.status,
    statusAt: r.status_at,
    driftedSince: r.drifted_since,
    deletedAt: r.deleted_at,
    lastEventId: r.last_event_id,
    lastClosedId: r.last_closed_id,
    lastEventAt: r.last_event_at,
    lastClosedAt: r.last_closed_at,
    episodes: [],
  };
}

export interface Backend {
  readonly dialect: Dialect;
  /** Objects (and their open episodes with their last transition) by key; missing keys are absent. */
  loadObjects(keys: readonly string[]): Promise<LoadedObject[]>;
  /** Reserves `count` consecutive ids; returns the first. */
  reserveIds(seq: IdSequence, count: number): Promise<number>;
  write(batch: WriteBatch): Promise<void>;
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Statements in one transaction; returns the sum of rows affected. */
  transaction(statements: ReadonlyArray<readonly [string, readonly unknown[]]>): Promise<number>;
  close(): Promise<void>;
}

/** SQL fragment matching `column` against a list bound as one parameter. */
export function inList(dialect: Dialect, column: string): string {
  return dialect === 'sqlite' ? `${column} IN (SELECT value FROM json_each(?))` : `${column} = ANY(?)`;
}

/** The parameter for `inList`. */
export function listParam(dialect: Dialect, values: readonly (string | number)[]): unknown {
  return dialect === 'sqlite' ? JSON.stringify(values) : values;
}
