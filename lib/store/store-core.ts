/**
 * The store: one implementation of `DriftStore` over a `Backend` (SQLite or PostgreSQL).
 *
 * Write path: recordX validates, enqueues and returns. A flush takes up to `maxBatchRecords`
 * records, loads the state of objects not seen since start (restart continuity), reserves ids,
 * derives rows from the in-memory state of open episodes (no reads), and writes the batch in one
 * transaction. Derivation of the next batch overlaps the write of the previous one; writes are
 * applied in order, at most two in flight. A failed write is retried with backoff.
 */
import { FieldTrackers, RateTracker, type AnalysisThresholds, type StreakUpdate } from './analysis';
import {
  batchIsEmpty,
  emptyBatch,
  inList,
  listParam,
  type Backend,
  type IdSequence,
  type LoadedObject,
  type WriteBatch,
} from './backend';
import type { StoreConfig } from './config';
import { HEADS_CHECKPOINT_MS, HEADS_WATERMARK_SQL } from './heads';
import {
  OBJECT_STATUSES,
  type ChartQuery,
  type ChartResult,
  type ChartSeries,
  type CloseReason,
  type DesiredRevisionInput,
  type DriftStore,
  type FieldChangeInput,
  type FindingKind,
  type FindingRecord,
  type FindingsQuery,
  type HistoryQuery,
  type FirstSyncInput,
  type ObjectEventInput,
  type ObjectEventType,
  type ObjectHistory,
  type ObjectRef,
  type ObjectStateInput,
  type ObjectStatus,
  type ObjectWriteInput,
  type PodHealthInput,
  type RetentionResult,
  type SnapshotRecord,
  type SnapshotRecordInput,
  type SnapshotRevocation,
  type StoreStats,
  type TransitionRecord,
} from './types';
import { insertSnapshot, purgeSnapshotPayloads, revokeSnapshotRow, selectSnapshot } from './snapshot-rows';
import { hashToHex, isSecretValuePath, parseStored, storeValueInto, type StoredValue } from './values';

/** Resolution of the pre-aggregated chart buckets. */
export const BASE_BUCKET_MS = 60_000;
/** Resolution of the roll-up used for charts whose buckets are whole hours. */
export const ROLLUP_BUCKET_MS = 60 * 60_000;
/**
 * Ids reserved per round trip. A refill starts at half a block left and waits behind the write in
 * flight (up to a second under load); if the block runs out first, every record blocks meanwhile.
 * At 65,536 transitions that happened several times a second at 100,000 transitions/s. Unused ids
 * of a block are skipped, which costs nothing (ids are 53-bit).
 */
const ID_BLOCK: Record<IdSequence, number> = { objects: 1_024, episodes: 65_536, transitions: 1_048_576, object_events: 65_536 };
const ID_SEQUENCES = Object.keys(ID_BLOCK) as IdSequence[];
/** Events one record can add: a replacement and a status change. */
const EVENTS_PER_RECORD = 2;
const MAX_CHART_BUCKETS = 10_000;
/** How far objectHistory follows an object's chain of closed episodes (a guard against a cycle). */
const MAX_CHAIN_WALK = 200_000;

/** The rows of one time bucket in a batch's chart index. */
function rowsAt(index: Map<number, Map<string, number>>, bucket: number): Map<string, number> {
  let rows = index.get(bucket);
  if (rows === undefined) index.set(bucket, (rows = new Map()));
  return rows;
}

/** The counters of StoreStats, all zero: a store's at open (and a deferred store's before). */
export function zeroCounters() {
  return {
    accepted: 0,
    merged: 0,
    dropped: 0,
    redacted: 0,
    transitionsWritten: 0,
    episodesOpened: 0,
    episodesClosed: 0,
    flushes: 0,
    writeErrors: 0,
  } satisfies Partial<StoreStats>;
}

export function objectKey(ref: Pick<ObjectRef, 'cluster' | 'group' | 'kind' | 'namespace' | 'name'>): string {
  // join() yields a flat string, which hashes and compares faster in Maps than a concatenation.
  return [ref.cluster, ref.group, ref.kind, ref.namespace, ref.name].join('\u001f');
}

type QueueItem =
  | { t: 'state'; v: ObjectStateInput; k: string }
  | { t: 'event'; v: ObjectEventInput; k: string }
  | { t: 'revision'; v: DesiredRevisionInput; k: '' }
  | { t: 'pod'; v: PodHealthInput; k: string }
  | { t: 'write'; v: ObjectWriteInput; k: string }
  /** `candidates`: keys the database holds as existing or drifting and `present` lacks (prepare() reads them). */
  | { t: 'synced'; v: FirstSyncInput; k: ''; candidates?: string[] };

/**
 * A record that has to wait, copied out of the caller's objects. V8 decides per allocation site
 * whether to allocate straight into the old generation ("pretenuring"): when the records of one
 * burst outlive a few young-generation collections (objects not loaded yet at start, ids being
 * reserved), the caller's object literals are judged long-lived, and from then on every report the
 * caller builds is allocated old and collected by full GCs — for the life of the process
 * (bench:store: ≈ 260 MB of reports per million transitions allocated old, V8's helper threads
 * ≈ 3 s of CPU instead of 1.6 s). Copies made here take that judgement on this function's sites
 * instead, which only waiting records use.
 */
function detached(item: QueueItem): QueueItem {
  const at = new Date(item.v.at.getTime());
  switch (item.t) {
    case 'state': {
      const v = item.v;
      // Values inside changes are kept as they are (the engine hands out parts of parsed objects).
      const changes = v.changes.map((c) => ({ ...c, ...(c.manager ? { manager: { ...c.manager } } : {}) }));
      return { t: 'state', v: { ...v, at, changes }, k: item.k };
    }
    case 'event':
      return { t: 'event', v: { ...item.v, at, ref: { ...item.v.ref } }, k: item.k };
    case 'write':
      return { t: 'write', v: { ...item.v, at, ref: { ...item.v.ref } }, k: item.k };
    case 'pod':
      return { t: 'pod', v: { ...item.v, at }, k: item.k };
    case 'revision':
      return { t: 'revision', v: { ...item.v, at }, k: '' };
    case 'synced':
      return { t: 'synced', v: { ...item.v, at }, k: '' };
  }
}

interface EpState {
  id: number;
  path: string;
  lastTid: number | null;
  n: number;
  /** NaN when unknown (last transition removed by retention): the next observation records one. */
  liveHash: number;
  desiredHash: number;
  /** The desired value whose hash is `desiredHash` (compared by identity, primitives only). */
  desiredRaw: unknown;
  op: string;
  manager: string | undefined;
  seen: number;
  /** Batch that inserted this episode and its row there, so a close in the same batch edits the row. */
  insertBatch: number;
  insertAt: number;
  headBatch: number;
  headAt: number;
  /** Transitions since the head row was last written (see heads.ts). */
  headDirty: boolean;
}

interface ObjState {
  id: number;
  key: string;
  cluster: string;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  version: string;
  uid: string | null;
  status: ObjectStatus | null;
  statusAt: number | null;
  driftedSince: number | null;
  deletedAt: number | null;
  /**
   * Heads of the object's chains of events and of closed episodes (migrations.ts v4), and their
   * times: along a chain times never go back (see event() and closeEpisode()).
   */
  lastEventId: number | null;
  lastClosedId: number | null;
  lastEventAt: number;
  lastClosedAt: number;
  episodes: Map<string, EpState>;
  /** The chart rows this object counts in, shared by objects of its cluster, namespace and kind. */
  chart: ChartGroup | undefined;
  fields?: Map<string, FieldTrackers>;
  writes?: RateTracker;
  lastWrite?: { at: number; manager: string | undefined };
}

interface FindingState {
  kind: FindingKind;
  objectId: number;
  path: string;
  update: StreakUpdate;
  writtenLastAt: number;
  dirty: boolean;
}

/**
 * Keys of the chart rows (drift_deltas, drift_rollup) of one cluster/namespace/kind, built once:
 * a drift change used to build eight key strings and hash each of them, the largest cost of
 * deriving a status change. Long-lived strings hash once; the time bucket is the outer map's key.
 */
interface ChartGroup {
  delta: string;
  rollup: ReadonlyArray<{ key: string; dim: string; scope: string; value: string }>;
}

interface Builder {
  seq: number;
  batch: WriteBatch;
  /** minute bucket → ChartGroup.delta → row of drift_deltas */
  deltaAt: Map<number, Map<string, number>>;
  /** hour → ChartGroup.rollup[].key → row of drift_rollup */
  rollupAt: Map<number, Map<string, number>>;
  findingAt: Map<string, number>;
  records: number;
}

interface Waiter {
  target: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const isStatus = new Set<string>(OBJECT_STATUSES);
const CHANGE_OPS = new Set(['changed', 'missing', 'removed', 'added']);

function checkDate(d: unknown, what: string): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError(`${what}: 'at' must be a valid Date`);
}

function checkRef(r: ObjectRef | undefined, what: string): void {
  if (!r || typeof r.cluster !== 'string' || typeof r.group !== 'string' || typeof r.kind !== 'string' || !r.kind) {
    throw new TypeError(`${what}: cluster, group and kind are required`);
  }
  if (typeof r.namespace !== 'string' || typeof r.name !== 'string' || !r.name) {
    throw new TypeError(`${what}: namespace (may be '') and name are required`);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const tick = () => new Promise<void>((r) => setImmediate(r));

export class Store implements DriftStore {
  readonly backend: 'sqlite' | 'postgres';
  private readonly th: AnalysisThresholds;
  /** Derived rows not yet handed to the database. */
  private builder: Builder;
  /**
   * Records that cannot be derived yet (object not loaded, id block used up, or too much
   * unwritten): once anything waits here, every later record waits behind it, so order holds.
   */
  private blocked: QueueItem[] = [];
  /** Last blocked index per object key; built only while the blocked queue is full. */
  private mergeIndex: Map<string, number> | undefined;
  /** Records derived but not yet committed (in the builder or in sealed batches). */
  private unwritten = 0;
  private sealed = 0;
  private written = 0;
  private waiters: Waiter[] = [];
  private readonly cache = new Map<string, ObjState>();
  private readonly ids: Record<IdSequence, { next: number; end: number }> = {
    objects: { next: 0, end: 0 },
    episodes: { next: 0, end: 0 },
    transitions: { next: 0, end: 0 },
    object_events: { next: 0, end: 0 },
  };
  private refilling: Promise<void> | undefined;
  private readonly findings = new Map<string, FindingState>();
  private readonly lastRevision = new Map<string, string>();
  private stamp = 0;
  private batchSeq = 0;
  // Reused by applyChanges: a value is written into its row before the next one is computed.
  private readonly liveScratch: StoredValue = { json: null, hash: 0, redactedHere: false };
  private readonly desiredScratch: StoredValue = { json: null, hash: 0, redactedHere: false };
  private maxEventAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private drainError: unknown;
  private drainRetry: NodeJS.Timeout | undefined;
  private writeChain: Promise<void> = Promise.resolve();
  private retentionTimer: NodeJS.Timeout | undefined;
  private retentionRun: Promise<RetentionResult> | undefined;
  private closing = false;
  private accepting = true;
  private closed = false;
  private readonly counters = zeroCounters();
  private lastError: string | undefined;

  constructor(
    private readonly db: Backend,
    private readonly config: StoreConfig,
    private readonly log: (message: string) => void,
  ) {
    this.backend = db.dialect;
    this.th = config.thresholds;
    this.builder = this.newBuilder();
    // Ids before the first record: without them it would wait in the blocked queue (see block()).
    this.refillIds();
    if (config.retention.intervalMs > 0) {
      this.retentionTimer = setInterval(() => {
        if (!this.retentionRun && !this.closing) {
          this.runRetention().catch((err: unknown) => this.log(`history retention failed: ${String(err)}`));
        }
      }, config.retention.intervalMs);
      this.retentionTimer.unref();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Recording

  recordObjectState(state: ObjectStateInput): void {
    checkRef(state, 'recordObjectState');
    checkDate(state.at, 'recordObjectState');
    if (!isStatus.has(state.status)) throw new TypeError(`recordObjectState: unknown status ${String(state.status)}`);
    if (!Array.isArray(state.changes)) throw new TypeError('recordObjectState: changes must be an array');
    // Refused here rather than skipped when derived: a drifted state whose changes all fell away
    // would be drifted with nothing to show.
    for (const c of state.changes) {
      if (typeof c.path !== 'string' || !CHANGE_OPS.has(c.op)) throw new TypeError(`recordObjectState: a change needs a string path and an op of ${[...CHANGE_OPS].join(', ')}`);
    }
    this.accept({ t: 'state', v: state, k: objectKey(state) });
  }

  recordObjectEvent(event: ObjectEventInput): void {
    checkRef(event.ref, 'recordObjectEvent');
    checkDate(event.at, 'recordObjectEvent');
    if (event.type !== 'appeared' && event.type !== 'disappeared' && event.type !== 'undeclared') {
      throw new TypeError(`recordObjectEvent: type must be appeared, disappeared or undeclared, got ${String(event.type)}`);
    }
    this.accept({ t: 'event', v: event, k: objectKey(event.ref) });
  }

  recordDesiredRevision(rev: DesiredRevisionInput): void {
    if (!rev.source || !rev.revision) throw new TypeError('recordDesiredRevision: source and revision are required');
    checkDate(rev.at, 'recordDesiredRevision');
    this.accept({ t: 'revision', v: rev, k: '' });
  }

  recordPodHealth(health: PodHealthInput): void {
    checkRef({ ...health, group: '', kind: 'Pod' }, 'recordPodHealth');
    checkDate(health.at, 'recordPodHealth');
    if (!Number.isInteger(health.restarts) || health.restarts < 0) {
      throw new TypeError('recordPodHealth: restarts must be a non-negative integer');
    }
    const k = objectKey({ cluster: health.cluster, group: '', kind: 'Pod', namespace: health.namespace, name: health.name });
    this.accept({ t: 'pod', v: health, k });
  }

  recordObjectWrite(write: ObjectWriteInput): void {
    checkRef(write.ref, 'recordObjectWrite');
    checkDate(write.at, 'recordObjectWrite');
    this.accept({ t: 'write', v: write, k: objectKey(write.ref) });
  }

  recordFirstSync(sync: FirstSyncInput): void {
    if (typeof sync.cluster !== 'string') throw new TypeError('recordFirstSync: cluster is required');
    checkDate(sync.at, 'recordFirstSync');
    if (![sync.present, sync.listed, sync.unknown].every((x) => x instanceof Set)) throw new TypeError('recordFirstSync: present, listed and unknown must be Sets');
    if (sync.namespaces !== undefined && !Array.isArray(sync.namespaces)) throw new TypeError('recordFirstSync: namespaces must be an array');
    if (sync.kinds !== undefined && !(sync.kinds instanceof Set)) throw new TypeError('recordFirstSync: kinds must be a Set');
    if (sync.unknownGroups !== undefined && !(sync.unknownGroups instanceof Set)) throw new TypeError('recordFirstSync: unknownGroups must be a Set');
    this.accept({ t: 'synced', v: sync, k: '' });
  }

  /**
   * The common case derives the record into the current batch right away (pure computation on
   * in-memory state, no I/O), so the caller's objects are garbage at once.
   */
  private accept(item: QueueItem): void {
    if (!this.accepting) throw new Error('history store is closed');
    if (this.blocked.length === 0 && this.derivableNow(item)) {
      this.counters.accepted++;
      this.deriveOne(item, this.builder);
      this.afterDerive();
      return;
    }
    this.block(item);
  }

  private derivableNow(item: QueueItem): boolean {
    // Which objects it ends is a database query: prepare() makes it.
    if (item.t === 'synced') return false;
    if (this.unwritten >= this.config.maxQueue) return false;
    if (item.k !== '' && !this.cache.has(item.k)) return false;
    const changes = item.t === 'state' ? item.v.changes.length : 0;
    const ep = this.ids.episodes;
    const tr = this.ids.transitions;
    const ev = this.ids.object_events;
    if (ep.end - ep.next < ID_BLOCK.episodes / 2 || tr.end - tr.next < ID_BLOCK.transitions / 2 || ev.end - ev.next < ID_BLOCK.object_events / 2) {
      this.refillIds();
    }
    return ep.end - ep.next >= changes && tr.end - tr.next >= changes && ev.end - ev.next >= EVENTS_PER_RECORD;
  }

  private refillIds(): void {
    if (this.refilling || this.closed) return;
    // Only the pools below half (derivableNow's trigger): a full block would replace, and waste,
    // the rest of every pool whenever one of them ran low.
    this.refilling = (async () => {
      await this.ensureIds('episodes', ID_BLOCK.episodes / 2);
      await this.ensureIds('transitions', ID_BLOCK.transitions / 2);
      await this.ensureIds('object_events', ID_BLOCK.object_events / 2);
    })()
      .catch((err: unknown) => this.noteError(err, 'reserving ids'))
      .finally(() => {
        this.refilling = undefined;
      });
  }

  /**
   * Group commit: a batch is sealed when it is full, or once the flush window has passed and no
   * transaction is in flight. While one is, the next batch keeps collecting, so under load each
   * transaction carries more and rows of the same episode head, chart bucket or object coalesce.
   */
  private afterDerive(): void {
    this.builder.records++;
    this.unwritten++;
    if (this.builder.records >= this.config.maxBatchRecords) this.seal();
    else if (!this.timer && !this.due) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.sealed === this.written) this.seal();
        else this.due = true;
      }, this.config.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** The flush window of the current batch has passed while a transaction was in flight. */
  private due = false;

  /**
   * Back-pressure on the blocked queue. A state replaces the blocked state of the same object
   * when that state is the object's last blocked record (the newest report is the truth;
   * intermediate values are lost and counted as merged). Anything else is dropped and counted.
   */
  private block(item: QueueItem): void {
    if (this.blocked.length < this.config.maxQueue) {
      this.counters.accepted++;
      this.blocked.push(detached(item));
      if (this.mergeIndex && item.k) this.mergeIndex.set(item.k, this.blocked.length - 1);
      this.startDrain();
      return;
    }
    if (item.t === 'state') {
      if (!this.mergeIndex) {
        this.mergeIndex = new Map();
        for (let i = 0; i < this.blocked.length; i++) {
          const q = this.blocked[i];
          if (q?.k) this.mergeIndex.set(q.k, i);
        }
      }
      const i = this.mergeIndex.get(item.k);
      if (i !== undefined && this.blocked[i]?.t === 'state') {
        this.blocked[i] = detached(item);
        this.counters.merged++;
        return;
      }
    }
    this.counters.dropped++;
  }

  private startDrain(): Promise<void> {
    if (this.draining) return this.draining;
    if (this.drainRetry) return Promise.resolve();
    this.draining = this.drain()
      .catch((err: unknown) => {
        this.drainError = err;
        this.noteError(err, 'loading history state');
        this.rejectWaiters(err);
        if (!this.closing) {
          this.drainRetry = setTimeout(() => {
            this.drainRetry = undefined;
            void this.startDrain();
          }, 1_000);
          this.drainRetry.unref();
        }
      })
      .finally(() => {
        this.draining = undefined;
      });
    return this.draining;
  }

  /** Loads what the blocked records need, then derives them in order. */
  private async drain(): Promise<void> {
    await tick();
    while (this.blocked.length > 0 && !this.closed) {
      if (this.unwritten >= this.config.maxQueue) {
        this.seal();
        await this.writeChain;
        continue;
      }
      const take = Math.min(this.blocked.length, this.config.maxBatchRecords);
      const items = this.blocked.slice(0, take);
      await this.prepare(items);
      this.drainError = undefined;
      // Nothing else derives while records are blocked, so what prepare loaded and reserved holds,
      // unless a merge replaced one of these records meanwhile: then prepare again.
      const current = this.blocked.slice(0, take);
      if (!this.prepared(current)) continue;
      this.blocked = this.blocked.slice(take);
      this.mergeIndex = undefined;
      for (const it of current) {
        this.deriveOne(it, this.builder);
        this.afterDerive();
      }
      if (this.blocked.length > 0) await tick();
    }
  }

  private prepared(items: readonly QueueItem[]): boolean {
    const { need } = this.idNeeds(items);
    return ID_SEQUENCES.every((seq) => this.ids[seq].end - this.ids[seq].next >= need[seq]);
  }

  /**
   * The keys of these records not in the cache, and the ids deriving them may take at most. Objects
   * count distinct keys: one that is new to the database takes one id however many records name it
   * (counting records here never came true again).
   */
  private idNeeds(items: readonly QueueItem[]): { missing: Set<string>; need: Record<IdSequence, number> } {
    const missing = new Set<string>();
    let changes = 0;
    let events = items.length * EVENTS_PER_RECORD;
    for (const it of items) {
      if (it.t === 'state') changes += it.v.changes.length;
      if (it.k && !this.cache.has(it.k)) missing.add(it.k);
      if (it.t === 'synced' && it.candidates) {
        events += it.candidates.length;
        for (const k of it.candidates) if (!this.cache.has(k)) missing.add(k);
      }
    }
    return {
      missing,
      need: { objects: missing.size, episodes: changes, transitions: changes, object_events: events },
    };
  }

  /** Hands the current batch to the write chain; `checkpoint` forces a heads checkpoint. */
  private seal(checkpoint = false): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.due = false;
    const b = this.builder;
    if (this.dirtyHeads.length > 0 && (checkpoint || performance.now() - this.lastHeadsCheckpoint >= HEADS_CHECKPOINT_MS)) {
      this.checkpointHeads(b);
    }
    if (b.records === 0 && batchIsEmpty(b.batch)) return;
    this.builder = this.newBuilder();
    const n = ++this.sealed;
    if (++this.batchCount % 64 === 0) this.sweep();
    // Writes run one after another, in seal order; the next batch is derived meanwhile.
    this.writeChain = this.writeChain
      .then(tick)
      .then(() => this.writeWithRetry(b, n))
      .catch((err: unknown) => {
        // Only while closing: the batch is lost, close() reports it.
        this.noteError(err, 'giving up on a history batch at close');
        this.rejectWaiters(err);
      });
  }

  private batchCount = 0;
  /** Episodes whose head row is behind (`headDirty`); entries may have been written since. */
  private dirtyHeads: EpState[] = [];
  private lastHeadsCheckpoint = 0;

  private newBuilder(): Builder {
    return { seq: ++this.batchSeq, batch: emptyBatch(), deltaAt: new Map(), rollupAt: new Map(), findingAt: new Map(), records: 0 };
  }

  /** A batch was given up at close: nothing after it is written (see writeWithRetry). */
  private abandoned = false;

  private async writeWithRetry(b: Builder, n: number): Promise<void> {
    let delay = 200;
    for (;;) {
      try {
        if (this.abandoned) throw new Error('an earlier history batch was given up at close');
        await this.db.write(b.batch);
        this.counters.flushes++;
        this.counters.transitionsWritten += b.batch.rows.transitions.rows;
        this.unwritten -= b.records;
        this.written = n;
        this.resolveWaiters();
        if (this.due && this.sealed === this.written) this.seal();
        if (this.blocked.length > 0 && !this.draining) void this.startDrain();
        return;
      } catch (err) {
        this.noteError(err, 'writing history batch');
        this.rejectWaiters(err);
        if (this.closing) {
          this.unwritten -= b.records;
          this.written = n;
          // Later batches chain to rows of this one (events, closed episodes, transitions): written
          // without it, an object's older history would end at the gap. They are given up too.
          this.abandoned = true;
          throw err;
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  private noteError(err: unknown, what: string): void {
    this.counters.writeErrors++;
    this.lastError = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    this.log(`history store: ${this.lastError}`);
  }

  private resolveWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.target <= this.written) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private rejectWaiters(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(e);
  }

  async flush(): Promise<void> {
    if (this.closed) return;
    if (this.drainRetry) {
      clearTimeout(this.drainRetry);
      this.drainRetry = undefined;
    }
    while (this.blocked.length > 0) {
      this.drainError = undefined;
      await this.startDrain();
      if (this.drainError !== undefined) throw this.drainError;
    }
    // Findings whose rows are throttled are written now.
    for (const f of this.findings.values()) if (f.dirty) this.emitFinding(f, this.builder);
    this.seal(true);
    const target = this.sealed;
    if (this.written >= target) return;
    await new Promise<void>((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }

  async close(): Promise<void> {
    if (this.closed || !this.accepting) return;
    this.accepting = false;
    this.closing = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    let error: unknown;
    try {
      await this.retentionRun?.catch(() => undefined);
      await this.flush();
    } catch (err) {
      error = err;
    }
    if (this.timer) clearTimeout(this.timer);
    if (this.drainRetry) clearTimeout(this.drainRetry);
    await this.draining;
    await this.writeChain;
    await this.refilling;
    this.closed = true;
    await this.db.close();
    if (error !== undefined) {
      throw new Error(
        `history store closed with unwritten records (${this.blocked.length + this.unwritten}): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  stats(): StoreStats {
    return {
      backend: this.backend,
      queued: this.blocked.length + this.unwritten,
      pendingBatches: this.sealed - this.written,
      ...this.counters,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      cachedObjects: this.cache.size,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Derivation

  /** Loads objects not in the cache and reserves ids for the worst case of these records. */
  private async prepare(items: readonly QueueItem[]): Promise<void> {
    for (const it of items) if (it.t === 'synced' && !it.candidates) it.candidates = await this.firstSyncCandidates(it.v);
    const { missing, need } = this.idNeeds(items);
    if (missing.size > 0) {
      const loaded = await this.db.loadObjects([...missing]);
      for (const o of loaded) if (!this.cache.has(o.key)) this.cache.set(o.key, this.fromLoaded(o));
    }
    await this.refilling;
    for (const seq of ID_SEQUENCES) await this.ensureIds(seq, need[seq]);
  }

  /**
   * Objects of the cluster the database holds as existing (not deleted) or drifting (a `missing`
   * one is deleted and drifting) that the dashboard does not have, but of kinds it could know
   * about: not of an unknown kind, nor of a group discovery did not answer for (whether it still
   * serves the kind, or the kind is just not watched, cannot be told). What becomes of each is
   * decided when derived, from its state then (records before this one may have ended it).
   */
  private async firstSyncCandidates(sync: FirstSyncInput): Promise<string[]> {
    const rows = await this.db.all<{ key: string; grp: string; kind: string; namespace: string; name: string }>(
      'SELECT key, grp, kind, namespace, name FROM objects WHERE cluster = ? AND (deleted_at IS NULL OR drifted_since IS NOT NULL)',
      [sync.cluster],
    );
    const out: string[] = [];
    for (const r of rows) {
      const kind = `${r.grp}/${r.kind}`;
      if (sync.kinds !== undefined && !sync.kinds.has(kind)) continue;
      if (sync.unknownGroups?.has(r.grp) === true) continue;
      if (!sync.unknown.has(kind) && !sync.present.has(`${kind}/${r.namespace}/${r.name}`)) out.push(r.key);
    }
    return out;
  }

  private async ensureIds(seq: IdSequence, need: number): Promise<void> {
    const pool = this.ids[seq];
    if (pool.end - pool.next >= need) return;
    const count = Math.max(need, ID_BLOCK[seq]);
    const start = await this.db.reserveIds(seq, count);
    pool.next = start;
    pool.end = start + count;
  }

  private takeId(seq: IdSequence): number {
    const pool = this.ids[seq];
    if (pool.next >= pool.end) throw new Error(`id block for ${seq} exhausted (reservation bug)`);
    return pool.next++;
  }

  private fromLoaded(o: LoadedObject): ObjState {
    const [cluster = '', group = '', kind = '', namespace = '', name = ''] = o.key.split('\u001f');
    const state: ObjState = {
      id: o.id,
      key: o.key,
      cluster,
      group,
      kind,
      namespace,
      name,
      version: o.version,
      uid: o.uid,
      status: o.status !== null && isStatus.has(o.status) ? (o.status as ObjectStatus) : null,
      statusAt: o.statusAt,
      driftedSince: o.driftedSince,
      deletedAt: o.deletedAt,
      lastEventId: o.lastEventId,
      lastClosedId: o.lastClosedId,
      lastEventAt: o.lastEventAt ?? Number.NEGATIVE_INFINITY,
      lastClosedAt: o.lastClosedAt ?? Number.NEGATIVE_INFINITY,
      episodes: new Map(),
      chart: undefined,
    };
    for (const e of o.episodes) {
      state.episodes.set(e.path, {
        id: e.id,
        path: e.path,
        lastTid: e.lastTid,
        n: e.n,
        liveHash: e.liveHash ?? Number.NaN,
        desiredHash: e.desiredHash ?? Number.NaN,
        desiredRaw: undefined,
        op: e.op ?? '',
        manager: e.manager ?? undefined,
        seen: 0,
        insertBatch: -1,
        insertAt: -1,
        headBatch: -1,
        headAt: -1,
        headDirty: false,
      });
    }
    return state;
  }

  private deriveOne(it: QueueItem, b: Builder): void {
    switch (it.t) {
      case 'state':
        this.deriveState(it.v, it.k, b);
        break;
      case 'event':
        this.deriveEvent(it.v, it.k, b);
        break;
      case 'revision':
        this.deriveRevision(it.v, b);
        break;
      case 'pod':
        this.derivePod(it.v, it.k, b);
        break;
      case 'write':
        this.deriveWrite(it.v, it.k, b);
        break;
      case 'synced':
        this.deriveFirstSync(it.v, it.candidates ?? [], b);
        break;
    }
  }

  private objectFor(k: string, ref: ObjectRef, at: number, b: Builder): ObjState {
    let o = this.cache.get(k);
    if (o) return o;
    const id = this.takeId('objects');
    o = {
      id,
      key: k,
      cluster: ref.cluster,
      group: ref.group,
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
      version: ref.version ?? '',
      uid: ref.uid ?? null,
      status: null,
      statusAt: null,
      driftedSince: null,
      deletedAt: null,
      lastEventId: null,
      lastClosedId: null,
      lastEventAt: Number.NEGATIVE_INFINITY,
      lastClosedAt: Number.NEGATIVE_INFINITY,
      episodes: new Map(),
      chart: undefined,
    };
    b.batch.rows.objects.add([id, k, o.cluster, o.group, o.version, o.kind, o.namespace, o.name, o.uid, at]);
    this.cache.set(k, o);
    return o;
  }

  private markUpdate(o: ObjState, b: Builder): void {
    b.batch.objectUpdates.set(o.id, {
      id: o.id,
      version: o.version,
      uid: o.uid,
      status: o.status,
      statusAt: o.statusAt,
      driftedSince: o.driftedSince,
      deletedAt: o.deletedAt,
      lastEventId: o.lastEventId,
      lastClosedId: o.lastClosedId,
    });
  }

  private event(
    o: ObjState,
    at: number,
    type: ObjectEventType,
    b: Builder,
    extra: { status?: string; source?: string; desiredRevision?: string; resourceVersion?: string } = {},
  ): void {
    const id = this.takeId('object_events');
    // Reports can arrive out of time order (clocks step back): recorded at the object's last event
    // time at the earliest, so the chain is in time order and its walk may stop at the range's start.
    if (at < o.lastEventAt) at = o.lastEventAt;
    o.lastEventAt = at;
    b.batch.rows.object_events.add([
      id,
      o.id,
      at,
      type,
      extra.status ?? null,
      extra.source ?? null,
      extra.desiredRevision ?? null,
      extra.resourceVersion ?? null,
      o.lastEventId,
    ]);
    o.lastEventId = id;
    // The object row names its last event: written in the same transaction as the event.
    this.markUpdate(o, b);
  }

  private deriveState(s: ObjectStateInput, k: string, b: Builder): void {
    const at = s.at.getTime();
    if (at > this.maxEventAt) this.maxEventAt = at;
    const o = this.objectFor(k, s, at, b);
    let dirty = false;
    if (s.version && s.version !== o.version) {
      o.version = s.version;
      dirty = true;
    }
    if (s.uid) {
      if (o.uid && o.uid !== s.uid) this.replaced(o, at, s.resourceVersion, b);
      if (o.uid !== s.uid) {
        o.uid = s.uid;
        dirty = true;
      }
    }
    if (o.deletedAt !== null && s.status !== 'missing') {
      o.deletedAt = null;
      dirty = true;
    }
    if (o.status !== s.status) {
      o.status = s.status;
      o.statusAt = at;
      dirty = true;
      this.event(o, at, 'status', b, {
        status: s.status,
        ...(s.source !== undefined ? { source: s.source } : {}),
        ...(s.desiredRevision !== undefined ? { desiredRevision: s.desiredRevision } : {}),
        ...(s.resourceVersion !== undefined ? { resourceVersion: s.resourceVersion } : {}),
      });
    }
    switch (s.status) {
      case 'error':
        // The report could not be computed: what was drifting is unknown, keep episodes as they are.
        break;
      case 'in-sync':
      case 'unmanaged':
        this.closeAll(o, at, s.status, b);
        dirty = this.setDrifted(o, false, at, b) || dirty;
        break;
      case 'missing':
        this.closeAll(o, at, 'missing', b);
        dirty = this.setDrifted(o, true, at, b) || dirty;
        break;
      case 'drifted':
        this.applyChanges(o, s, at, b);
        dirty = this.setDrifted(o, true, at, b) || dirty;
        break;
    }
    if (dirty) this.markUpdate(o, b);
  }

  private replaced(o: ObjState, at: number, resourceVersion: string | undefined, b: Builder): void {
    this.closeAll(o, at, 'replaced', b);
    this.setDrifted(o, false, at, b);
    this.event(o, at, 'replaced', b, resourceVersion !== undefined ? { resourceVersion } : {});
  }

  private applyChanges(o: ObjState, s: ObjectStateInput, at: number, b: Builder): void {
    const stamp = ++this.stamp;
    const secretKind = o.group === '' && o.kind === 'Secret';
    const max = this.config.maxValueChars;
    for (const c of s.changes) {
      if (typeof c.path !== 'string' || !CHANGE_OPS.has(c.op)) continue;
      const secret = secretKind && isSecretValuePath(o.group, o.kind, c.path);
      const live = storeValueInto(this.liveScratch, c.live, secret, max);
      if (live.redactedHere) this.counters.redacted++;
      let ep = o.episodes.get(c.path);
      const d = c.desired;
      let desired: StoredValue;
      if (ep !== undefined && d === ep.desiredRaw && !secret && (typeof d === 'string' || typeof d === 'number' || typeof d === 'boolean')) {
        // The desired value rarely moves: the same primitive as the episode's last transition has
        // the same hash, and its JSON is only stored when the hash changes.
        desired = this.desiredScratch;
        desired.json = null;
        desired.hash = ep.desiredHash;
        desired.redactedHere = false;
      } else {
        desired = storeValueInto(this.desiredScratch, d, secret, max);
        if (desired.redactedHere) this.counters.redacted++;
      }
      const mgr = c.manager?.name;
      if (ep === undefined) {
        ep = this.openEpisode(o, c.path, at, s, b);
        ep.seen = stamp;
        this.emitTransition(ep, at, c, live, desired, true, b);
        this.fieldEvent(o, c.path, at, mgr, b);
        continue;
      }
      ep.seen = stamp;
      const valueChanged = ep.liveHash !== live.hash;
      const desiredChanged = ep.desiredHash !== desired.hash;
      if (valueChanged || desiredChanged || ep.op !== c.op || ep.manager !== mgr) {
        this.emitTransition(ep, at, c, live, desired, desiredChanged, b);
        if (valueChanged) this.fieldEvent(o, c.path, at, mgr, b);
      }
    }
    if (o.episodes.size > 0) {
      for (const ep of o.episodes.values()) if (ep.seen !== stamp) this.closeEpisode(o, ep, at, 'resolved', b);
    }
  }

  private openEpisode(o: ObjState, path: string, at: number, s: ObjectStateInput, b: Builder): EpState {
    const id = this.takeId('episodes');
    const ep: EpState = {
      id,
      path,
      lastTid: null,
      n: 0,
      liveHash: Number.NaN,
      desiredHash: Number.NaN,
      desiredRaw: undefined,
      op: '',
      manager: undefined,
      seen: 0,
      insertBatch: b.seq,
      insertAt: -1,
      headBatch: -1,
      headAt: -1,
      headDirty: false,
    };
    ep.insertAt = b.batch.rows.episodes.add([id, o.id, path, at, null, null, s.source ?? null, s.desiredRevision ?? null, null]);
    o.episodes.set(path, ep);
    this.counters.episodesOpened++;
    return ep;
  }

  private emitTransition(
    ep: EpState,
    at: number,
    c: FieldChangeInput,
    live: StoredValue,
    desired: StoredValue,
    desiredChanged: boolean,
    b: Builder,
  ): void {
    const tid = this.takeId('transitions');
    const m = c.manager;
    b.batch.rows.transitions.add([
      tid,
      ep.id,
      ep.lastTid,
      at,
      c.op,
      live.json,
      live.hash,
      desiredChanged ? desired.json : null,
      desired.hash,
      m?.name ?? null,
      m?.operation ?? null,
      m?.time ?? null,
    ]);
    ep.lastTid = tid;
    ep.n++;
    if (!ep.headDirty) {
      ep.headDirty = true;
      this.dirtyHeads.push(ep);
    }
    ep.liveHash = live.hash;
    ep.desiredHash = desired.hash;
    ep.desiredRaw = c.desired;
    ep.op = c.op;
    ep.manager = m?.name;
  }

  private pushHead(ep: EpState, b: Builder): void {
    ep.headDirty = false;
    if (ep.lastTid === null) return;
    const heads = b.batch.rows.episode_heads;
    if (ep.headBatch === b.seq) {
      heads.set(ep.headAt, 1, ep.lastTid);
      heads.set(ep.headAt, 2, ep.n);
    } else {
      ep.headBatch = b.seq;
      ep.headAt = heads.add([ep.id, ep.lastTid, ep.n]);
    }
  }

  /** Writes the heads of episodes with new transitions, and the watermark they are exact up to. */
  private checkpointHeads(b: Builder): void {
    for (const ep of this.dirtyHeads) if (ep.headDirty) this.pushHead(ep, b);
    this.dirtyHeads = [];
    b.batch.headsWatermark = this.ids.transitions.next - 1;
    this.lastHeadsCheckpoint = performance.now();
  }

  private closeEpisode(o: ObjState, ep: EpState, at: number, reason: CloseReason, b: Builder): void {
    o.episodes.delete(ep.path);
    // As for events: closes are chained in time order (an out-of-order report closes no earlier).
    const closedAt = Math.max(at, o.lastClosedAt);
    o.lastClosedAt = closedAt;
    // A closed episode's head is exact from its close on: readers add a tail for open ones only.
    if (ep.headDirty) this.pushHead(ep, b);
    if (ep.insertBatch === b.seq) {
      const rows = b.batch.rows.episodes;
      rows.set(ep.insertAt, 4, closedAt);
      rows.set(ep.insertAt, 5, reason);
      rows.set(ep.insertAt, 8, o.lastClosedId);
    } else {
      b.batch.episodeCloses.push({ id: ep.id, closedAt, reason, prevClosedId: o.lastClosedId });
    }
    o.lastClosedId = ep.id;
    this.markUpdate(o, b);
    this.counters.episodesClosed++;
    // The value went back to the desired one: a value change, by whoever wrote the object last.
    if (reason === 'resolved' || reason === 'in-sync') this.fieldEvent(o, ep.path, at, this.closer(o, at), b);
  }

  private closer(o: ObjState, at: number): string | undefined {
    const w = o.lastWrite;
    if (!w || Math.abs(at - w.at) > this.config.closeAttributionMs) return undefined;
    return w.manager;
  }

  private closeAll(o: ObjState, at: number, reason: CloseReason, b: Builder): void {
    if (o.episodes.size === 0) return;
    for (const ep of [...o.episodes.values()]) this.closeEpisode(o, ep, at, reason, b);
  }

  /** Object-level drift interval, counted in per-minute buckets for the chart. Returns true on change. */
  private setDrifted(o: ObjState, drifted: boolean, at: number, b: Builder): boolean {
    if ((o.driftedSince !== null) === drifted) return false;
    o.driftedSince = drifted ? at : null;
    const g = (o.chart ??= this.chartGroup(o));
    const side = drifted ? 4 : 5;
    const bucket = Math.floor(at / BASE_BUCKET_MS) * BASE_BUCKET_MS;
    const deltas = b.batch.rows.drift_deltas;
    const inMinute = rowsAt(b.deltaAt, bucket);
    let i = inMinute.get(g.delta);
    if (i === undefined) {
      i = deltas.add([bucket, o.cluster, o.namespace, o.kind, 0, 0]);
      inMinute.set(g.delta, i);
    }
    deltas.bump(i, side);
    // The hourly roll-up, one row per grouping a chart can ask for, per cluster and for all ('*').
    const hour = Math.floor(at / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;
    const rollup = b.batch.rows.drift_rollup;
    const inHour = rowsAt(b.rollupAt, hour);
    for (const r of g.rollup) {
      let j = inHour.get(r.key);
      if (j === undefined) {
        j = rollup.add([r.dim, r.scope, hour, r.value, 0, 0]);
        inHour.set(r.key, j);
      }
      rollup.bump(j, side);
    }
    return true;
  }

  private readonly chartGroups = new Map<string, ChartGroup>();

  private chartGroup(o: ObjState): ChartGroup {
    const delta = [o.cluster, o.namespace, o.kind].join('\u001f');
    let g = this.chartGroups.get(delta);
    if (g === undefined) {
      const rows: Array<{ dim: string; scope: string; value: string }> = [];
      for (const scope of [o.cluster, '*']) {
        rows.push({ dim: 'all', scope, value: '' }, { dim: 'namespace', scope, value: o.namespace }, { dim: 'kind', scope, value: o.kind });
      }
      rows.push({ dim: 'cluster', scope: '*', value: o.cluster });
      g = { delta, rollup: rows.map((r) => ({ ...r, key: [r.dim, r.scope, r.value].join('\u001f') })) };
      this.chartGroups.set(delta, g);
    }
    return g;
  }

  private deriveEvent(e: ObjectEventInput, k: string, b: Builder): void {
    const at = e.at.getTime();
    const o = this.objectFor(k, e.ref, at, b);
    const rv = e.resourceVersion !== undefined ? { resourceVersion: e.resourceVersion } : {};
    if (e.type === 'disappeared') {
      this.closeAll(o, at, 'deleted', b);
      this.setDrifted(o, false, at, b);
      o.deletedAt = at;
      this.event(o, at, 'disappeared', b, rv);
    } else if (e.type === 'undeclared') {
      this.closeAll(o, at, 'undeclared', b);
      this.setDrifted(o, false, at, b);
      // Gone since it disappeared, not since its manifest did: retention counts from then.
      o.deletedAt ??= at;
      this.event(o, at, 'undeclared', b, rv);
    } else {
      if (e.ref.uid && o.uid && o.uid !== e.ref.uid) this.replaced(o, at, e.resourceVersion, b);
      if (e.ref.uid) o.uid = e.ref.uid;
      // The drift state's version wins (an object compared in its manifest's version, not the one
      // its kind is watched in); a live write names one only for an object not seen before.
      if (e.ref.version && !o.version) o.version = e.ref.version;
      o.deletedAt = null;
      this.event(o, at, 'appeared', b, rv);
    }
    this.markUpdate(o, b);
  }

  private deriveFirstSync(sync: FirstSyncInput, candidates: readonly string[], b: Builder): void {
    for (const k of candidates) {
      const o = this.cache.get(k);
      if (o === undefined) continue;
      const kind = `${o.group}/${o.kind}`;
      // A record before this one may have told of it (seen again, or gone as it happened).
      if (sync.present.has(`${kind}/${o.namespace}/${o.name}`)) continue;
      const drifting = o.driftedSince !== null || o.episodes.size > 0;
      const ref: ObjectRef = { cluster: o.cluster, group: o.group, kind: o.kind, namespace: o.namespace, name: o.name };
      if (o.status === 'missing' || o.deletedAt !== null) {
        // Not live, and its manifest is not among what the dashboard has either.
        if (drifting) this.deriveEvent({ ref, type: 'undeclared', at: sync.at }, k, b);
        continue;
      }
      const watched = sync.listed.has(kind) && (o.namespace === '' || sync.namespaces === undefined || sync.namespaces.includes(o.namespace));
      if (watched) this.deriveEvent({ ref, type: 'disappeared', at: sync.at }, k, b);
      // Whether it still exists is not known, only that nothing compares it any more.
      else if (drifting) this.deriveState({ ...ref, version: o.version, at: sync.at, status: 'unmanaged', changes: [] }, k, b);
    }
  }

  private deriveRevision(r: DesiredRevisionInput, b: Builder): void {
    if (this.lastRevision.get(r.source) === r.revision) return;
    this.lastRevision.set(r.source, r.revision);
    b.batch.rows.desired_revisions.add([r.source, r.revision, r.at.getTime()]);
  }

  private derivePod(p: PodHealthInput, k: string, b: Builder): void {
    const at = p.at.getTime();
    const ref: ObjectRef = { cluster: p.cluster, group: '', version: 'v1', kind: 'Pod', namespace: p.namespace, name: p.name };
    if (p.uid !== undefined) ref.uid = p.uid;
    const o = this.objectFor(k, ref, at, b);
    b.batch.rows.pod_health.add([o.id, at, p.container ?? null, p.restarts, p.reason ?? null, p.message ?? null]);
  }

  private deriveWrite(w: ObjectWriteInput, k: string, b: Builder): void {
    const at = w.at.getTime();
    if (at > this.maxEventAt) this.maxEventAt = at;
    const o = this.objectFor(k, w.ref, at, b);
    b.batch.rows.object_writes.add([o.id, at, w.resourceVersion, w.specChanged ? 1 : 0, w.manager ?? null]);
    o.lastWrite = { at, manager: w.manager };
    if (!w.specChanged) {
      o.writes ??= new RateTracker(this.th.reconcileLoop.writes, this.th.reconcileLoop.windowMs);
      const u = o.writes.push(at, w.manager);
      if (u) this.noteFinding('reconcile-loop', o, '', u, b);
    }
  }

  private fieldEvent(o: ObjState, path: string, at: number, manager: string | undefined, b: Builder): void {
    o.fields ??= new Map();
    let fa = o.fields.get(path);
    if (fa === undefined) {
      fa = new FieldTrackers(this.th);
      o.fields.set(path, fa);
    }
    const u = fa.push(at, manager);
    if (u.flapping) this.noteFinding('flapping', o, path, u.flapping, b);
    if (u.fight) this.noteFinding('fight', o, path, u.fight, b);
  }

  /** Findings are written when a streak starts and then at most once per `findingWriteIntervalMs`. */
  private noteFinding(kind: FindingKind, o: ObjState, path: string, u: StreakUpdate, b: Builder): void {
    const key = `${kind}\u001f${o.id}\u001f${path}\u001f${u.streak.firstAt}`;
    let f = this.findings.get(key);
    if (!f) {
      f = { kind, objectId: o.id, path, update: u, writtenLastAt: Number.NEGATIVE_INFINITY, dirty: true };
      this.findings.set(key, f);
    }
    f.update = u;
    f.dirty = true;
    if (u.started || u.streak.lastAt - f.writtenLastAt >= this.config.findingWriteIntervalMs) this.emitFinding(f, b);
  }

  private emitFinding(f: FindingState, b: Builder): void {
    const s = f.update.streak;
    const key = `${f.kind}\u001f${f.objectId}\u001f${f.path}\u001f${s.firstAt}`;
    const rows = b.batch.rows.findings;
    const managers = JSON.stringify(s.managers);
    const i = b.findingAt.get(key);
    if (i === undefined) {
      b.findingAt.set(key, rows.add([f.kind, f.objectId, f.path, s.firstAt, s.lastAt, s.count, managers]));
    } else {
      rows.set(i, 4, s.lastAt);
      rows.set(i, 5, s.count);
      rows.set(i, 6, managers);
    }
    f.writtenLastAt = s.lastAt;
    f.dirty = false;
  }

  /** Forgets analysis state that can no longer matter (older than every window). */
  private sweep(): void {
    const horizon =
      this.maxEventAt -
      Math.max(this.th.flapping.windowMs, this.th.fight.windowMs, this.th.reconcileLoop.windowMs, this.config.findingWriteIntervalMs);
    for (const [key, f] of this.findings) {
      if (!f.dirty && f.update.streak.lastAt < horizon) this.findings.delete(key);
    }
    for (const o of this.cache.values()) {
      if (o.fields) {
        for (const [path, fa] of o.fields) if (fa.lastAt() < horizon) o.fields.delete(path);
        if (o.fields.size === 0) delete o.fields;
      }
      if (o.writes && o.writes.lastAt() < horizon) delete o.writes;
    }
    // Groups of namespaces that are gone would pile up; objects keep the group they hold.
    if (this.chartGroups.size > this.cache.size) this.chartGroups.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  async driftChart(q: ChartQuery): Promise<ChartResult> {
    checkDate(q.from, 'driftChart from');
    checkDate(q.to, 'driftChart to');
    if (!Number.isInteger(q.bucketMs) || q.bucketMs <= 0 || q.bucketMs % BASE_BUCKET_MS !== 0) {
      throw new RangeError(`driftChart: bucketMs must be a positive multiple of ${BASE_BUCKET_MS}`);
    }
    const groupBy = q.groupBy ?? 'none';
    // Whole-hour buckets without a namespace/kind filter read the hourly roll-up; their starts are
    // then clock hours. Anything else reads the per-minute table.
    const rollup = q.bucketMs % ROLLUP_BUCKET_MS === 0 && q.namespace === undefined && q.namespaceIn === undefined && q.kind === undefined;
    const align = rollup ? ROLLUP_BUCKET_MS : BASE_BUCKET_MS;
    const from = Math.floor(q.from.getTime() / align) * align;
    const to = q.to.getTime();
    if (to <= from) throw new RangeError('driftChart: to must be after from');
    const n = Math.ceil((to - from) / q.bucketMs);
    if (n > MAX_CHART_BUCKETS) throw new RangeError(`driftChart: at most ${MAX_CHART_BUCKETS} buckets (got ${n})`);
    type Agg = { i: number; g: string; o: number; c: number };
    let baseline: Array<{ g: string | null; a: number | null }>;
    let rows: Agg[];
    const minuteQuery = async (lo: number, hi: number, withBaseline: boolean) => {
      const dim = groupBy === 'none' ? undefined : groupBy;
      const filters: string[] = [];
      const fparams: unknown[] = [];
      for (const col of ['cluster', 'namespace', 'kind'] as const) {
        const v = q[col];
        if (v !== undefined) {
          filters.push(`AND ${col} = ?`);
          fparams.push(v);
        }
      }
      if (q.namespaceIn) {
        filters.push(`AND ${namespaceInSql('namespace', q.namespaceIn)}`);
        fparams.push(...q.namespaceIn);
      }
      const where = filters.join(' ');
      const g = dim ?? "'all'";
      const base = withBaseline
        ? await this.db.all<{ g: string | null; a: number | null }>(
            `SELECT ${g} AS g, SUM(opened) - SUM(closed) AS a FROM drift_deltas WHERE bucket < ? ${where}${dim ? ` GROUP BY ${dim}` : ''}`,
            [lo, ...fparams],
          )
        : [];
      const agg = await this.db.all<Agg>(
        `SELECT CAST((bucket - ?) / ? AS INTEGER) AS i, ${g} AS g, SUM(opened) AS o, SUM(closed) AS c FROM drift_deltas
         WHERE bucket >= ? AND bucket < ? ${where} GROUP BY i${dim ? `, ${dim}` : ''}`,
        [from, q.bucketMs, lo, hi, ...fparams],
      );
      return { base, agg };
    };
    if (rollup) {
      const dim = groupBy === 'none' ? 'all' : groupBy;
      const scope = groupBy === 'cluster' ? '*' : (q.cluster ?? '*');
      const valueFilter = groupBy === 'cluster' && q.cluster !== undefined ? ' AND value = ?' : '';
      const vparams = valueFilter ? [q.cluster] : [];
      const label = (g: string | null) => (dim === 'all' ? 'all' : g);
      baseline = (
        await this.db.all<{ g: string | null; a: number | null }>(
          `SELECT value AS g, SUM(opened) - SUM(closed) AS a FROM drift_rollup
           WHERE dim = ? AND scope = ? AND bucket < ?${valueFilter} GROUP BY value`,
          [dim, scope, from, ...vparams],
        )
      ).map((r) => ({ g: label(r.g), a: r.a }));
      // Whole hours from the roll-up; the hour `to` falls in, up to `to`, from the minute table.
      const toHour = Math.max(from, Math.floor(to / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS);
      rows = (
        await this.db.all<Agg>(
          `SELECT CAST((bucket - ?) / ? AS INTEGER) AS i, value AS g, SUM(opened) AS o, SUM(closed) AS c FROM drift_rollup
           WHERE dim = ? AND scope = ? AND bucket >= ? AND bucket < ?${valueFilter} GROUP BY i, value`,
          [from, q.bucketMs, dim, scope, from, toHour, ...vparams],
        )
      ).map((r) => ({ ...r, g: label(r.g) ?? '' }));
      if (toHour < to) rows.push(...(await minuteQuery(toHour, to, false)).agg);
    } else {
      const r = await minuteQuery(from, to, true);
      baseline = r.base;
      rows = r.agg;
    }
    const series = new Map<string, ChartSeries & { base: number }>();
    const get = (group: string) => {
      let s = series.get(group);
      if (!s) {
        s = { group, base: 0, drifted: new Array<number>(n).fill(0), opened: new Array<number>(n).fill(0), closed: new Array<number>(n).fill(0) };
        series.set(group, s);
      }
      return s;
    };
    for (const r of baseline) if (r.a !== null && r.g !== null) get(r.g).base += Number(r.a);
    for (const r of rows) {
      const s = get(r.g);
      const i = Math.floor(Number(r.i));
      if (i < 0 || i >= n) continue;
      s.opened[i] = (s.opened[i] ?? 0) + Number(r.o);
      s.closed[i] = (s.closed[i] ?? 0) + Number(r.c);
    }
    const out: ChartSeries[] = [];
    for (const s of [...series.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))) {
      let running = s.base;
      let any = running !== 0;
      for (let i = 0; i < n; i++) {
        running += (s.opened[i] ?? 0) - (s.closed[i] ?? 0);
        s.drifted[i] = running;
        if (running !== 0 || (s.opened[i] ?? 0) !== 0) any = true;
      }
      if (any) out.push({ group: s.group, drifted: s.drifted, opened: s.opened, closed: s.closed });
    }
    const buckets: Date[] = [];
    for (let i = 0; i < n; i++) buckets.push(new Date(from + i * q.bucketMs));
    return { bucketMs: q.bucketMs, buckets, series: out };
  }

  async objectHistory(ref: ObjectRef, q: HistoryQuery = {}): Promise<ObjectHistory | undefined> {
    const from = q.from?.getTime() ?? 0;
    const to = q.to?.getTime() ?? Number.MAX_SAFE_INTEGER;
    const limit = q.limit ?? 500;
    const tlimit = q.transitionLimit ?? 200;
    const d = this.db.dialect;
    const [obj] = await this.db.all<{
      id: number;
      cluster: string;
      grp: string;
      kind: string;
      namespace: string;
      name: string;
      version: string;
      uid: string | null;
      status: string | null;
      drifted_since: number | null;
      deleted_at: number | null;
      first_seen: number;
    }>(
      'SELECT id, cluster, grp, kind, namespace, name, version, uid, status, drifted_since, deleted_at, first_seen FROM objects WHERE key = ?',
      [objectKey(ref)],
    );
    if (!obj) return undefined;
    const eps = await this.db.all<{
      id: number;
      path: string;
      opened_at: number;
      closed_at: number | null;
      close_reason: string | null;
      source: string | null;
      desired_revision: string | null;
      last_tid: number | null;
      n: number | null;
    }>(
      // Heads of open episodes lag by their transitions above the watermark (heads.ts): added here,
      // in the same statement, so a checkpoint committing meanwhile cannot count them twice. The
      // upper bound (every id handed out is below it) makes it a range, which PostgreSQL plans as
      // a primary-key scan even before the table has statistics (one bound alone: a full scan).
      // Closed episodes come from the object's chain, newest close first, down to the window's
      // start; open ones from the partial index episodes_open (migrations.ts v4). The chain's head
      // is read in this statement: read before it, a batch committed in between could close an
      // episode that neither half would then see. The depth bound guards against a cycle.
      `WITH RECURSIVE closed AS (
         SELECT id, path, opened_at, closed_at, close_reason, source, desired_revision, prev_closed_id, 1 AS depth FROM episodes
         WHERE id = (SELECT last_closed_id FROM objects WHERE id = ?)
         UNION ALL
         SELECT e.id, e.path, e.opened_at, e.closed_at, e.close_reason, e.source, e.desired_revision, e.prev_closed_id, c.depth + 1
         FROM closed c JOIN episodes e ON e.id = c.prev_closed_id WHERE c.closed_at >= ? AND c.depth < ?
       ), eps AS (
         SELECT id, path, opened_at, closed_at, close_reason, source, desired_revision FROM (
           SELECT id, path, opened_at, closed_at, close_reason, source, desired_revision FROM closed WHERE closed_at >= ? AND opened_at < ?
           UNION ALL
           SELECT id, path, opened_at, closed_at, close_reason, source, desired_revision FROM episodes
           WHERE object_id = ? AND closed_at IS NULL AND opened_at < ?
         ) u
         ORDER BY opened_at DESC, id DESC LIMIT ?
       ), tail AS (
         SELECT t.episode_id, MAX(t.id) AS last_tid, COUNT(*) AS n FROM transitions t
         WHERE t.id > ${HEADS_WATERMARK_SQL} AND t.id < (SELECT next FROM id_blocks WHERE name = 'transitions')
           AND t.episode_id IN (SELECT id FROM eps WHERE closed_at IS NULL)
         GROUP BY t.episode_id
       )
       SELECT e.id, e.path, e.opened_at, e.closed_at, e.close_reason, e.source, e.desired_revision,
         COALESCE(tail.last_tid, h.last_tid) AS last_tid, COALESCE(h.n, 0) + COALESCE(tail.n, 0) AS n
       FROM eps e LEFT JOIN episode_heads h ON h.episode_id = e.id LEFT JOIN tail ON tail.episode_id = e.id
       ORDER BY e.opened_at DESC, e.id DESC`,
      [obj.id, from, MAX_CHAIN_WALK, from, to, obj.id, to, limit],
    );
    const heads = eps.map((e) => e.last_tid).filter((x): x is number => x !== null);
    const byEpisode = new Map<number, TransitionRecord[]>();
    if (heads.length > 0) {
      const cols = 't.id, t.episode_id, t.prev_id, t.at, t.op, t.live_json, t.live_hash, t.desired_json, t.desired_hash, t.manager, t.operation, t.manager_time';
      const trs = await this.db.all<{
        id: number;
        episode_id: number;
        at: number;
        op: string;
        live_json: string | null;
        live_hash: number;
        desired_json: string | null;
        desired_hash: number;
        manager: string | null;
        operation: string | null;
        manager_time: string | null;
      }>(
        `WITH RECURSIVE chain AS (
           SELECT ${cols}, CASE WHEN t.at < ? THEN 1 ELSE 0 END AS cnt FROM transitions t WHERE ${inList(d, 't.id')}
           UNION ALL
           SELECT ${cols}, c.cnt + CASE WHEN t.at < ? THEN 1 ELSE 0 END
           FROM chain c JOIN transitions t ON t.id = c.prev_id WHERE c.cnt < ? AND c.at >= ?
         )
         SELECT id, episode_id, at, op, live_json, live_hash, desired_json, desired_hash, manager, operation, manager_time
         FROM chain WHERE at >= ? AND at < ?`,
        [to, listParam(d, heads), to, tlimit, from, from, to],
      );
      trs.sort((a, b) => a.id - b.id);
      for (const t of trs) {
        let list = byEpisode.get(t.episode_id);
        if (!list) byEpisode.set(t.episode_id, (list = []));
        const rec: TransitionRecord = {
          at: new Date(t.at),
          op: t.op as TransitionRecord['op'],
          liveHash: hashToHex(t.live_hash),
          desiredHash: hashToHex(t.desired_hash),
        };
        if (t.live_json !== null) rec.live = parseStored(t.live_json);
        if (t.desired_json !== null) rec.desired = parseStored(t.desired_json);
        if (t.manager !== null) {
          rec.manager = { name: t.manager, operation: t.operation ?? '' };
          if (t.manager_time !== null) rec.manager.time = t.manager_time;
        }
        list.push(rec);
      }
    }
    const range = [obj.id, from, to, limit];
    // The object's chain of events, newest first, down to the window's start or `limit` events
    // before its end (an object's events are recorded in time order, see event()). Ids only go
    // down along it, so it cannot cycle.
    const events = await this.db.all<{
      at: number;
      type: string;
      status: string | null;
      source: string | null;
      desired_revision: string | null;
      resource_version: string | null;
    }>(
      `WITH RECURSIVE chain AS (
         SELECT id, prev_id, at, type, status, source, desired_revision, resource_version, CASE WHEN at < ? THEN 1 ELSE 0 END AS cnt
         FROM object_events WHERE id = (SELECT last_event_id FROM objects WHERE id = ?)
         UNION ALL
         SELECT e.id, e.prev_id, e.at, e.type, e.status, e.source, e.desired_revision, e.resource_version, c.cnt + CASE WHEN e.at < ? THEN 1 ELSE 0 END
         FROM chain c JOIN object_events e ON e.id = c.prev_id WHERE c.cnt < ? AND c.at >= ?
       )
       SELECT at, type, status, source, desired_revision, resource_version FROM chain WHERE at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?`,
      [to, obj.id, to, limit, from, from, to, limit],
    );
    const pods = await this.db.all<{ at: number; container: string | null; restarts: number; reason: string | null; message: string | null }>(
      'SELECT at, container, restarts, reason, message FROM pod_health WHERE object_id = ? AND at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?',
      range,
    );
    const writes = await this.db.all<{ at: number; resource_version: string | null; spec_changed: number; manager: string | null }>(
      'SELECT at, resource_version, spec_changed, manager FROM object_writes WHERE object_id = ? AND at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?',
      range,
    );
    const objRef = { cluster: obj.cluster, group: obj.grp, kind: obj.kind, namespace: obj.namespace, name: obj.name };
    const findings = await this.db.all<FindingRow>(
      `SELECT kind, path, first_at, last_at, count, managers FROM findings WHERE object_id = ? AND last_at >= ? AND first_at < ?
       ORDER BY last_at DESC LIMIT ?`,
      range,
    );
    const optional = <K extends string, V>(key: K, v: V | null): { [P in K]?: V } =>
      (v === null ? {} : { [key]: v }) as { [P in K]?: V };
    return {
      object: {
        ...objRef,
        version: obj.version,
        ...optional('uid', obj.uid),
        ...optional('status', obj.status as ObjectStatus | null),
        drifted: obj.drifted_since !== null,
        deleted: obj.deleted_at !== null,
        firstSeen: new Date(obj.first_seen),
      },
      episodes: eps.reverse().map((e) => ({
        id: e.id,
        path: e.path,
        openedAt: new Date(e.opened_at),
        ...(e.closed_at !== null ? { closedAt: new Date(e.closed_at) } : {}),
        ...optional('closeReason', e.close_reason as CloseReason | null),
        ...optional('source', e.source),
        ...optional('desiredRevision', e.desired_revision),
        transitionCount: e.n ?? 0,
        transitions: (byEpisode.get(e.id) ?? []).slice(-tlimit),
      })),
      events: events.reverse().map((e) => ({
        at: new Date(e.at),
        type: e.type as ObjectEventType,
        ...optional('status', e.status as ObjectStatus | null),
        ...optional('source', e.source),
        ...optional('desiredRevision', e.desired_revision),
        ...optional('resourceVersion', e.resource_version),
      })),
      podHealth: pods.reverse().map((p) => ({
        at: new Date(p.at),
        restarts: p.restarts,
        ...optional('container', p.container),
        ...optional('reason', p.reason),
        ...optional('message', p.message),
      })),
      writes: writes.reverse().map((w) => ({
        at: new Date(w.at),
        specChanged: w.spec_changed !== 0,
        ...optional('resourceVersion', w.resource_version),
        ...optional('manager', w.manager),
      })),
      findings: findings.map((f) => toFinding(f, objRef)),
    };
  }

  async listFindings(q: FindingsQuery = {}): Promise<FindingRecord[]> {
    const where: string[] = ['f.last_at >= ?', 'f.first_at < ?'];
    const params: unknown[] = [q.from?.getTime() ?? 0, q.to?.getTime() ?? Number.MAX_SAFE_INTEGER];
    if (q.kind) {
      where.push('f.kind = ?');
      params.push(q.kind);
    }
    if (q.cluster !== undefined) {
      where.push('o.cluster = ?');
      params.push(q.cluster);
    }
    if (q.namespace !== undefined) {
      where.push('o.namespace = ?');
      params.push(q.namespace);
    }
    if (q.namespaceIn) {
      where.push(namespaceInSql('o.namespace', q.namespaceIn));
      params.push(...q.namespaceIn);
    }
    params.push(q.limit ?? 500);
    const rows = await this.db.all<FindingRow & { cluster: string; grp: string; okind: string; namespace: string; name: string }>(
      `SELECT f.kind, f.path, f.first_at, f.last_at, f.count, f.managers, o.cluster, o.grp, o.kind AS okind, o.namespace, o.name
       FROM findings f JOIN objects o ON o.id = f.object_id WHERE ${where.join(' AND ')}
       ORDER BY f.last_at DESC LIMIT ?`,
      params,
    );
    return rows.map((r) => toFinding(r, { cluster: r.cluster, group: r.grp, kind: r.okind, namespace: r.namespace, name: r.name }));
  }

  async listDesiredRevisions(source: string, limit = 100): Promise<Array<{ revision: string; at: Date }>> {
    const rows = await this.db.all<{ revision: string; at: number }>(
      'SELECT revision, at FROM desired_revisions WHERE source = ? ORDER BY at DESC, id DESC LIMIT ?',
      [source, limit],
    );
    return rows.map((r) => ({ revision: r.revision, at: new Date(r.at) }));
  }

  // ---------------------------------------------------------------------------------------------
  // Share snapshots: small, rare and read back at once, so written directly rather than queued.

  async saveSnapshot(snapshot: SnapshotRecordInput): Promise<void> {
    if (!this.accepting) throw new Error('history store is closed');
    await insertSnapshot(this.db, snapshot);
  }

  getSnapshot(idHash: string): Promise<SnapshotRecord | undefined> {
    return selectSnapshot(this.db, idHash);
  }

  async revokeSnapshot(idHash: string, at: Date): Promise<SnapshotRevocation | undefined> {
    if (!this.accepting) throw new Error('history store is closed');
    checkDate(at, 'revokeSnapshot');
    return revokeSnapshotRow(this.db, idHash, at);
  }

  // ---------------------------------------------------------------------------------------------
  // Retention

  runRetention(now: Date = new Date()): Promise<RetentionResult> {
    if (this.retentionRun) return this.retentionRun;
    const run = this.retention(now.getTime() - this.config.retention.maxAgeMs, now).finally(() => {
      this.retentionRun = undefined;
    });
    this.retentionRun = run;
    return run;
  }

  private async retention(cutoff: number, now: Date): Promise<RetentionResult> {
    const { batchRows, pauseMs } = this.config.retention;
    const deleted: Record<string, number> = {};
    const pause = () => (pauseMs > 0 ? sleep(pauseMs) : tick());
    const d = this.db.dialect;

    // Append-only tables: walk by id (ids grow with time), a bounded range per statement.
    for (const table of ['transitions', 'object_events', 'object_writes', 'pod_health', 'desired_revisions']) {
      let n = 0;
      let lo = Number.MIN_SAFE_INTEGER;
      for (;;) {
        if (this.closing) break;
        const [r] = await this.db.all<{ hi: number | null; old: number | null }>(
          `SELECT MAX(id) AS hi, SUM(CASE WHEN at < ? THEN 1 ELSE 0 END) AS old
           FROM (SELECT id, at FROM ${table} WHERE id >= ? ORDER BY id LIMIT ?) s`,
          [cutoff, lo, batchRows],
        );
        if (!r || r.hi === null || !r.old) break;
        n += await this.db.run(`DELETE FROM ${table} WHERE id >= ? AND id <= ? AND at < ?`, [lo, r.hi, cutoff]);
        lo = r.hi + 1;
        await pause();
      }
      deleted[table] = n;
    }

    let n = 0;
    for (;;) {
      if (this.closing) break;
      const ids = (
        await this.db.all<{ id: number }>('SELECT id FROM episodes WHERE closed_at < ? ORDER BY closed_at LIMIT ?', [cutoff, batchRows])
      ).map((r) => r.id);
      if (ids.length === 0) break;
      const p = listParam(d, ids);
      await this.db.transaction([
        [`DELETE FROM episode_heads WHERE ${inList(d, 'episode_id')}`, [p]],
        [`DELETE FROM episodes WHERE ${inList(d, 'id')}`, [p]],
      ]);
      n += ids.length;
      await pause();
    }
    deleted.episodes = n;

    n = 0;
    for (;;) {
      if (this.closing) break;
      const k = await this.db.run('DELETE FROM findings WHERE id IN (SELECT id FROM findings WHERE last_at < ? ORDER BY last_at LIMIT ?)', [
        cutoff,
        batchRows,
      ]);
      n += k;
      if (k === 0) break;
      await pause();
    }
    deleted.findings = n;

    // Chart buckets: fold what ages out into the carry row (bucket 0) so running totals stay right.
    const cutoffBucket = Math.floor(cutoff / BASE_BUCKET_MS) * BASE_BUCKET_MS;
    n = 0;
    for (;;) {
      if (this.closing) break;
      const [r] = await this.db.all<{ hi: number | null }>(
        'SELECT MAX(bucket) AS hi FROM (SELECT bucket FROM drift_deltas WHERE bucket > 0 AND bucket < ? ORDER BY bucket LIMIT ?) s',
        [cutoffBucket, batchRows],
      );
      if (!r || r.hi === null) break;
      n += await this.db.transaction([
        [
          `INSERT INTO drift_deltas (bucket, cluster, namespace, kind, opened, closed)
           SELECT 0, cluster, namespace, kind, SUM(opened), SUM(closed) FROM drift_deltas WHERE bucket > 0 AND bucket <= ?
           GROUP BY cluster, namespace, kind
           ON CONFLICT (bucket, cluster, namespace, kind) DO UPDATE SET opened = drift_deltas.opened + excluded.opened, closed = drift_deltas.closed + excluded.closed`,
          [r.hi],
        ],
        ['DELETE FROM drift_deltas WHERE bucket > 0 AND bucket <= ?', [r.hi]],
      ]);
      await pause();
    }
    deleted.drift_deltas = n;

    const cutoffHour = Math.floor(cutoff / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;
    n = 0;
    for (;;) {
      if (this.closing) break;
      const [r] = await this.db.all<{ hi: number | null }>(
        'SELECT MAX(bucket) AS hi FROM (SELECT bucket FROM drift_rollup WHERE bucket > 0 AND bucket < ? ORDER BY bucket LIMIT ?) s',
        [cutoffHour, batchRows],
      );
      if (!r || r.hi === null) break;
      n += await this.db.transaction([
        [
          `INSERT INTO drift_rollup (dim, scope, bucket, value, opened, closed)
           SELECT dim, scope, 0, value, SUM(opened), SUM(closed) FROM drift_rollup WHERE bucket > 0 AND bucket <= ?
           GROUP BY dim, scope, value
           ON CONFLICT (dim, scope, bucket, value) DO UPDATE SET opened = drift_rollup.opened + excluded.opened, closed = drift_rollup.closed + excluded.closed`,
          [r.hi],
        ],
        ['DELETE FROM drift_rollup WHERE bucket > 0 AND bucket <= ?', [r.hi]],
      ]);
      await pause();
    }
    deleted.drift_rollup = n;

    // Objects deleted before the cutoff, unless the pipeline has seen them again since, or they are
    // still drifting: a deleted object still declared is `missing`, counted in the chart until it
    // is re-created or undeclared, so its row stays to close that count.
    n = 0;
    for (;;) {
      if (this.closing) break;
      const rows = await this.db.all<{ id: number; key: string }>(
        'SELECT id, key FROM objects WHERE deleted_at IS NOT NULL AND deleted_at < ? AND drifted_since IS NULL ORDER BY deleted_at LIMIT ?',
        [cutoff, batchRows],
      );
      if (rows.length === 0) break;
      // In the write chain: no batch derived from a cached object is written after its row is gone.
      const step = this.writeChain.then(async () => {
        const ids: number[] = [];
        for (const r of rows) {
          const o = this.cache.get(r.key);
          if (o && (o.deletedAt === null || o.episodes.size > 0 || o.driftedSince !== null)) continue;
          this.cache.delete(r.key);
          ids.push(r.id);
        }
        if (ids.length === 0) return 0;
        return this.db.run(`DELETE FROM objects WHERE ${inList(d, 'id')} AND deleted_at < ? AND drifted_since IS NULL`, [listParam(d, ids), cutoff]);
      });
      this.writeChain = step.then(
        () => undefined,
        () => undefined,
      );
      const k = await step;
      n += k;
      if (rows.length < batchRows || k === 0) break;
      await pause();
    }
    deleted.objects = n;
    deleted.snapshot_payloads = this.closing ? 0 : await purgeSnapshotPayloads(this.db, now);
    const result = { cutoff: new Date(cutoff), deleted };
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    if (total > 0) this.log(`history retention removed ${total} rows older than ${result.cutoff.toISOString()}`);
    return result;
  }
}

interface FindingRow {
  kind: string;
  path: string;
  first_at: number;
  last_at: number;
  count: number;
  managers: string;
}

function toFinding(f: FindingRow, object: FindingRecord['object']): FindingRecord {
  let managers: string[] = [];
  try {
    const parsed = JSON.parse(f.managers) as unknown;
    if (Array.isArray(parsed)) managers = parsed.filter((m): m is string => typeof m === 'string');
  } catch {
    managers = [];
  }
  return {
    kind: f.kind as FindingKind,
    object,
    path: f.path,
    firstAt: new Date(f.first_at),
    lastAt: new Date(f.last_at),
    count: f.count,
    managers,
  };
}

/** `col IN (?, …)` for a namespace allow-list; an empty list matches nothing. */
function namespaceInSql(col: string, namespaces: readonly string[]): string {
  return namespaces.length === 0 ? '1 = 0' : `${col} IN (${namespaces.map(() => '?').join(', ')})`;
}
