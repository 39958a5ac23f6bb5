'use client';
/**
 * One object's history: an episode lane per drifted field, and for Pods and workloads the restarts
 * and CrashLoopBackOff on the same time axis, beside their Pods' crashes with the panic message and
 * file:line (the crash panel's report, docs/crash-correlation.md). Fed by the history fetcher; says so when the server
 * has no history yet.
 */
import { useQuery } from '@tanstack/react-query';
import { fetchObjectHistory } from '@/lib/client/api';
import { CRASH_KINDS, fetchCrashTimeline, type CrashMark } from '@/lib/client/health';
import { parseObjectId } from '@/lib/client/object-id';
import type { ObjectHistoryJson } from '@/lib/client/types';
import { Truncate } from './truncate';
import { useViewSearch } from './url-state';

export function ObjectTimeline({ id }: { id: string }) {
  // `from`/`to` in the URL fix the range (a shared live link locks `to` to when it was made).
  const sp = useViewSearch();
  const from = sp.get('from') ?? undefined;
  const to = sp.get('to') ?? undefined;
  const q = useQuery({
    queryKey: ['history', 'object', id, from, to],
    queryFn: ({ signal }) => fetchObjectHistory(id, { ...(from ? { from } : {}), ...(to ? { to } : {}) }, signal),
  });
  // The crash panel's query (same key, so one request): the Pods' crashes with message and file:line.
  const parts = parseObjectId(id);
  const health = useQuery({
    queryKey: ['health', id],
    queryFn: ({ signal }) => fetchCrashTimeline(id, signal),
    enabled: parts !== undefined && CRASH_KINDS.has(`${parts.group}/${parts.kind}`),
    staleTime: 60_000,
    retry: false,
  });
  const logCrashes = health.data?.crashes.filter((c) => c.from === 'status') ?? [];
  return (
    <section className="panel" aria-labelledby="otl-heading" data-testid="object-timeline">
      <h2 id="otl-heading">Drift timeline</h2>
      {q.isPending && <p className="muted">Loading history…</p>}
      {q.isError && <p className="msg-danger">History could not be loaded: {q.error.message}</p>}
      {q.data && !q.data.available && (
        <p className="muted" data-testid="history-unavailable">
          {q.data.reason}
        </p>
      )}
      {q.data?.available && <Lanes h={q.data.data} logCrashes={logCrashes} {...(to && !Number.isNaN(Date.parse(to)) ? { to } : {})} />}
    </section>
  );
}

function Lanes({ h, to, logCrashes: allLogCrashes }: { h: ObjectHistoryJson; to?: string; logCrashes: CrashMark[] }) {
  const now = to ? Date.parse(to) : Date.now();
  const logCrashes = allLogCrashes.filter((c) => Date.parse(c.at) <= now);
  const times = [
    ...h.episodes.flatMap((e) => [Date.parse(e.openedAt), e.closedAt ? Date.parse(e.closedAt) : now]),
    ...h.podHealth.map((p) => Date.parse(p.at)),
    ...logCrashes.map((c) => Date.parse(c.at)),
  ].filter((t) => !Number.isNaN(t));
  if (times.length === 0) return <p className="muted">No drift recorded for this object.</p>;
  const start = Math.min(...times);
  const end = Math.max(now, ...times);
  const span = Math.max(1, end - start);
  const pct = (t: number) => `${(((t - start) / span) * 100).toFixed(3)}%`;
  const width = (a: number, b: number) => `${Math.max(0.4, ((b - a) / span) * 100).toFixed(3)}%`;
  const paths = [...new Set(h.episodes.map((e) => e.path))];
  const crashes = h.podHealth.filter((p) => p.reason === 'CrashLoopBackOff' || p.restarts > 0);
  return (
    <div className="lanes" data-testid="timeline-lanes">
      <div className="lane-axis muted">
        <span>{new Date(start).toLocaleString()}</span>
        <span data-testid="timeline-end">{to ? new Date(now).toLocaleString() : 'now'}</span>
      </div>
      {paths.map((p) => (
        <div className="lane" key={p} data-testid="timeline-lane" data-path={p}>
          <div className="lane-label">
            <Truncate text={p}>
              <code>{p}</code>
            </Truncate>
          </div>
          <div className="lane-track">
            {h.episodes
              .filter((e) => e.path === p)
              .map((e) => {
                const a = Date.parse(e.openedAt);
                const b = e.closedAt ? Date.parse(e.closedAt) : now;
                const last = e.transitions[e.transitions.length - 1];
                const label = `${p}: drifted ${new Date(a).toLocaleString()} → ${e.closedAt ? new Date(b).toLocaleString() : 'now'}${e.closeReason ? ` (${e.closeReason})` : ''}, ${e.transitionCount} change${e.transitionCount === 1 ? '' : 's'}${last?.manager ? `, last by ${last.manager.name}` : ''}`;
                return <span key={e.id} className={`episode${e.closedAt ? '' : ' open'}`} style={{ left: pct(a), width: width(a, b) }} title={label} aria-label={label} role="img" data-testid="episode" />;
              })}
          </div>
        </div>
      ))}
      {logCrashes.length > 0 && (
        <div className="lane" data-testid="timeline-crashes">
          <div className="lane-label">Crashes</div>
          <div className="lane-track">
            {logCrashes.map((c, i) => {
              const label = `${new Date(c.at).toLocaleString()}: ${c.pod}/${c.container} ${c.reason ?? 'crashed'}${c.exitCode !== undefined ? ` (exit ${c.exitCode})` : ''}${c.message ? ` — ${c.message}` : ''}${c.location ? ` at ${c.location}` : ''}`;
              return <span key={i} className="crash crashloop" style={{ left: pct(Date.parse(c.at)) }} title={label} aria-label={label} role="img" data-testid="timeline-crash" />;
            })}
          </div>
        </div>
      )}
      {crashes.length > 0 && (
        <div className="lane" data-testid="timeline-health">
          <div className="lane-label">Restarts</div>
          <div className="lane-track">
            {crashes.map((c, i) => {
              const label = `${new Date(c.at).toLocaleString()}: ${c.reason ?? 'restart'}${c.container ? ` (${c.container})` : ''}, ${c.restarts} restarts${c.message ? ` — ${c.message}` : ''}`;
              return <span key={i} className={`crash${c.reason === 'CrashLoopBackOff' ? ' crashloop' : ''}`} style={{ left: pct(Date.parse(c.at)) }} title={label} aria-label={label} role="img" />;
            })}
          </div>
        </div>
      )}
    </div>
  );
}
