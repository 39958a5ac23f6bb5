import { describe, expect, it } from 'vitest';
import { chartQuery, objectHistoryQuery } from './history-params';

describe('history query validation', () => {
  it('accepts a valid range and names every problem of a bad one without throwing', () => {
    const ok = chartQuery.safeParse({ from: '2026-11-26T00:00:00Z', to: '2026-11-26T01:00:00Z', bucketMs: '60000' });
    expect(ok.success && ok.data.from instanceof Date && ok.data.groupBy).toBe('none');
    const bad = chartQuery.safeParse({ from: 'yesterday', to: 'now', bucketMs: '5' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['from', 'to', 'bucketMs']));
    const backwards = chartQuery.safeParse({ from: '2026-11-26T01:00:00Z', to: '2026-11-26T00:00:00Z', bucketMs: '60000' });
    expect(backwards.error?.issues[0]?.message).toMatch(/after/);
    const tooMany = chartQuery.safeParse({ from: '2026-01-01T00:00:00Z', to: '2026-11-26T00:00:00Z', bucketMs: '60000' });
    expect(tooMany.error?.issues[0]?.message).toMatch(/2,000 buckets/);
    expect(objectHistoryQuery.safeParse({ id: 'x', extra: '1' }).success).toBe(false);
    // Digits only: what Number() would also take is a mistake to report, not a value to guess.
    for (const bucketMs of ['0x1d4c0', ' 60000', '6e4', '60000.0', '-60000']) {
      expect(chartQuery.safeParse({ from: '2026-11-26T00:00:00Z', to: '2026-11-26T01:00:00Z', bucketMs }).success, bucketMs).toBe(false);
    }
  });
});

describe('history date-times', () => {
  it('take ISO 8601 with `Z` or an offset only, and say which form they expect', () => {
    const at = (s: string) => objectHistoryQuery.safeParse({ id: 'x', from: s });
    expect(at('2026-11-26T10:00:00Z').data?.from?.toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(at('2026-11-26T10:00:00.123Z').data?.from?.toISOString()).toBe('2026-11-26T10:00:00.123Z');
    expect(at('2026-11-26T11:30+01:30').data?.from?.toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(at('2026-11-26T05:00:00-05:00').data?.from?.toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(at('0050-01-01T00:00:00Z').data?.from?.toISOString()).toBe('0050-01-01T00:00:00.000Z');
    // Date.parse took these: prose, a date without a time, and a time read in the server's own zone.
    for (const s of ['March 7 2026', '2026-01-01', '2026-01-01T10:00', '2026-01-01T10:00:00', '2026-01-01 10:00:00Z', '1767261600000', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T10:00:00+1:00', '2026-01-01T10:00:00z']) {
      const r = at(s);
      expect(r.success, s).toBe(false);
      expect(r.error?.issues[0]?.message, s).toBe('an ISO 8601 date-time with `Z` or an offset, e.g. 2026-11-26T10:00:00Z or 2026-11-26T11:00:00+01:00');
    }
    // A refused date is not also reported as a range that runs backwards.
    const bad = chartQuery.safeParse({ from: '2026-01-01T10:00', to: '2026-01-01T11:00:00Z', bucketMs: '60000' });
    expect(bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['from: an ISO 8601 date-time with `Z` or an offset, e.g. 2026-11-26T10:00:00Z or 2026-11-26T11:00:00+01:00']);
  });
});
