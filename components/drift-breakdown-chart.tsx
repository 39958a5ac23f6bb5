'use client';
/**
 * Objects that drift now, per namespace, kind or cluster, stacked by status (a Recharts bar chart).
 * Clicking a bar opens the table filtered to that group. Needs no history: it reads the live index.
 */
import { useRouter } from 'next/navigation';
import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import Link from 'next/link';
import { breakdownGroupOf, breakdownPatch, type BreakdownGroup } from '@/lib/client/breakdown-group';
import { kindLabel } from '@/lib/client/format';
import { namespaceFacetOf } from '@/lib/client/table-query';
import type { ObjectDriftState } from '@/lib/client/types';
import { legendText, useUntabbableChartLayers } from './chart-a11y';
import { patchSearch, pushSearch, useViewSearch } from './url-state';

const TOP = 12;

/** `unavailable`: why there are no numbers yet (loading, a failed load), shown instead of "Nothing drifts.". */
export function DriftBreakdownChart({ states, unavailable }: { states: Iterable<Pick<ObjectDriftState, 'status' | 'namespace' | 'kind' | 'group' | 'cluster'>>; unavailable?: string }) {
  const router = useRouter();
  const sp = useViewSearch();
  const groupBy = breakdownGroupOf(sp);
  const setGroupBy = (g: BreakdownGroup) => pushSearch(patchSearch(sp, breakdownPatch(g)));
  const chartRef = useUntabbableChartLayers();
  const data = useMemo(() => {
    const groups = new Map<string, { group: string; drifted: number; missing: number; error: number }>();
    for (const s of states) {
      if (s.status !== 'drifted' && s.status !== 'missing' && s.status !== 'error') continue;
      const key = groupBy === 'namespace' ? namespaceFacetOf(s.namespace) : groupBy === 'kind' ? kindLabel(s.kind, s.group) : s.cluster;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { group: key, drifted: 0, missing: 0, error: 0 }));
      g[s.status]++;
    }
    return [...groups.values()].sort((a, b) => b.drifted + b.missing + b.error - (a.drifted + a.missing + a.error) || a.group.localeCompare(b.group)).slice(0, TOP);
  }, [states, groupBy]);

  const hrefOf = (group: string) => `/drift?${groupBy}=${encodeURIComponent(group)}`;
  const open = (group: string) => router.push(hrefOf(group));
  // The picture's text equivalent: the chart itself is hidden from assistive technology and out
  // of the Tab order; the table below holds the same numbers and links.
  const summary = `Bar chart of objects drifting now by ${groupBy}: ${data.map((d) => `${d.group} ${d.drifted} drifted, ${d.missing} missing, ${d.error} error`).join('; ')}.`;

  return (
    <section className="panel" aria-labelledby="breakdown-heading">
      <div className="panel-head">
        <h2 id="breakdown-heading">Drifting now, by {groupBy}</h2>
        <label className="inline-field">
          Group by{' '}
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value as BreakdownGroup)} data-testid="breakdown-group">
            <option value="namespace">namespace</option>
            <option value="kind">kind</option>
            <option value="cluster">cluster</option>
          </select>
        </label>
      </div>
      {unavailable !== undefined ? (
        <p className="muted" data-testid="breakdown-unavailable">
          {unavailable}
        </p>
      ) : data.length === 0 ? (
        <p className="muted">Nothing drifts.</p>
      ) : (
        <>
          <div className="chart-box" style={{ height: Math.max(120, data.length * 28 + 60) }} data-testid="breakdown-chart" role="img" aria-label={summary} ref={chartRef}>
            <ResponsiveContainer width="100%" height="100%">
              <BarChart
                accessibilityLayer={false}
                data={data}
                layout="vertical"
                margin={{ top: 4, right: 16, bottom: 4, left: 8 }}
                onClick={(st) => {
                  const i = Number(st.activeIndex);
                  const row = Number.isInteger(i) ? data[i] : undefined;
                  if (row) open(row.group);
                }}
                style={{ cursor: 'pointer' }}
              >
                <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" horizontal={false} />
                <XAxis type="number" allowDecimals={false} stroke="var(--muted)" fontSize={12} />
                <YAxis
                  type="category"
                  dataKey="group"
                  width={170}
                  stroke="var(--muted)"
                  fontSize={12}
                  tickFormatter={(v: string) => (v.length > 24 ? `${v.slice(0, 23)}…` : v)}
                />
                <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' }} cursor={{ fill: 'var(--hover)' }} />
                <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} />
                <Bar dataKey="drifted" stackId="s" fill="var(--c-drifted)" isAnimationActive={false} />
                <Bar dataKey="missing" stackId="s" fill="var(--c-missing)" isAnimationActive={false} />
                <Bar dataKey="error" stackId="s" fill="var(--c-error)" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <details className="chart-table">
            <summary>Show as table</summary>
            <div className="table-scroll">
              <table className="data" data-testid="breakdown-table">
                <thead>
                  <tr>
                    <th scope="col">{groupBy}</th>
                    <th scope="col" className="num">drifted</th>
                    <th scope="col" className="num">missing</th>
                    <th scope="col" className="num">error</th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((d) => (
                    <tr key={d.group}>
                      <th scope="row" className="wrap">
                        <Link href={hrefOf(d.group)}>{d.group}</Link>
                      </th>
                      <td className="num">{d.drifted}</td>
                      <td className="num">{d.missing}</td>
                      <td className="num">{d.error}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
