'use client';
/**
 * Crashes beside drift on the object page: the "drift before crash" hint, one time axis with the
 * pod-shaping drift of the object, its owners and its Pods next to their crashes, and per crashed
 * container its last termination and the crash found in its previous log (message, `file:line`).
 * Everything from the log is text in React nodes (escaped); the server already masked it.
 *
 * Refreshing (lib/client/crash-refresh.ts): restarts and logs are not drift, so the live stream does
 * not bring them; the panel polls while its tab is visible, sooner after a stream event about the
 * object or its Pods, and never in embeds or snapshots.
 */
import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  advanceCursor,
  crashPollingAllowed,
  crashRefetchInterval,
  crashWatchOf,
  cursorAt,
  excerptKey,
  nudgeDecision,
  retryNotBefore,
  withExcerptOpen,
  CRASH_REFRESH_MS,
  type CrashWatch,
} from '@/lib/client/crash-refresh';
import { timeAgo } from '@/lib/client/format';
import {
  fetchCrashTimeline,
  formatBytes,
  formatLead,
  type ContainerCrashReport,
  type CrashMark,
  type CrashTimeline,
  type DriftMark,
  type PodCrashReport,
} from '@/lib/client/health';
import styles from './crash-panel.module.css';
import { useOptionalLiveStream, type LiveStream } from './live-stream';
import { Truncate } from './truncate';

/** How often the stream's buffer is looked at for events about this object: a counter compare when nothing came. */
const STREAM_CHECK_MS = 1_000;

export function CrashPanel({ id }: { id: string }) {
  // Another object's page gets a fresh panel: its open excerpts and back-off are not this one's.
  return <ObjectCrashPanel key={id} id={id} />;
}

function ObjectCrashPanel({ id }: { id: string }) {
  const stream = useOptionalLiveStream();
  const [polling] = useState(() => crashPollingAllowed({ hasLiveStream: stream !== undefined, pathname: typeof window === 'undefined' ? undefined : window.location.pathname }));
  const [openedAt] = useState(() => Date.now());
  // The same key as the object timeline's crash lane (components/object-timeline.tsx): one request feeds both.
  const q = useQuery({
    queryKey: ['health', id],
    queryFn: ({ signal }) => fetchCrashTimeline(id, signal),
    // Stale after one interval: coming back to a hidden tab then refreshes at once (refetchOnWindowFocus
    // follows visibility), instead of at the next tick.
    staleTime: polling ? CRASH_REFRESH_MS : 60_000,
    // Not while refreshes fail: coming back to the tab would skip the back-off.
    refetchOnWindowFocus: (query) => polling && query.state.errorUpdatedAt <= query.state.dataUpdatedAt,
    refetchInterval: (query) => crashRefetchInterval(polling, { dataUpdatedAt: query.state.dataUpdatedAt, errorUpdatedAt: query.state.errorUpdatedAt, openedAt }),
    refetchIntervalInBackground: false,
    // The next tick is the retry, on the back-off above.
    retry: false,
  });
  useStreamNudge(polling ? stream : undefined, id, q, openedAt);
  const [openExcerpts, setOpenExcerpts] = useState<ReadonlySet<string>>(() => new Set());
  const onExcerptToggle = useCallback((key: string, open: boolean) => setOpenExcerpts((s) => withExcerptOpen(s, key, open)), []);
  return (
    <section className="panel" aria-labelledby="crash-heading" data-testid="crash-panel" aria-busy={q.isPending}>
      <div className="panel-head">
        <h2 id="crash-heading">Crashes</h2>
        {q.data && (
          <CrashRefreshLine
            updatedAt={q.dataUpdatedAt}
            fetching={q.isFetching}
            polling={polling}
            onRefresh={() => void q.refetch({ cancelRefetch: false })}
          />
        )}
      </div>
      {q.isPending && <p className="muted">Reading Pod status and previous logs…</p>}
      {q.isError && !q.data && <p className="msg-danger wrap">Crash report unavailable: {q.error.message}</p>}
      {q.isError && q.data && (
        // The last report stays below: during an incident a stale report beats none.
        <p className={`msg-danger wrap ${styles.refreshError}`} role="status" data-testid="crash-refresh-error">
          Refresh failed at <time dateTime={new Date(q.errorUpdatedAt).toISOString()}>{clock(q.errorUpdatedAt)}</time>: {q.error.message}. Showing the report from{' '}
          {clock(q.dataUpdatedAt)}
          {polling ? '; trying again later.' : '.'}
        </p>
      )}
      {q.data && <CrashReport t={q.data} openExcerpts={openExcerpts} onExcerptToggle={onExcerptToggle} />}
    </section>
  );
}

const clock = (ms: number) => new Date(ms).toLocaleTimeString();

/** "updated 10:42:07", "refreshing…" and a button to refresh now: exported for rendering tests. */
export function CrashRefreshLine({ updatedAt, fetching, polling, onRefresh }: { updatedAt: number; fetching: boolean; polling: boolean; onRefresh?: () => void }) {
  const how = polling
    ? `Refreshed every ${CRASH_REFRESH_MS / 1000} s while this tab is visible, and soon after the live stream reports a change of this object or its Pods.`
    : 'Not refreshed automatically here.';
  return (
    <p className={`muted ${styles.refresh}`} data-testid="crash-refresh" title={how}>
      <span>
        updated <time dateTime={new Date(updatedAt).toISOString()} data-testid="crash-updated">{clock(updatedAt)}</time>
      </span>
      {/* Always laid out, shown only for a refresh that takes a moment: a quick one must not blink or shift the line. */}
      <span className={styles.refreshing} data-active={fetching} aria-hidden={!fetching}>
        refreshing…
      </span>
      <button type="button" className="link-button" onClick={onRefresh} disabled={fetching} data-testid="crash-refresh-now">
        Refresh
      </button>
    </p>
  );
}

/**
 * Refreshes soon after the live stream reports drift of the object, its owners or its Pods (or a
 * workload's new Pod). The stream offers its buffer, not a callback, so it is looked at once a
 * second: a counter compare when nothing arrived.
 */
function useStreamNudge(
  stream: LiveStream | undefined,
  id: string,
  q: { data: CrashTimeline | undefined; dataUpdatedAt: number; errorUpdatedAt: number; isFetching: boolean; refetch: (o: { cancelRefetch: boolean }) => Promise<unknown> },
  openedAt: number,
) {
  // The latest answer, read by the timer without restarting it on every render.
  const latest = useRef<{ watch: CrashWatch | undefined; lastAnswerAt: number; notBefore: number; fetching: boolean; refetch: typeof q.refetch }>({ watch: undefined, lastAnswerAt: 0, notBefore: 0, fetching: false, refetch: q.refetch });
  useEffect(() => {
    latest.current = {
      watch: crashWatchOf(id, q.data),
      lastAnswerAt: Math.max(q.dataUpdatedAt, q.errorUpdatedAt),
      notBefore: retryNotBefore(true, { dataUpdatedAt: q.dataUpdatedAt, errorUpdatedAt: q.errorUpdatedAt, openedAt }),
      fetching: q.isFetching,
      refetch: q.refetch,
    };
  });
  useEffect(() => {
    if (!stream) return;
    let cursor = cursorAt(stream.resets, stream.eventsAfter(-Infinity));
    let seen = stream.eventsReceived;
    let pendingSince: number | undefined;
    const timer = setInterval(() => {
      if (stream.eventsReceived !== seen || stream.resets !== cursor.resets) {
        seen = stream.eventsReceived;
        const fresh = stream.eventsAfter(stream.resets === cursor.resets ? cursor.seq : -Infinity);
        const r = advanceCursor(cursor, stream.resets, fresh, latest.current.watch);
        cursor = r.cursor;
        if (r.hit) pendingSince ??= Date.now();
      }
      if (pendingSince === undefined) return;
      const l = latest.current;
      const d = nudgeDecision({ pendingSince, now: Date.now(), lastAnswerAt: l.lastAnswerAt, fetching: l.fetching, hidden: document.hidden, notBefore: l.notBefore });
      if (d === 'wait') return;
      pendingSince = undefined;
      // Joins a refresh already running rather than cancelling it (and its log reads) for a new one.
      if (d === 'fetch') void l.refetch({ cancelRefetch: false });
    }, STREAM_CHECK_MS);
    return () => clearInterval(timer);
  }, [stream, id]);
}

/**
 * Which crash excerpts are open, held above the report: an excerpt that leaves the report for a
 * refresh (its Pod examined no more, its log not read this time) is open again when it comes back.
 * Without it the `<details>` keep their own state.
 */
export interface ExcerptState {
  openExcerpts?: ReadonlySet<string>;
  onExcerptToggle?: (key: string, open: boolean) => void;
}

/** The report itself, without fetching: exported for rendering tests. */
export function CrashReport({ t, openExcerpts, onExcerptToggle }: { t: CrashTimeline } & ExcerptState) {
  const crashedPods = t.pods.filter((p) => p.crashed.length > 0);
  const quiet = t.pods.filter((p) => p.crashed.length === 0);
  return (
    <div data-testid="crash-report">
      {t.hint && <Hint t={t} />}
      {t.crashes.length > 0 && <CrashAxis drifts={t.drifts} crashes={t.crashes} />}
      {t.pods.length === 0 && <p className="muted">No Pods{t.object.kind === 'Pod' ? '' : ` of this ${t.object.kind}`}.</p>}
      {t.pods.length > 0 && crashedPods.length === 0 && (
        <p className="muted" data-testid="no-crashes">
          No crashes: {t.pods.length} Pod{t.pods.length === 1 ? '' : 's'} ({summarise(quiet)}).
        </p>
      )}
      {crashedPods.map((p) => (
        <PodCrashes key={`${p.namespace}/${p.name}`} p={p} {...(openExcerpts ? { openExcerpts } : {})} {...(onExcerptToggle ? { onExcerptToggle } : {})} />
      ))}
      {t.morePods > 0 && <p className="muted">{t.morePods} more Pod{t.morePods === 1 ? '' : 's'} not examined.</p>}
      <p className={`muted ${styles.foot}`}>
        Logs read through the API server (<code>pods/log</code>, last {t.logLimits.tailLines} lines, at most {formatBytes(t.logLimits.limitBytes)}), not stored; Secret-looking
        tokens masked. Drift-before-crash window: {formatLead(t.windowMs)}.{t.historyNote ? ` History: ${t.historyNote}` : ''}
      </p>
    </div>
  );
}

function summarise(pods: PodCrashReport[]): string {
  const counts = new Map<string, number>();
  for (const p of pods) counts.set(p.health.verdict, (counts.get(p.health.verdict) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n} ${v}`).join(', ');
}

function Hint({ t }: { t: CrashTimeline }) {
  const h = t.hint!;
  const c = h.crash;
  return (
    <div className={`banner banner-warning ${styles.hint}`} role="note" data-testid="drift-before-crash">
      <strong>Drift came first:</strong> <code className="wrap">{h.drift.path}</code> of {h.drift.kind} <span className="wrap">{h.drift.name}</span> changed
      {h.drift.manager ? (
        <>
          {' '}
          by <code>{h.drift.manager}</code>
        </>
      ) : null}{' '}
      <span data-testid="drift-lead">{formatLead(h.leadMs)}</span> before the first crash ({c.pod}/{c.container}
      {c.exitCode !== undefined ? `, exit code ${c.exitCode}` : ''}
      {c.reason ? `, ${c.reason}` : ''}).
    </div>
  );
}

/** Pod-shaping drift and crashes on one time axis. */
function CrashAxis({ drifts, crashes }: { drifts: DriftMark[]; crashes: CrashMark[] }) {
  const times = [...drifts.map((d) => Date.parse(d.at)), ...crashes.map((c) => Date.parse(c.at))].filter((x) => !Number.isNaN(x));
  const start = Math.min(...times);
  const end = Math.max(...times);
  const span = Math.max(1, end - start);
  // Keep marks off the very edges so that both ends stay visible.
  const pct = (iso: string) => `${(2 + ((Date.parse(iso) - start) / span) * 96).toFixed(3)}%`;
  const driftLanes = [...new Set(drifts.map((d) => `${d.kind} ${d.name}: ${d.path}`))];
  return (
    <div className={`lanes ${styles.axis}`} data-testid="crash-timeline">
      <div className="lane-axis muted">
        <span>{new Date(start).toLocaleString()}</span>
        <span>{new Date(end).toLocaleString()}</span>
      </div>
      {driftLanes.map((lane) => (
        <div className="lane" key={lane} data-testid="crash-timeline-drift">
          <div className="lane-label">
            <Truncate text={lane}>
              <code>{lane}</code>
            </Truncate>
          </div>
          <div className="lane-track">
            {drifts
              .filter((d) => `${d.kind} ${d.name}: ${d.path}` === lane)
              .map((d, i) => {
                const label = `${new Date(d.at).toLocaleString()}: ${d.path} changed${d.manager ? ` by ${d.manager}` : ''}`;
                return <span key={i} className={styles.driftMark} style={{ left: pct(d.at) }} title={label} aria-label={label} role="img" />;
              })}
          </div>
        </div>
      ))}
      <div className="lane" data-testid="crash-timeline-crashes">
        <div className="lane-label">Crashes</div>
        <div className="lane-track">
          {crashes.map((c, i) => {
            const label = `${new Date(c.at).toLocaleString()}: ${c.pod}/${c.container} ${c.reason ?? 'crashed'}${c.exitCode !== undefined ? ` (exit ${c.exitCode})` : ''}${c.message ? ` — ${c.message}` : ''}${c.location ? ` at ${c.location}` : ''}`;
            return (
              <span
                key={i}
                className={`crash${c.reason === 'CrashLoopBackOff' || c.from === 'status' ? ' crashloop' : ''}`}
                style={{ left: pct(c.at) }}
                title={label}
                aria-label={label}
                role="img"
                data-testid="crash-mark"
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

function PodCrashes({ p, openExcerpts, onExcerptToggle }: { p: PodCrashReport } & ExcerptState) {
  return (
    <article className={styles.pod} data-testid="crash-pod" data-pod={p.name}>
      <h3 className="wrap">
        Pod {p.name} <span className={`badge badge-${p.health.verdict === 'healthy' ? 'in-sync' : 'error'}`}>{p.health.verdict}</span>{' '}
        {p.health.problems.map((pr) => (
          <span key={pr} className="chip" data-testid="pod-problem">
            {pr}
          </span>
        ))}
      </h3>
      <p className="muted">
        phase {p.health.phase} · {p.health.restarts} restart{p.health.restarts === 1 ? '' : 's'}
        {p.owner ? ` · owned by ${p.owner.kind} ${p.owner.name}` : ''}
        {p.health.nodeName ? ` · node ${p.health.nodeName}` : ''}
      </p>
      {p.crashed.map((c) => (
        <ContainerCrash
          key={c.container}
          c={c}
          excerptKey={excerptKey(p.namespace, p.name, c.container)}
          {...(openExcerpts ? { openExcerpts } : {})}
          {...(onExcerptToggle ? { onExcerptToggle } : {})}
        />
      ))}
    </article>
  );
}

function ContainerCrash({ c, excerptKey: key, openExcerpts, onExcerptToggle }: { c: ContainerCrashReport; excerptKey: string } & ExcerptState) {
  const t = c.termination;
  const crash = c.crash;
  return (
    <div className={styles.container} data-testid="crash-container" data-container={c.container}>
      <p>
        <strong>{c.container}</strong> ({c.type}) — {c.instance === 'previous' ? 'previous instance' : 'current instance'} ended{' '}
        {t.finishedAt ? <time dateTime={t.finishedAt} title={t.finishedAt}>{timeAgo(t.finishedAt)}</time> : ''}: exit code{' '}
        <span data-testid="exit-code">{t.exitCode ?? '?'}</span>
        {t.reason ? `, ${t.reason}` : ''}
        {t.signal !== undefined ? `, signal ${t.signal}` : ''}
        {c.problem ? ` · now ${c.problem}` : ''}
      </p>
      {crash ? (
        <div>
          <p>
            <span className="muted">{crashKindLabel(crash.kind)}:</span>{' '}
            <code className={`wrap ${styles.message}`} data-testid="crash-message">
              {crash.message}
            </code>
            {crash.frame && (
              <>
                {' '}
                at{' '}
                <code data-testid="crash-location" title={`${crash.frame.function ? `${crash.frame.function} ` : ''}${crash.frame.path}:${crash.frame.line}`}>
                  {crash.frame.file}:{crash.frame.line}
                </code>
              </>
            )}
            {crash.goroutine ? <span className="muted"> · goroutine {crash.goroutine.id} [{crash.goroutine.state}]</span> : null}
            {crash.signal ? <span className="muted"> · {crash.signal}</span> : null}
          </p>
          <details
            {...(openExcerpts ? { open: openExcerpts.has(key) } : {})}
            // The element's own state after the click (also when React opened it): setting it is idempotent.
            onToggle={(e) => onExcerptToggle?.(key, e.currentTarget.open)}
            data-testid="crash-details"
          >
            <summary>Crash output (line {crash.atLine} of the fetched tail)</summary>
            <pre className={styles.excerpt} data-testid="crash-excerpt">
              {crash.excerpt.join('\n')}
            </pre>
          </details>
        </div>
      ) : (
        <p className="muted" data-testid="crash-nolog">
          {c.log.fetched ? 'The log shows no recognisable crash.' : `No log: ${c.log.error ?? 'not fetched'}`}
        </p>
      )}
      {c.log.fetched && (
        <p className="muted" data-testid="crash-fetch">
          {c.log.previous ? 'previous' : 'current'} log: {formatBytes(c.log.bytes ?? 0)}
          {c.log.truncated ? ' (cut at the byte limit)' : ''} {c.log.cached ? '(read earlier: this instance has finished)' : `in ${c.log.ms ?? 0} ms`}
        </p>
      )}
    </div>
  );
}

function crashKindLabel(kind: string): string {
  switch (kind) {
    case 'go-panic':
      return 'Go panic';
    case 'go-fatal-error':
      return 'Go fatal error';
    case 'go-log-fatal':
      return 'fatal log line';
    case 'klog-fatal':
      return 'klog fatal';
    case 'python-traceback':
      return 'Python exception';
    default:
      return 'uncaught exception';
  }
}
