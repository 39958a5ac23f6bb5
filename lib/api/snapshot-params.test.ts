import { describe, expect, it } from 'vitest';
import { createSnapshotBody } from './snapshot-params';

describe('snapshot body date-times', () => {
  it('take ISO 8601 with `Z` or an offset only, as the history API does', () => {
    const body = (from: string, to?: string) => createSnapshotBody.safeParse({ id: 'c//ConfigMap/ns/n', from, ...(to ? { to } : {}) });
    const ok = body('2026-03-07T00:00:00Z', '2026-03-08T02:00:00+02:00');
    expect(ok.success && [ok.data.from?.toISOString(), ok.data.to?.toISOString()]).toEqual(['2026-03-07T00:00:00.000Z', '2026-03-08T00:00:00.000Z']);
    for (const from of ['March 7 2026', '2026-03-07T10:00', '2026-03-07']) {
      const r = body(from);
      expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`), from).toEqual(['from: an ISO 8601 date-time with `Z` or an offset, e.g. 2026-11-26T10:00:00Z or 2026-11-26T11:00:00+01:00']);
    }
    expect(body('2026-03-08T00:00:00Z', '2026-03-07T00:00:00Z').error?.issues[0]?.message).toMatch(/after/);
  });
});
