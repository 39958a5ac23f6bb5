import { randomBytes } from 'node:crypto';
import type { DriftChange, DriftEvent } from './types';

/**
 * Called with each event and its JSON (computed once, on first use, for every listener and the
 * replay buffer together).
 */
export type EventListener = (event: DriftEvent, json: () => string) => void;

/** A kept event: its sequence number, cluster and JSON (the SSE data line). */
export interface EncodedEvent {
  seq: number;
  cluster: string;
  /** For per-user namespace scoping of streams ('' for cluster-scoped objects). */
  namespace: string;
  json: string;
}

/**
 * Numbers drift changes and keeps the most recent ones, so a stream client that reconnects with
 * Last-Event-ID gets exactly what it missed — or learns that it fell too far behind and must
 * reload the state (`since` returns undefined).
 *
 * Kept events are their JSON, not the objects: an event's state object is replaced in the tracker
 * at the next change, and keeping the objects would pin every superseded state. Events before
 * `retain()` is called (the initial sync: one per object) go to listeners but are not kept: a
 * client that connects later reads the list API first and resumes from its lastEventId.
 */
export class EventLog {
  private readonly buffer: (EncodedEvent | undefined)[];
  private next = 1;
  /** The first sequence number kept; events before it were never kept. */
  private firstKept = Infinity;
  private readonly listeners = new Set<EventListener>();
  private clientCount = 0;
  /**
   * Sequence numbers restart with the process; the epoch tells a client its id is from another run.
   * The time alone is not enough: replicas behind one Service can start in the same millisecond,
   * and a reconnect landing on the other one would replay its unrelated events as the missed ones.
   * Base 36 and hex keep it within the `[a-z0-9]+` resume ids are parsed with.
   */
  readonly epoch = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;

  constructor(
    readonly capacity = 50_000,
    opts: { retain?: boolean } = {},
  ) {
    this.buffer = new Array<EncodedEvent | undefined>(capacity);
    if (opts.retain !== false) this.firstKept = 1;
  }

  /** Starts keeping events for replay (a no-op when already keeping them). */
  retain(): void {
    if (this.firstKept === Infinity) this.firstKept = this.next;
  }

  get retaining(): boolean {
    return this.firstKept !== Infinity;
  }

  append(change: DriftChange): DriftEvent {
    const event = { ...change, seq: this.next++ } as DriftEvent;
    let json: string | undefined;
    const encode = () => (json ??= JSON.stringify(event));
    if (event.seq >= this.firstKept) {
      this.buffer[event.seq % this.capacity] = { seq: event.seq, cluster: event.type === 'upsert' ? event.state.cluster : event.cluster, namespace: namespaceOfEvent(event), json: encode() };
    }
    for (const l of this.listeners) {
      try {
        l(event, encode);
      } catch (err) {
        console.error('drift event listener failed:', err);
      }
    }
    return event;
  }

  /** The sequence number of the newest event, 0 before any. */
  get lastSeq(): number {
    return this.next - 1;
  }

  /**
   * Events after `seq`, oldest first, as kept; undefined when some of them are not kept (any more),
   * or when `seq` is beyond the newest event (an id this log never gave out).
   */
  sinceEncoded(seq: number): EncodedEvent[] | undefined {
    if (seq > this.lastSeq) return undefined;
    if (seq === this.lastSeq) return [];
    const oldestKept = Math.max(1, this.firstKept, this.next - this.capacity);
    if (seq + 1 < oldestKept) return undefined;
    const out: EncodedEvent[] = [];
    for (let s = seq + 1; s < this.next; s++) {
      const e = this.buffer[s % this.capacity];
      if (e && e.seq === s) out.push(e);
    }
    return out;
  }

  /** Events after `seq`, oldest first; undefined when some of them are not kept (any more). */
  since(seq: number): DriftEvent[] | undefined {
    return this.sinceEncoded(seq)?.map((e) => JSON.parse(e.json) as DriftEvent);
  }

  /** A listener is not a client: a connected /api/v1/stream counts itself with openClient(). */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Counts a connected /api/v1/stream until the returned function is called (once; later calls do
   * nothing). Apart from `subscribe` because a client cut off for reading too slowly stops
   * receiving events at once but stays connected, and counted, until its connection ends.
   */
  openClient(): () => void {
    this.clientCount++;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.clientCount--;
    };
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Connected stream clients (the history recorder and other listeners of the server's own left out). */
  get clients(): number {
    return this.clientCount;
  }
}

/** An event's namespace: the state's, or for a delete the fourth part of its id (cluster/group/kind/namespace/name). */
export function namespaceOfEvent(e: DriftEvent): string {
  return e.type === 'upsert' ? e.state.namespace : (e.id.split('/')[3] ?? '');
}
