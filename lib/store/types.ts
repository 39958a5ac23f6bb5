/**
 * Public types of the drift history store: what the live pipeline records, and what the API reads.
 * Times are `Date` at the boundary; the store keeps epoch milliseconds inside.
 */

export type ObjectStatus = 'in-sync' | 'drifted' | 'missing' | 'unmanaged' | 'error';
export const OBJECT_STATUSES: readonly ObjectStatus[] = ['in-sync', 'drifted', 'missing', 'unmanaged', 'error'];

export type ChangeOp = 'changed' | 'missing' | 'removed' | 'added';

export interface ManagerInfo {
  name: string;
  operation: string;
  time?: string;
}

/** Identity of a watched object. `group` is '' for the core group, `namespace` '' when cluster-scoped. */
export interface ObjectRef {
  cluster: string;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  version?: string;
  uid?: string;
}

export interface FieldChangeInput {
  /** Field path in DESIGN notation, e.g. `spec.template.spec.containers[name=app].image`. */
  path: string;
  op: ChangeOp;
  desired?: unknown;
  live?: unknown;
  manager?: ManagerInfo;
}

/** The object's drift report as the pipeline saw it at `at`: called whenever the report changes. */
export interface ObjectStateInput extends ObjectRef {
  version: string;
  at: Date;
  status: ObjectStatus;
  source?: string;
  desiredRevision?: string;
  resourceVersion?: string;
  changes: readonly FieldChangeInput[];
}

export interface ObjectEventInput {
  ref: ObjectRef;
  /**
   * `undeclared`: the manifest of an object that is not in the cluster (a `missing` one) went; its
   * drift ends there, and the object stays deleted.
   */
  type: 'appeared' | 'disappeared' | 'undeclared';
  at: Date;
  resourceVersion?: string;
}

/**
 * What the dashboard has of one cluster once its first sync is complete: see
 * DriftStore.recordFirstSync. Kinds are `group/kind` ('' group for the core one).
 */
export interface FirstSyncInput {
  cluster: string;
  /** `group/kind/namespace/name` of every object the dashboard has in the cluster, missing ones (declared, not live) included. */
  present: ReadonlySet<string>;
  /** Kinds listed in full: an object of one that `present` lacks is gone. */
  listed: ReadonlySet<string>;
  /** Kinds watched but not listed (forbidden, failing): nothing is known of their objects. */
  unknown: ReadonlySet<string>;
  /**
   * API groups ('' for the core one) whose discovery did not answer (an aggregated API whose
   * backend is down): which kinds they serve is not known, so their objects are left as they are,
   * whether or not their kind is in `listed` or `unknown`. None when absent.
   */
  unknownGroups?: ReadonlySet<string>;
  /** The namespaces watched, when the watch is limited to some. */
  namespaces?: readonly string[];
  /**
   * Only objects of these kinds are looked at: a kind first listed after the cluster's first sync
   * (forbidden or failing until then) is swept on its own, later. Every kind when absent.
   */
  kinds?: ReadonlySet<string>;
  at: Date;
}

export interface DesiredRevisionInput {
  /** Name of the desired-state source, e.g. `dir:/manifests` or `last-applied`. */
  source: string;
  /** Git commit, or a content hash when the source is not a git work tree. */
  revision: string;
  at: Date;
}

export interface PodHealthInput {
  cluster: string;
  namespace: string;
  name: string;
  uid?: string;
  container?: string;
  restarts: number;
  /** e.g. `CrashLoopBackOff`, `OOMKilled`, `Error`. */
  reason?: string;
  message?: string;
  at: Date;
}

/** Every live update the watch sees (including status-only and metadata-only updates). */
export interface ObjectWriteInput {
  ref: ObjectRef;
  at: Date;
  resourceVersion: string;
  /** Whether the update changed anything outside `status` and server-managed metadata. */
  specChanged: boolean;
  /** The field manager of the update, when managedFields tell it. */
  manager?: string;
}

export type CloseReason = 'resolved' | 'in-sync' | 'unmanaged' | 'missing' | 'deleted' | 'replaced' | 'undeclared';

export interface TransitionRecord {
  at: Date;
  op: ChangeOp;
  /** Parsed canonical JSON of the live value; a redaction marker for Secret data; absent when the live side has no value. */
  live?: unknown;
  liveHash: string;
  /** The desired value, when it differs from the previous transition's (always on the first). */
  desired?: unknown;
  desiredHash: string;
  manager?: ManagerInfo;
}

export interface EpisodeRecord {
  id: number;
  path: string;
  openedAt: Date;
  closedAt?: Date;
  closeReason?: CloseReason;
  source?: string;
  desiredRevision?: string;
  /** All transitions of the episode ever recorded (before retention). */
  transitionCount: number;
  /** Oldest first; the most recent `transitionLimit` inside the queried range. */
  transitions: TransitionRecord[];
}

export type ObjectEventType = 'appeared' | 'disappeared' | 'undeclared' | 'status' | 'replaced';

export interface ObjectEventRecord {
  at: Date;
  type: ObjectEventType;
  status?: ObjectStatus;
  source?: string;
  desiredRevision?: string;
  resourceVersion?: string;
}

export interface PodHealthRecord {
  at: Date;
  container?: string;
  restarts: number;
  reason?: string;
  message?: string;
}

export interface ObjectWriteRecord {
  at: Date;
  resourceVersion?: string;
  specChanged: boolean;
  manager?: string;
}

export type FindingKind = 'flapping' | 'fight' | 'reconcile-loop';

export interface FindingRecord {
  kind: FindingKind;
  object: Required<Pick<ObjectRef, 'cluster' | 'group' | 'kind' | 'namespace' | 'name'>>;
  /** Field path for `flapping` and `fight`; '' for `reconcile-loop`. */
  path: string;
  firstAt: Date;
  lastAt: Date;
  /** Value changes (flapping), manager switches (fight) or rewrites without spec change (reconcile loop). */
  count: number;
  managers: string[];
}

export interface ObjectHistory {
  object: Required<Pick<ObjectRef, 'cluster' | 'group' | 'kind' | 'namespace' | 'name'>> & {
    version: string;
    uid?: string;
    status?: ObjectStatus;
    drifted: boolean;
    deleted: boolean;
    firstSeen: Date;
  };
  episodes: EpisodeRecord[];
  events: ObjectEventRecord[];
  podHealth: PodHealthRecord[];
  writes: ObjectWriteRecord[];
  findings: FindingRecord[];
}

export interface HistoryQuery {
  from?: Date;
  to?: Date;
  /** Per episode. Default 200. */
  transitionLimit?: number;
  /** Episodes, events, pod health records and writes each. Default 500. */
  limit?: number;
}

export type ChartGroupBy = 'none' | 'cluster' | 'namespace' | 'kind';

export interface ChartQuery {
  from: Date;
  to: Date;
  /** A multiple of one minute (the store's base resolution). */
  bucketMs: number;
  groupBy?: ChartGroupBy;
  cluster?: string;
  namespace?: string;
  kind?: string;
  /** Only objects in these namespaces (a namespace-scoped user's); empty: none. */
  namespaceIn?: readonly string[];
}

export interface ChartSeries {
  /** Group value ('' for cluster-scoped objects when grouped by namespace; 'all' when not grouped). */
  group: string;
  /** Objects drifted at the end of each bucket (or now, for a bucket that has not ended). */
  drifted: number[];
  /** Objects that became drifted during the bucket. */
  opened: number[];
  /** Objects that stopped being drifted during the bucket (in sync, unmanaged, deleted). */
  closed: number[];
}

export interface ChartResult {
  bucketMs: number;
  /** Bucket start times; the first is `from` rounded down to the minute. */
  buckets: Date[];
  series: ChartSeries[];
}

export interface FindingsQuery {
  kind?: FindingKind;
  from?: Date;
  to?: Date;
  cluster?: string;
  namespace?: string;
  /** Only objects in these namespaces (a namespace-scoped user's); empty: none. */
  namespaceIn?: readonly string[];
  limit?: number;
}

export interface StoreStats {
  backend: 'sqlite' | 'postgres';
  /** Records waiting in the queue. */
  queued: number;
  /** Derived batches waiting for (or in) their database transaction. */
  pendingBatches: number;
  /** Records accepted by recordX since open. */
  accepted: number;
  /** Object states that replaced a queued state of the same object while the queue was full. */
  merged: number;
  /** Records refused because the queue was full. */
  dropped: number;
  /** Secret values the store redacted itself (the engine should already have). */
  redacted: number;
  transitionsWritten: number;
  episodesOpened: number;
  episodesClosed: number;
  flushes: number;
  writeErrors: number;
  lastError?: string;
  /** Objects in the in-memory state cache. */
  cachedObjects: number;
}

export interface RetentionResult {
  cutoff: Date;
  deleted: Record<string, number>;
}

/** A share snapshot as stored: the link id is known only by its SHA-256 (lib/share makes both). */
export interface SnapshotRecordInput {
  /** SHA-256 of the link id, 64 lowercase hex digits. */
  idHash: string;
  createdAt: Date;
  expiresAt?: Date;
  /** What it shows (an object id): kept after expiry so the expired page can link the live view. */
  subject: string;
  /** Redacted JSON; the store does not look inside. */
  payload: unknown;
}

export interface SnapshotRevocation {
  revokedAt: Date;
  /** Whether this call revoked it (false: an earlier one had, and its time stands). */
  now: boolean;
}

export interface SnapshotRecord {
  createdAt: Date;
  expiresAt?: Date;
  subject: string;
  /** When its link was revoked (DriftStore.revokeSnapshot): the payload is gone. */
  revokedAt?: Date;
  /** Absent once the snapshot has expired and retention cleared it, or was revoked. */
  payload?: unknown;
}

export interface DriftStore {
  readonly backend: 'sqlite' | 'postgres';

  /** Never blocks: validates, enqueues and returns. Throws only on malformed input. */
  recordObjectState(state: ObjectStateInput): void;
  recordObjectEvent(event: ObjectEventInput): void;
  recordDesiredRevision(rev: DesiredRevisionInput): void;
  recordPodHealth(health: PodHealthInput): void;
  recordObjectWrite(write: ObjectWriteInput): void;
  /**
   * After the first sync of a cluster: objects of the cluster the history holds as existing or
   * drifting and that are not `present` changed while the dashboard was not running. Recorded at
   * `at`: one of a listed kind (and watched namespace) as `disappeared`; a `missing` one as
   * `undeclared`; a drifting one the dashboard no longer watches (its kind or namespace) as
   * `unmanaged`. Objects of `unknown` kinds are left as they are, and with `kinds`, objects of
   * any kind not in it.
   */
  recordFirstSync(sync: FirstSyncInput): void;

  /** Resolves when everything recorded before the call is committed to the database. */
  flush(): Promise<void>;
  /** Flushes, stops timers and closes the database. */
  close(): Promise<void>;
  stats(): StoreStats;

  driftChart(query: ChartQuery): Promise<ChartResult>;
  objectHistory(ref: ObjectRef, query?: HistoryQuery): Promise<ObjectHistory | undefined>;
  listFindings(query?: FindingsQuery): Promise<FindingRecord[]>;
  listDesiredRevisions(source: string, limit?: number): Promise<Array<{ revision: string; at: Date }>>;
  /** Deletes history older than the retention age, in small batches. Runs on a timer too. Also clears payloads of expired snapshots. */
  runRetention(now?: Date): Promise<RetentionResult>;

  /** Stores a share snapshot (written at once, not queued). Rejects a duplicate idHash. */
  saveSnapshot(snapshot: SnapshotRecordInput): Promise<void>;
  getSnapshot(idHash: string): Promise<SnapshotRecord | undefined>;
  /**
   * Revokes a share snapshot: its payload is deleted at once, the row keeps `revokedAt` (the first
   * revocation's). Undefined when no snapshot has that hash.
   */
  revokeSnapshot(idHash: string, at: Date): Promise<SnapshotRevocation | undefined>;
}
