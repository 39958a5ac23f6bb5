/**
 * Versioned schema. Each migration is applied once, in order, inside a transaction, and recorded
 * in `schema_migrations`. Times are epoch milliseconds; ids of objects, episodes and transitions
 * are handed out in blocks from `id_blocks` so the store can derive rows without round trips.
 *
 * Transitions have no secondary index on purpose: an index on episode_id is inserted at random
 * positions and multiplies write-ahead-log volume (measured: 180k → 21k rows/s on SQLite). Each
 * transition row names the previous transition of its episode (`prev_id`) and `episode_heads`
 * names the last one, so one episode's history is a walk down primary keys.
 *
 * Since v4 the same holds for an object's events and closed episodes: the per-object indexes
 * `(object_id, at)` were inserted at random positions too, on the writer's thread (bench:store,
 * SQLite, store runs alternating with the indexed schema: 129-147k → 154-169k transitions/s
 * without them). Each event names the object's previous event (`prev_id`), each closed episode
 * the object's previously closed episode (`prev_closed_id`), and the object row names the last of
 * each; open episodes are found through the small partial index `episodes_open`.
 */

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

/** Table definitions in a shared dialect; `$INT` becomes INTEGER (SQLite) or BIGINT (PostgreSQL). */
const v1Tables = `
CREATE TABLE id_blocks (name TEXT PRIMARY KEY, next $INT NOT NULL);
INSERT INTO id_blocks (name, next) VALUES ('objects', 1), ('episodes', 1), ('transitions', 1);

CREATE TABLE objects (
  id $INT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  cluster TEXT NOT NULL,
  grp TEXT NOT NULL,
  version TEXT NOT NULL,
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  uid TEXT,
  first_seen $INT NOT NULL,
  status TEXT,
  status_at $INT,
  drifted_since $INT,
  deleted_at $INT
);
CREATE INDEX objects_deleted ON objects (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE episodes (
  id $INT PRIMARY KEY,
  object_id $INT NOT NULL,
  path TEXT NOT NULL,
  opened_at $INT NOT NULL,
  closed_at $INT,
  close_reason TEXT,
  source TEXT,
  desired_revision TEXT
);
CREATE INDEX episodes_object ON episodes (object_id, opened_at);
CREATE UNIQUE INDEX episodes_open ON episodes (object_id, path) WHERE closed_at IS NULL;
CREATE INDEX episodes_closed ON episodes (closed_at) WHERE closed_at IS NOT NULL;

CREATE TABLE episode_heads (episode_id $INT PRIMARY KEY, last_tid $INT NOT NULL, n $INT NOT NULL);

CREATE TABLE transitions (
  id $INT PRIMARY KEY,
  episode_id $INT NOT NULL,
  prev_id $INT,
  at $INT NOT NULL,
  op TEXT NOT NULL,
  live_json TEXT,
  live_hash $INT NOT NULL,
  desired_json TEXT,
  desired_hash $INT NOT NULL,
  manager TEXT,
  operation TEXT,
  manager_time TEXT
);

CREATE TABLE object_events (
  id $SERIAL,
  object_id $INT NOT NULL,
  at $INT NOT NULL,
  type TEXT NOT NULL,
  status TEXT,
  source TEXT,
  desired_revision TEXT,
  resource_version TEXT
);
CREATE INDEX object_events_object ON object_events (object_id, at);

CREATE TABLE object_writes (
  id $SERIAL,
  object_id $INT NOT NULL,
  at $INT NOT NULL,
  resource_version TEXT,
  spec_changed $INT NOT NULL,
  manager TEXT
);
CREATE INDEX object_writes_object ON object_writes (object_id, at);

CREATE TABLE pod_health (
  id $SERIAL,
  object_id $INT NOT NULL,
  at $INT NOT NULL,
  container TEXT,
  restarts $INT NOT NULL,
  reason TEXT,
  message TEXT
);
CREATE INDEX pod_health_object ON pod_health (object_id, at);

CREATE TABLE desired_revisions (
  id $SERIAL,
  source TEXT NOT NULL,
  revision TEXT NOT NULL,
  at $INT NOT NULL
);
CREATE INDEX desired_revisions_source ON desired_revisions (source, at);

CREATE TABLE drift_deltas (
  bucket $INT NOT NULL,
  cluster TEXT NOT NULL,
  namespace TEXT NOT NULL,
  kind TEXT NOT NULL,
  opened $INT NOT NULL,
  closed $INT NOT NULL,
  PRIMARY KEY (bucket, cluster, namespace, kind)
);

CREATE TABLE findings (
  id $SERIAL,
  kind TEXT NOT NULL,
  object_id $INT NOT NULL,
  path TEXT NOT NULL,
  first_at $INT NOT NULL,
  last_at $INT NOT NULL,
  count $INT NOT NULL,
  managers TEXT NOT NULL
);
CREATE UNIQUE INDEX findings_key ON findings (kind, object_id, path, first_at);
CREATE INDEX findings_last ON findings (last_at);
CREATE INDEX findings_object ON findings (object_id);
`;

function sqlite(sql: string): string {
  return sql.replaceAll('$SERIAL', 'INTEGER PRIMARY KEY').replaceAll('$INT', 'INTEGER');
}

function postgres(sql: string): string {
  return sql.replaceAll('$SERIAL', 'BIGSERIAL PRIMARY KEY').replaceAll('$INT', 'BIGINT');
}

/**
 * Hourly roll-up of drift_deltas per grouping dimension, so a chart grouped by namespace (or kind,
 * cluster, nothing) over days reads one row per hour and group. `scope` is a cluster or '*' (all).
 */
const v2Rollup = `
CREATE TABLE drift_rollup (
  dim TEXT NOT NULL,
  scope TEXT NOT NULL,
  bucket $INT NOT NULL,
  value TEXT NOT NULL,
  opened $INT NOT NULL,
  closed $INT NOT NULL,
  PRIMARY KEY (dim, scope, bucket, value)
)$WITHOUT_ROWID;
CREATE INDEX drift_rollup_bucket ON drift_rollup (bucket);
`;

/**
 * Share snapshots (lib/share): keyed by the SHA-256 of the link id, never the id itself. The
 * payload is redacted JSON text; it is cleared when the snapshot expires, the row stays so the
 * link can answer "expired".
 */
const v3Snapshots = `
CREATE TABLE snapshots (
  id_hash TEXT PRIMARY KEY,
  created_at $INT NOT NULL,
  expires_at $INT,
  subject TEXT NOT NULL,
  payload TEXT
);
CREATE INDEX snapshots_expires ON snapshots (expires_at) WHERE expires_at IS NOT NULL;
`;

/**
 * Events and closed episodes chained per object (see the top of this file). Existing rows are
 * chained in the order the store wrote them (events by id, episodes by close time); event ids are
 * handed out in blocks from then on, like episode ids.
 */
const v4Chains = `
ALTER TABLE object_events ADD COLUMN prev_id $INT;
ALTER TABLE episodes ADD COLUMN prev_closed_id $INT;
ALTER TABLE objects ADD COLUMN last_event_id $INT;
ALTER TABLE objects ADD COLUMN last_closed_id $INT;
UPDATE object_events SET prev_id = p.prev
  FROM (SELECT id, LAG(id) OVER (PARTITION BY object_id ORDER BY id) AS prev FROM object_events) AS p
  WHERE object_events.id = p.id AND p.prev IS NOT NULL;
UPDATE objects SET last_event_id = m.id
  FROM (SELECT object_id, MAX(id) AS id FROM object_events GROUP BY object_id) AS m
  WHERE objects.id = m.object_id;
UPDATE episodes SET prev_closed_id = p.prev
  FROM (SELECT id, LAG(id) OVER (PARTITION BY object_id ORDER BY closed_at, id) AS prev FROM episodes WHERE closed_at IS NOT NULL) AS p
  WHERE episodes.id = p.id AND p.prev IS NOT NULL;
UPDATE objects SET last_closed_id = m.id
  FROM (SELECT object_id, id, ROW_NUMBER() OVER (PARTITION BY object_id ORDER BY closed_at DESC, id DESC) AS r
        FROM episodes WHERE closed_at IS NOT NULL) AS m
  WHERE objects.id = m.object_id AND m.r = 1;
INSERT INTO id_blocks (name, next) SELECT 'object_events', COALESCE(MAX(id), 0) + 1 FROM object_events;
DROP INDEX episodes_object;
DROP INDEX object_events_object;
`;

/**
 * Event ids come from id_blocks from now on. A writer of an earlier version still running against
 * the same PostgreSQL database (a rolling upgrade) would take ids from the column's sequence that
 * the new one has reserved, and the new one would retry its batch forever; without the default
 * the old writer's inserts fail instead.
 */
const v4PostgresEventIds = `
ALTER TABLE object_events ALTER COLUMN id DROP DEFAULT;
`;

/**
 * SQLite kept drift_deltas twice, as a rowid table and as its primary-key index; without rowid
 * the key is the table (as drift_rollup has been since v2).
 */
const v4SqliteDeltas = `
CREATE TABLE drift_deltas_v4 (
  bucket INTEGER NOT NULL,
  cluster TEXT NOT NULL,
  namespace TEXT NOT NULL,
  kind TEXT NOT NULL,
  opened INTEGER NOT NULL,
  closed INTEGER NOT NULL,
  PRIMARY KEY (bucket, cluster, namespace, kind)
) WITHOUT ROWID;
INSERT INTO drift_deltas_v4 (bucket, cluster, namespace, kind, opened, closed)
  SELECT bucket, cluster, namespace, kind, opened, closed FROM drift_deltas;
DROP TABLE drift_deltas;
ALTER TABLE drift_deltas_v4 RENAME TO drift_deltas;
`;

/** A snapshot link can be revoked: its payload goes at once, the row says when (the link answers 410). */
const v5SnapshotRevocation = `
ALTER TABLE snapshots ADD COLUMN revoked_at $INT;
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'history schema', sqlite: sqlite(v1Tables), postgres: postgres(v1Tables) },
  {
    version: 2,
    name: 'hourly chart roll-up',
    sqlite: sqlite(v2Rollup).replace('$WITHOUT_ROWID', ' WITHOUT ROWID'),
    postgres: postgres(v2Rollup).replace('$WITHOUT_ROWID', ''),
  },
  { version: 3, name: 'share snapshots', sqlite: sqlite(v3Snapshots), postgres: postgres(v3Snapshots) },
  {
    version: 4,
    name: 'per-object chains instead of per-object indexes',
    sqlite: sqlite(v4Chains) + v4SqliteDeltas,
    postgres: postgres(v4Chains) + v4PostgresEventIds,
  },
  { version: 5, name: 'snapshot revocation', sqlite: sqlite(v5SnapshotRevocation), postgres: postgres(v5SnapshotRevocation) },
];

export const SCHEMA_MIGRATIONS_DDL = {
  sqlite: 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  postgres:
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
};
