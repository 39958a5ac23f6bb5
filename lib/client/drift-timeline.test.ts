import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import type { ChartParams } from './api';
import { biggestGroupHref, openFullView, tickLabel, timelineQuery, timelineSpec, type TimelineData } from './drift-timeline';
import type { DriftChartJson, HistoryResult } from './types';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const EMPTY: HistoryResult<DriftChartJson> = { available: true, data: { bucketMs: 60_000, buckets: [], series: [] } };

/** A chart fetcher that records the windows it was asked for. */
function recordingFetcher() {
  const asked: ChartParams[] = [];
  const fetchChart = async (p: ChartParams) => {
    asked.push(p);
    return EMPTY;
  };
  return { asked, fetchChart };
}

describe('timeline window', () => {
  it('reads fixed from/to, a known range, and the default for a missing or unknown one', () => {
    expect(timelineSpec(new URLSearchParams('from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&range=1h'))).toEqual({ kind: 'fixed', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' });
    expect(timelineSpec(new URLSearchParams('range=7d'))).toEqual({ kind: 'relative', spanMs: 168 * HOUR });
    expect(timelineSpec(new URLSearchParams(''))).toEqual({ kind: 'relative', spanMs: 24 * HOUR });
    expect(timelineSpec(new URLSearchParams('range=toString'))).toEqual({ kind: 'relative', spanMs: 24 * HOUR });
  });

  it('ends a relative range at each refetch, not at page load, under one query key', async () => {
    let now = T0;
    const { asked, fetchChart } = recordingFetcher();
    const client = new QueryClient();
    const q = timelineQuery(timelineSpec(new URLSearchParams('range=1h')), 'none', fetchChart, () => now);
    // The chart on screen.
    const observer = new QueryObserver(client, q);
    const unsubscribe = observer.subscribe(() => undefined);
    await vi.waitFor(() => expect(observer.getCurrentResult().isSuccess).toBe(true));
    now += 2 * HOUR;
    // What the live stream does when drift happens: invalidate the history queries.
    await client.invalidateQueries({ queryKey: ['history'] });
    unsubscribe();
    expect(asked.map((p) => [p.from, p.to])).toEqual([
      ['2026-03-01T11:00:00.000Z', '2026-03-01T12:00:00.000Z'],
      ['2026-03-01T13:00:00.000Z', '2026-03-01T14:00:00.000Z'],
    ]);
    // The query built at the next render (a later now) is the same query, and its data says which window it shows.
    expect(timelineQuery(timelineSpec(new URLSearchParams('range=1h')), 'none', fetchChart, () => now + HOUR).queryKey).toEqual(q.queryKey);
    expect(client.getQueryData<TimelineData>(q.queryKey)?.window).toEqual({ from: '2026-03-01T13:00:00.000Z', to: '2026-03-01T14:00:00.000Z' });
  });

  it('keeps a fixed window as it is', async () => {
    const { asked, fetchChart } = recordingFetcher();
    const q = timelineQuery(timelineSpec(new URLSearchParams('from=2026-01-01T00:00:00.000Z&to=2026-01-01T06:00:00.000Z')), 'kind', fetchChart, () => T0);
    await q.queryFn({ signal: new AbortController().signal });
    expect(asked).toEqual([{ from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T06:00:00.000Z', bucketMs: 180_000, groupBy: 'kind' }]);
  });
});

describe('timeline ticks', () => {
  it('show the day once the window spans more than a day, the time of day alone within one', () => {
    const a = T0;
    const b = T0 + 24 * HOUR;
    expect(tickLabel(a, 7 * 24 * HOUR, 'en-GB')).not.toBe(tickLabel(b, 7 * 24 * HOUR, 'en-GB'));
    expect(tickLabel(a, 7 * 24 * HOUR, 'en-GB')).toContain(tickLabel(a, HOUR, 'en-GB'));
    expect(tickLabel(a, 24 * HOUR, 'en-GB')).toBe(tickLabel(b, 24 * HOUR, 'en-GB'));
  });
});

describe('timeline click', () => {
  const row = { t: T0, shop: 2, bank: 5, '(cluster-scoped)': 1 };
  it('targets the biggest group at that point, only when stacked and something drifts', () => {
    expect(biggestGroupHref(row, ['shop', 'bank', '(cluster-scoped)'], 'namespace')).toBe('/drift?namespace=bank');
    expect(biggestGroupHref(row, ['shop', 'bank'], 'none')).toBeUndefined();
    // The history counts kinds without their group: the link asks for the kind in any group.
    expect(biggestGroupHref({ Service: 3, Pod: 1 }, ['Service', 'Pod'], 'kind')).toBe('/drift?kind=Service.*');
    expect(biggestGroupHref({ t: T0, shop: 0 }, ['shop'], 'namespace')).toBeUndefined();
    expect(biggestGroupHref(undefined, ['shop'], 'namespace')).toBeUndefined();
  });

  it('opens a new tab inside an embed and navigates in place outside one', () => {
    const nav = { push: vi.fn(), open: vi.fn() };
    openFullView('/drift?namespace=bank', true, nav);
    expect(nav.open).toHaveBeenCalledWith('/drift?namespace=bank', '_blank', 'noopener');
    expect(nav.push).not.toHaveBeenCalled();
    openFullView('/drift?namespace=bank', false, nav);
    expect(nav.push).toHaveBeenCalledWith('/drift?namespace=bank');
    expect(nav.open).toHaveBeenCalledTimes(1);
  });
});
