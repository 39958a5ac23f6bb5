/**
 * The overview timeline's window, query, tick labels and click target, apart from the chart so
 * they can be tested without a browser. A relative range (`range=24h`) means "the last 24 hours"
 * at every fetch: anchored at page load, a refetch brought the same old window back and drift
 * after the load never showed.
 */
import { fetchDriftChart } from './api';
import type { ChartGroupBy, DriftChartJson, HistoryResult } from './types';

/**
 * The history counts an object while it is drifted or missing (docs/store.md, "Chart buckets"),
 * where the overview's cards count the two statuses apart: the chart names both, so that its peak
 * is not read as the Drifted card's number.
 */
export const TIMELINE_COUNTS = 'drifted or missing';
export const TIMELINE_TITLE = 'Drifted or missing objects over time';

/** A series' name in the legend, tooltip and summary: an unstacked chart's one series (the store's group `all`) by what it counts. */
export const timelineSeriesName = (group: string, stack: ChartGroupBy): string => (stack === 'none' ? TIMELINE_COUNTS : group);

export const RANGES = { '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const;
export type RangeKey = keyof typeof RANGES;
export const DEFAULT_RANGE: RangeKey = '24h';

const DAY_MS = 86_400_000;

/** What the URL asks for: a fixed from/to, or the last `spanMs` up to whenever the chart is read. */
export type TimelineSpec = { kind: 'fixed'; from: string; to: string } | { kind: 'relative'; spanMs: number };

export interface TimelineWindow {
  from: string;
  to: string;
}

/** One fetch of the chart, with the window it was asked for (a relative one moves between fetches). */
export interface TimelineData {
  window: TimelineWindow;
  result: HistoryResult<DriftChartJson>;
}

export function isRangeKey(r: string | null): r is RangeKey {
  return r !== null && Object.hasOwn(RANGES, r);
}

/** An unknown `range` reads as the default, as a missing one does. */
export function timelineSpec(sp: URLSearchParams): TimelineSpec {
  const from = sp.get('from');
  const to = sp.get('to');
  if (from && to) return { kind: 'fixed', from, to };
  const range = sp.get('range');
  return { kind: 'relative', spanMs: RANGES[isRangeKey(range) ? range : DEFAULT_RANGE] };
}

export function timelineWindow(spec: TimelineSpec, nowMs: number): TimelineWindow {
  if (spec.kind === 'fixed') return { from: spec.from, to: spec.to };
  return { from: new Date(nowMs - spec.spanMs).toISOString(), to: new Date(nowMs).toISOString() };
}

export function spanOf(spec: TimelineSpec): number {
  return spec.kind === 'fixed' ? Date.parse(spec.to) - Date.parse(spec.from) : spec.spanMs;
}

/** Picks a bucket size that gives at most ~120 points, in whole minutes. */
export function bucketFor(spanMs: number): number {
  const minute = 60_000;
  return Math.max(1, Math.ceil(spanMs / 120 / minute)) * minute;
}

/**
 * The chart's query. A relative window is computed when the query runs, so every refetch (the
 * live stream's history invalidation, a poll, a click on the active range) ends at that moment;
 * its key holds the span, not the time, so those refetches update the chart in place.
 */
export function timelineQuery(spec: TimelineSpec, stack: ChartGroupBy, fetchChart: typeof fetchDriftChart = fetchDriftChart, now: () => number = Date.now) {
  const bucketMs = bucketFor(spanOf(spec));
  const when = spec.kind === 'fixed' ? [spec.from, spec.to] : ['last', spec.spanMs];
  return {
    queryKey: ['history', 'chart', ...when, bucketMs, stack] as const,
    queryFn: async ({ signal }: { signal: AbortSignal }): Promise<TimelineData> => {
      const window = timelineWindow(spec, now());
      return { window, result: await fetchChart({ ...window, bucketMs, groupBy: stack }, signal) };
    },
  };
}

/** Axis tick text: the time of day, and the day too once the window spans more than one (on 7d, "14:00" came back every day). */
export function tickLabel(t: number, spanMs: number, locales: Intl.LocalesArgument = []): string {
  const time = { hour: '2-digit', minute: '2-digit' } as const;
  const d = new Date(t);
  return spanMs > DAY_MS ? d.toLocaleString(locales, { month: 'short', day: 'numeric', ...time }) : d.toLocaleTimeString(locales, time);
}

/** The drift table filtered to the biggest group at one point of a stacked chart (none unstacked or without drift). */
export function biggestGroupHref(row: Readonly<Record<string, number | string>> | undefined, groups: readonly string[], stack: ChartGroupBy): string | undefined {
  if (!row || stack === 'none') return undefined;
  let best = '';
  let max = 0;
  for (const g of groups) {
    const n = Number(row[g]);
    if (n > max) (max = n), (best = g);
  }
  if (!best) return undefined;
  // The history's counts keep a kind without its group: the table shows that kind in every group.
  return `/drift?${stack}=${encodeURIComponent(stack === 'kind' ? `${best}.*` : best)}`;
}

export interface Navigator {
  push(href: string): void;
  open(url: string, target: string, features: string): unknown;
}

/**
 * Goes to a full view. Inside an embed it opens in a new tab, as the embed's own footer link does:
 * navigating the iframe put the whole dashboard into the portal's small frame, where the embed
 * token that let the panel in does not open it.
 */
export function openFullView(href: string, embedded: boolean, nav: Navigator): void {
  if (embedded) nav.open(href, '_blank', 'noopener');
  else nav.push(href);
}
