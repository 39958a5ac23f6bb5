'use client';
/**
 * One object's history: an episode lane per drifted field, a lane of the object's own events
 * (appeared, disappeared, status changes, replaced: what a missing object has), and for Pods and workloads the restarts
 * and CrashLoopBackOff on the same time axis, beside their Pods' crashes with the panic message and
 * file:line (the crash panel's report, docs/crash-correlation.md). Fed by the history fetcher; says so when the server
 * has no history yet.
 */
import { useQuery } from '@tanstack/react-query';
import { fetchObjectHistory } from '@/lib/client/api';
import { CRASH_KINDS, fetchCrashTimeline, type CrashMark } from '@/lib/client/health';
import { parseObjectId } from '@/lib/client/object-id';
import type { ObjectHistoryJson } from '@/lib/client/types';
import styles from './object-page.module.css';
import { useTimeText } from './time-text';
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
      {q.data?.available && <TimelineLanes h={q.data.data} logCrashes={logCrashes} {...(to && !Number.isNaN(Date.parse(to)) ? { to } : {})} />}
    </section>
  );
}

/**
 * The lanes of one object's history: a field's episodes, the object's events, its Pods' crashes and
 * restarts. Also what a snapshot shows of the timeline it keeps (components/snapshot-view.tsx).
 */
export function TimelineLanes({ h, to, logCrashes: allLogCrashes }: { h: Pick<ObjectHistoryJson, 'episodes' | 'events' | 'podHealth'>; to?: string; logCrashes: CrashMark[] }) {
  const { at } = useTimeText();
  const now = to ? Date.parse(to) : Date.now();
  const logCrashes = allLogCrashes.filter((c) => Date.parse(c.at) <= now);
  const events = h.events.filter((e) => !Number.isNaN(Date.parse(e.at)));
  const times = [
    ...h.episodes.flatMap((e) => [Date.parse(e.openedAt), e.closedAt ? Date.parse(e.closedAt) : now]),
    ...h.podHealth.map((p) => Date.parse(p.at)),
    ...logCrashes.map((c) => Date.parse(c.at)),
    ...events.map((e) => Date.parse(e.at)),
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
        <span>{at(start)}</span>
        <span data-testid="timeline-end">{to ? at(now) : 'now'}</span>
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
                const label = `${p}: drifted ${at(a)} → ${e.closedAt ? at(b) : 'now'}${e.closeReason ? ` (${e.closeReason})` : ''}, ${e.transitionCount} change${e.transitionCount === 1 ? '' : 's'}${last?.manager ? `, last by ${last.manager.name}` : ''}`;
                return <span key={e.id} className={`episode${e.closedAt ? '' : ' open'}`} style={{ left: pct(a), width: width(a, b) }} title={label} aria-label={label} role="img" data-testid="episode" />;
              })}
          </div>
        </div>
      ))}
      {events.length > 0 && (
        <div className="lane" data-testid="timeline-events">
          <div className="lane-label">Object</div>
          <div className="lane-track">
            {events.map((e, i) => {
              const label = `${at(e.at)}: ${eventText(e)}`;
              return <span key={i} className={`${styles.eventMark} ${styles[`ev-${e.type === 'status' ? (e.status ?? 'status') : e.type}`] ?? ''}`} style={{ left: pct(Date.parse(e.at)) }} title={label} aria-label={label} role="img" data-testid="timeline-event" data-type={e.type} />;
            })}
          </div>
        </div>
      )}
      {logCrashes.length > 0 && (
        <div className="lane" data-testid="timeline-crashes">
          <div className="lane-label">Crashes</div>
          <div className="lane-track">
            {logCrashes.map((c, i) => {
              const label = `${at(c.at)}: ${c.pod}/${c.container} ${c.reason ?? 'crashed'}${c.exitCode !== undefined ? ` (exit ${c.exitCode})` : ''}${c.message ? ` — ${c.message}` : ''}${c.location ? ` at ${c.location}` : ''}`;
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
              const label = `${at(c.at)}: ${c.reason ?? 'restart'}${c.container ? ` (${c.container})` : ''}, ${c.restarts} restarts${c.message ? ` — ${c.message}` : ''}`;
              return <span key={i} className={`crash${c.reason === 'CrashLoopBackOff' ? ' crashloop' : ''}`} style={{ left: pct(Date.parse(c.at)) }} title={label} aria-label={label} role="img" />;
            })}
          </div>
        </div>
      )}
      {paths.length === 0 && <p className="muted">No field drift recorded in this range.</p>}
      {events.length > 0 && <EventList events={events} />}
    </div>
  );
}

type ObjectEvent = ObjectHistoryJson['events'][number];

/** What happened to the object itself: in and out of the cluster, its status, a replacement. */
function eventText(e: ObjectEvent): string {
  switch (e.type) {
    case 'appeared':
      return 'appeared in the cluster';
    case 'disappeared':
      return 'disappeared from the cluster';
    case 'undeclared':
      return 'no longer declared (and not in the cluster)';
    case 'replaced':
      return 'replaced (deleted and created again)';
    case 'status':
      return e.status ? `status ${e.status}` : 'status changed';
    default:
      return e.type;
  }
}

const EVENTS_LISTED = 8;

/** The newest object events in words, beside their marks: readable without hovering. */
function EventList({ events }: { events: ObjectEvent[] }) {
  const { at, ago } = useTimeText();
  const newest = events.slice(-EVENTS_LISTED).reverse();
  const earlier = events.length - newest.length;
  return (
    <ul className={styles.eventList} data-testid="timeline-event-list" aria-label="Object events, newest first">
      {newest.map((e, i) => (
        <li key={i} data-type={e.type} data-status={e.status}>
          <time dateTime={e.at} title={at(e.at)}>
            {ago(e.at)}
          </time>
          : {eventText(e)}
        </li>
      ))}
      {earlier > 0 && (
        <li className="muted">
          {earlier} earlier event{earlier === 1 ? '' : 's'} in this range
        </li>
      )}
    </ul>
  );
}
