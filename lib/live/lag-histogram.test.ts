import { describe, expect, it } from 'vitest';
import { LagHistogram, writeLagSeconds } from './lag-histogram';

const at = (...times: string[]) => ({ metadata: { managedFields: times.map((time, i) => ({ manager: `m${i}`, time })) } });
const NOW = Date.parse('2026-11-27T12:00:10Z');

describe('writeLagSeconds', () => {
  it('measures from the newest managedFields time, the write that produced the event', () => {
    expect(writeLagSeconds(at('2026-11-27T11:00:00Z', '2026-11-27T12:00:08Z'), at('2026-11-27T11:00:00Z'), NOW)).toBe(2);
    // A new object (no previous state): its creation.
    expect(writeLagSeconds(at('2026-11-27T12:00:09Z'), undefined, NOW)).toBe(1);
  });

  it("is undefined when the write left no newer time, so an object's age is not taken for a lag", () => {
    // DELETE of an object with a finalizer: deletionTimestamp set, managedFields as they were (a day old).
    const before = at('2026-11-26T12:00:00Z');
    expect(writeLagSeconds(at('2026-11-26T12:00:00Z'), before, NOW)).toBeUndefined();
    expect(writeLagSeconds({ metadata: {} }, undefined, NOW)).toBeUndefined();
  });

  it('feeds a cumulative histogram', () => {
    const h = new LagHistogram();
    h.observe(0.2);
    h.observe(45);
    expect(h.count).toBe(2);
    expect(h.counts[LagHistogram.BUCKETS.indexOf(0.25)]).toBe(1);
    expect(h.counts[LagHistogram.BUCKETS.indexOf(60)]).toBe(2);
  });
});
