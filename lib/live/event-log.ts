import type { DriftChange, DriftEvent } from './types';

export type EventListener = (event: DriftEvent) => void;

/**
 * Numbers drift changes and keeps the most recent ones, so a stream client that reconnects with
 * Last-Event-ID gets exactly what it missed — or learns that it fell too far behind and must
 * reload the state (`since` returns undefined).
 */
export class EventLog {
  private readonly buffer: (DriftEvent | undefined)[];
  private next = 1;
  private readonly listeners = new Set<EventListener>();
  /** Sequence numbers restart with the process; the epoch tells a client its id is from another run. */
  readonly epoch = Date.now().toString(36);

  constructor(readonly capacity = 50_000) {
    this.buffer = new Array<DriftEvent | undefined>(capacity);
  }

  append(change: DriftChange): DriftEvent {
    const event = { ...change, seq: this.next++ } as DriftEvent;
    this.buffer[event.seq % this.capacity] = event;
    for (const l of this.listeners) {
      try {
        l(event);
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

  /** Events after `seq`, oldest first; undefined when some of them are no longer kept. */
  since(seq: number): DriftEvent[] | undefined {
    if (seq >= this.lastSeq) return [];
    const oldestKept = Math.max(1, this.next - this.capacity);
    if (seq + 1 < oldestKept) return undefined;
    const out: DriftEvent[] = [];
    for (let s = seq + 1; s < this.next; s++) {
      const e = this.buffer[s % this.capacity];
      if (e) out.push(e);
    }
    return out;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
