/** A Prometheus-style cumulative histogram of seconds, rendered by metrics.ts. */
export class LagHistogram {
  static readonly BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
  readonly counts = new Array<number>(LagHistogram.BUCKETS.length).fill(0);
  count = 0;
  sum = 0;

  observe(seconds: number): void {
    const s = Math.max(0, seconds);
    this.count++;
    this.sum += s;
    for (let i = 0; i < LagHistogram.BUCKETS.length; i++) if (s <= (LagHistogram.BUCKETS[i] ?? Infinity)) this.counts[i]!++;
  }
}

type WithManagedFields = { metadata: { managedFields?: { time?: string }[] } };

function newestWriteMs(obj: WithManagedFields): number {
  let newest = 0;
  for (const e of obj.metadata.managedFields ?? []) {
    const t = e.time ? Date.parse(e.time) : NaN;
    if (t > newest) newest = t;
  }
  return newest;
}

/**
 * How late an event reached us: now minus the newest managedFields time of the object (the
 * moment the API server accepted the write). managedFields times have one-second resolution, so
 * this is coarse; it is there to spot a watch that lags by seconds or minutes, not milliseconds.
 * Undefined when the write behind the event left no newer time than `previous` had (a DELETE
 * that only sets deletionTimestamp on an object with finalizers, say): the newest time is then
 * some earlier write's, and the difference would be the object's age, not a lag.
 */
export function writeLagSeconds(obj: WithManagedFields, previous?: WithManagedFields, nowMs = Date.now()): number | undefined {
  const newest = newestWriteMs(obj);
  if (newest === 0 || (previous !== undefined && newestWriteMs(previous) >= newest)) return undefined;
  return (nowMs - newest) / 1000;
}
