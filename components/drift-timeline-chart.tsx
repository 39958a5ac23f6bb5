'use client';
/**
 * Drifted or missing objects over time from the history store (stacked by namespace, kind or
 * cluster; brush to zoom; click a point to open the table filtered to the biggest group at that
 * time). The store counts both statuses where the overview's cards count each apart: the title,
 * tooltip and summary name both, so the chart's peak is not read against the Drifted card. Range and
 * grouping live in the URL (`range`, `from`/`to`, `stack`). Fed by a typed fetcher; while the
 * server has no history routes it says so instead of drawing.
 */
import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef } from 'react';
import { Area, AreaChart, Brush, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  biggestGroupHref,
  bucketFor,
  openFullView,
  RANGES,
  spanOf,
  tickLabel,
  TIMELINE_COUNTS,
  TIMELINE_TITLE,
  timelineQuery,
  timelineSeriesName,
  timelineSpec,
  type RangeKey,
} from '@/lib/client/drift-timeline';
import { namespaceFacetOf } from '@/lib/client/table-query';
import { legendText, useUntabbableChartLayers } from './chart-a11y';
import { patchSearch, pushSearch, useViewSearch } from './url-state';
import type { ChartGroupBy, DriftChartJson } from '@/lib/client/types';

/** How long the zoom handles must rest after a key press before the URL takes the new window. */
const ZOOM_SETTLE_MS = 700;
/** An embed has no live stream to say when history moved: it polls, as its counts do. */
const EMBED_POLL_MS = 5_000;
const PALETTE = ['#2f6fde', '#d9822b', '#2a9d8f', '#c2407a', '#7b61c9', '#8a9a2b', '#d64545', '#3d8fb8', '#a0692f', '#5f7480'];

export function chartRows(chart: DriftChartJson): Array<Record<string, number | string>> {
  return chart.buckets.map((b, i) => {
    const row: Record<string, number | string> = { t: Date.parse(b) };
    for (const s of chart.series) row[namespaceFacetOf(s.group)] = s.drifted[i] ?? 0;
    return row;
  });
}

/**
 * What the chart shows, in words, for screen readers (the chart itself takes no keyboard focus):
 * per group, how many objects were drifted or missing at the start, at the peak and at the end of
 * the range. `name`: a group's name as the legend shows it (timelineSeriesName).
 */
export function timelineSummary(rows: ReadonlyArray<Record<string, number | string>>, groups: readonly string[], from: string, to: string, name: (group: string) => string = (g) => g): string {
  const when = (t: unknown) => new Date(Number(t)).toISOString().replace('T', ' ').slice(0, 16);
  if (rows.length === 0 || groups.length === 0) return `Objects ${TIMELINE_COUNTS} from ${from} to ${to}: nothing recorded.`;
  const parts = groups.map((g) => {
    const values = rows.map((r) => Number(r[g] ?? 0));
    const peak = Math.max(...values);
    const at = rows[values.indexOf(peak)]?.t;
    return `${name(g)}: ${values[0]} at the start, ${peak} at the peak (${when(at)} UTC), ${values.at(-1)} at the end`;
  });
  return `Area chart of ${TIMELINE_COUNTS} objects over time, ${when(rows[0]?.t)} to ${when(rows.at(-1)?.t)} UTC. ${parts.join('; ')}.`;
}

/** `embedded`: inside /embed/overview, which polls (no live stream) and opens full views in a new tab. */
export function DriftTimelineChart({ embedded = false }: { embedded?: boolean }) {
  const sp = useViewSearch();
  const router = useRouter();
  const range = sp.get('range') ?? '24h';
  const stack = (sp.get('stack') ?? 'none') as ChartGroupBy;
  const fromParam = sp.get('from');
  const spec = useMemo(() => timelineSpec(sp), [sp]);
  const spanMs = spanOf(spec);
  const bucketMs = bucketFor(spanMs);
  // A relative window also moves on without drift (old episodes roll off): once a bucket in the
  // app, where the live stream refetches on every change; as often as the counts in an embed.
  const refetchInterval = spec.kind === 'fixed' ? false : embedded ? EMBED_POLL_MS : bucketMs;
  const q = useQuery({ ...timelineQuery(spec, stack), refetchInterval });
  const setParams = (patch: Record<string, string | undefined>) => pushSearch(patchSearch(sp, patch));
  // The active range clicked again: its URL is unchanged, so only a refetch brings the window up to now.
  const pickRange = (r: RangeKey) => (!fromParam && range === r ? void q.refetch() : setParams({ range: r, from: undefined, to: undefined }));
  const shown = q.data?.window;
  const data = q.data?.result.available ? q.data.result.data : undefined;
  const rows = useMemo(() => (data ? chartRows(data) : []), [data]);
  // Only the namespace stack has an empty group: cluster-scoped objects, as the table's filter names them.
  const groups = data ? data.series.map((s) => namespaceFacetOf(s.group)) : [];
  const seriesName = (g: string) => timelineSeriesName(g, stack);
  const tick = (t: number) => tickLabel(t, spanMs);
  // A zoom window moved with the keyboard has no drag end: its URL follows once the keys rest.
  const zoomTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(zoomTimer.current), []);
  const zoomTo = ({ startIndex, endIndex }: { startIndex?: number; endIndex?: number }) => {
    clearTimeout(zoomTimer.current);
    const a = rows[startIndex ?? 0];
    const b = rows[endIndex ?? rows.length - 1];
    if (a && b && (startIndex !== 0 || endIndex !== rows.length - 1)) {
      setParams({ from: new Date(Number(a.t)).toISOString(), to: new Date(Number(b.t) + bucketMs).toISOString(), range: undefined });
    }
  };
  const chartRef = useUntabbableChartLayers();

  return (
    <section className="panel" aria-labelledby="timeline-heading" data-testid="drift-timeline">
      <div className="panel-head">
        <h2 id="timeline-heading">{TIMELINE_TITLE}</h2>
        <div className="toolbar">
          <div role="group" aria-label="Time range" className="segmented">
            {(Object.keys(RANGES) as RangeKey[]).map((r) => (
              <button key={r} type="button" aria-pressed={!fromParam && range === r} onClick={() => pickRange(r)}>
                {r}
              </button>
            ))}
          </div>
          <label className="inline-field">
            Stack by{' '}
            <select value={stack} onChange={(e) => setParams({ stack: e.target.value === 'none' ? undefined : e.target.value })}>
              <option value="none">nothing</option>
              <option value="namespace">namespace</option>
              <option value="kind">kind</option>
              <option value="cluster">cluster</option>
            </select>
          </label>
        </div>
      </div>
      {q.isPending && <p className="muted">Loading history…</p>}
      {q.isError && <p className="msg-danger">History could not be loaded: {q.error.message}</p>}
      {q.data && !q.data.result.available && (
        <p className="muted" data-testid="history-unavailable">
          {q.data.result.reason}
        </p>
      )}
      {data && shown && (
        // The summary in words beside the chart, not a role=img around it: its zoom handles keep focus.
        <p className="sr-only" data-testid="timeline-summary">
          {timelineSummary(rows, groups, shown.from, shown.to, seriesName)}
        </p>
      )}
      {data && (
        <div className="chart-box" style={{ height: 280 }} ref={chartRef}>
          <ResponsiveContainer width="100%" height="100%">
            <AreaChart
              accessibilityLayer={false}
              data={rows}
              margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
              onClick={(st) => {
                const href = biggestGroupHref(rows[Number(st.activeIndex)], groups, stack);
                if (href) openFullView(href, embedded, { push: (h) => router.push(h), open: (...args) => window.open(...args) });
              }}
            >
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={tick} stroke="var(--muted)" fontSize={12} />
              <YAxis allowDecimals={false} stroke="var(--muted)" fontSize={12} width={48} />
              {/* Stacked, the items are groups: the label says what they count. Unstacked, the one item's name does. */}
              <Tooltip labelFormatter={(t) => `${new Date(Number(t)).toLocaleString()}${stack === 'none' ? '' : ` (${TIMELINE_COUNTS})`}`} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' }} />
              {groups.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} />}
              {groups.map((g, i) => (
                <Area key={g} type="stepAfter" dataKey={g} name={seriesName(g)} stackId="1" stroke={PALETTE[i % PALETTE.length]} fill={PALETTE[i % PALETTE.length]} fillOpacity={0.35} isAnimationActive={false} />
              ))}
              <Brush
                ariaLabel="Zoom window edge (Left and Right arrow keys move it)"
                dataKey="t"
                height={22}
                stroke="var(--accent)"
                fill="var(--panel)"
                tickFormatter={tick}
                onChange={(r) => {
                  clearTimeout(zoomTimer.current);
                  zoomTimer.current = setTimeout(() => zoomTo(r), ZOOM_SETTLE_MS);
                }}
                onDragEnd={(r) => zoomTo(r as { startIndex?: number; endIndex?: number })}
              />
            </AreaChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
