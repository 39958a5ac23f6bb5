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

/**
 * How late an event reached us: now minus the newest managedFields time of the object (the
 * moment the API server accepted the write). managedFields times have one-second resolution, so
 * this is coarse; it is there to spot a watch that lags by seconds or minutes, not milliseconds.
 */
export function writeLagSeconds(obj: { metadata: { managedFields?: { time?: string }[] } }, nowMs = Date.now()): number | undefined {
  let newest = 0;
  for (const e of obj.metadata.managedFields ?? []) {
    const t = e.time ? Date.parse(e.time) : NaN;
    if (t > newest) newest = t;
  }
  return newest > 0 ? (nowMs - newest) / 1000 : undefined;
}
