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
