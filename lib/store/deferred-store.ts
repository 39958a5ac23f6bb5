/**
 * A history store that opens when asked to, not when created. The dashboard's first sync of a large
 * cluster runs on the same thread as the store's work: opening the database, loading each object's
 * last state and deriving and writing its first record (0.5–0.6 s and ~80 MiB at 15,000 objects in
 * bench:live). Records made before the store is open are kept in order and handed to it once it
 * is; a query, a flush or close opens it at once. So the drift state is complete first, and the
 * history catches up right after.
 */
import { zeroCounters } from './store-core';
import type {
  ChartQuery,
  ChartResult,
  DesiredRevisionInput,
  DriftStore,
  FindingRecord,
  FirstSyncInput,
  FindingsQuery,
  HistoryQuery,
    ObjectEventInput,
  ObjectHistory,
  ObjectRef,
  ObjectStateInput,
  ObjectWriteInput,
  PodHealthInput,
  RetentionResult,
  SnapshotRecord,
  SnapshotRecordInput,
  SnapshotRevocation,
  StoreStats,
} from './types';

type Held =
  | { m: 'recordObjectState'; v: ObjectStateInput }
  | { m: 'recordObjectEvent'; v: ObjectEventInput }
  | { m: 'recordDesiredRevision'; v: DesiredRevisionInput }
  | { m: 'recordPodHealth'; v: PodHealthInput }
  | { m: 'recordObjectWrite'; v: ObjectWriteInput }
  | { m: 'recordFirstSync'; v: FirstSyncInput };

export interface DeferredStoreOptions {
  /** Records held before the store opens itself anyway (a first sync that never ends must not grow without bound). */
  maxHeld?: number;
  /** Where a record the store refused at hand-over is reported (it would have thrown at record time). */
  log?: (message: string) => void;
  /** Told once if the store cannot open (whoever asked it to). */
  onOpenError?: (err: unknown) => void;
  /** Held records handed over per transaction once open. Default 2,000. */
  handOverSlice?: number;
}

const DEFAULT_MAX_HELD = 200_000;

export class DeferredStore implements DriftStore {
  private held: Held[] = [];
  private opening: Promise<DriftStore> | undefined;
  private inner: DriftStore | undefined;
  private failure: string | undefined;
  private readonly maxHeld: number;
  private readonly log: (message: string) => void;
  private readonly onOpenError: ((err: unknown) => void) | undefined;
  private readonly handOverSlice: number;

  constructor(
    readonly backend: 'sqlite' | 'postgres',
    private readonly openInner: () => Promise<DriftStore>,
    options: DeferredStoreOptions = {},
  ) {
    this.maxHeld = options.maxHeld ?? DEFAULT_MAX_HELD;
    this.log = options.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.onOpenError = options.onOpenError;
    this.handOverSlice = Math.max(1, options.handOverSlice ?? 2_000);
  }

  /**
   * Opens the store (once) and hands it the records held so far (and those made meanwhile);
   * resolves when they are written, so that a query never misses what was recorded before it.
   * Rejects with why it could not open.
   */
  open(): Promise<DriftStore> {
    this.opening ??= this.openInner().then(
      async (store) => {
        // In slices, each written before the next: handed over at once, a first sync's records
        // made one transaction, built and copied to the writer whole (a peak of tens of MiB on
        // top of everything else). Records made meanwhile queue behind them, in order.
        while (this.held.length > 0) {
          for (const h of this.held.splice(0, this.handOverSlice)) this.forward(store, h);
          // A failed write is the store's to retry and report (stats, log); the store itself is open.
          await store.flush().catch(() => undefined);
        }
        this.inner = store;
        return store;
      },
      (err: unknown) => {
        this.failure = err instanceof Error ? err.message : String(err);
        // Nothing will take them: keeping them would only hold memory.
        this.held = [];
        this.onOpenError?.(err);
        throw err;
      },
    );
    return this.opening;
  }

  /** Why the store could not open, once it has tried and failed. */
  get error(): string | undefined {
    return this.failure;
  }

  get isOpen(): boolean {
    return this.inner !== undefined;
  }

  private forward(store: DriftStore, h: Held): void {
    try {
      switch (h.m) {
        case 'recordObjectState':
          return store.recordObjectState(h.v);
        case 'recordObjectEvent':
          return store.recordObjectEvent(h.v);
        case 'recordDesiredRevision':
          return store.recordDesiredRevision(h.v);
        case 'recordPodHealth':
          return store.recordPodHealth(h.v);
        case 'recordObjectWrite':
          return store.recordObjectWrite(h.v);
        case 'recordFirstSync':
          return store.recordFirstSync(h.v);
      }
    } catch (err) {
      this.log(`history store: a record made before it opened was refused (${h.m}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private hold(h: Held): void {
    if (this.inner) return this.forward(this.inner, h);
    if (this.failure !== undefined) return;
    this.held.push(h);
    if (this.held.length >= this.maxHeld) this.open().catch(() => undefined);
  }

  recordObjectState(v: ObjectStateInput): void {
    this.hold({ m: 'recordObjectState', v });
  }
  recordObjectEvent(v: ObjectEventInput): void {
    this.hold({ m: 'recordObjectEvent', v });
  }
  recordDesiredRevision(v: DesiredRevisionInput): void {
    this.hold({ m: 'recordDesiredRevision', v });
  }
  recordPodHealth(v: PodHealthInput): void {
    this.hold({ m: 'recordPodHealth', v });
  }
  recordObjectWrite(v: ObjectWriteInput): void {
    this.hold({ m: 'recordObjectWrite', v });
  }
  recordFirstSync(v: FirstSyncInput): void {
    this.hold({ m: 'recordFirstSync', v });
  }

  async flush(): Promise<void> {
    await (await this.open()).flush();
  }

  /** Opens the store if records are waiting for it (they are written, as with any close); else only closes what is open. */
  async close(): Promise<void> {
    if (!this.opening && this.held.length === 0) return;
    let store: DriftStore;
    try {
      store = await this.open();
    } catch {
      // It never opened (reported when it failed): nothing to close.
      return;
    }
    await store.close();
  }

  stats(): StoreStats {
    if (this.inner) return this.inner.stats();
    return {
      backend: this.backend,
      queued: this.held.length,
      pendingBatches: 0,
      ...zeroCounters(),
      ...(this.failure !== undefined ? { lastError: this.failure } : {}),
      cachedObjects: 0,
    };
  }

  async driftChart(query: ChartQuery): Promise<ChartResult> {
    return (await this.open()).driftChart(query);
  }
  async objectHistory(ref: ObjectRef, query?: HistoryQuery): Promise<ObjectHistory | undefined> {
    return (await this.open()).objectHistory(ref, query);
  }
  async listFindings(query?: FindingsQuery): Promise<FindingRecord[]> {
    return (await this.open()).listFindings(query);
  }
  async listDesiredRevisions(source: string, limit?: number): Promise<Array<{ revision: string; at: Date }>> {
    return (await this.open()).listDesiredRevisions(source, limit);
  }
  async runRetention(now?: Date): Promise<RetentionResult> {
    return (await this.open()).runRetention(now);
  }
  async saveSnapshot(snapshot: SnapshotRecordInput): Promise<void> {
    return (await this.open()).saveSnapshot(snapshot);
  }
  async getSnapshot(idHash: string): Promise<SnapshotRecord | undefined> {
    return (await this.open()).getSnapshot(idHash);
  }
  async revokeSnapshot(idHash: string, at: Date): Promise<SnapshotRevocation | undefined> {
    return (await this.open()).revokeSnapshot(idHash, at);
  }
}
