/**
 * When the crash panel (components/crash-panel.tsx) reads its report again, as pure functions. The
 * report is not pushed by the live stream (restarts and logs are not drift), so the panel polls; each
 * answer costs the API server a few GETs, and `pods/log` reads only for container instances the
 * server has not read before (a finished one's crash is kept), so the pace is set here
 * (docs/crash-correlation.md, "Refreshing").
 */
import type { CrashTimeline } from '../live/crash-timeline';
import { formatObjectId, parseObjectId } from './object-id';
import type { DriftStreamEvent } from './types';

/**
 * The steady pace. The kubelet restarts a crash-looping container after 10 s doubling to 5 min, so
 * a faster pace mostly finds nothing new; a slower one hides the early restarts.
 */
export const CRASH_REFRESH_MS = 15_000;
/** The longest wait between attempts while refreshes fail. */
export const CRASH_REFRESH_MAX_MS = 120_000;
/**
 * After a stream event about the object or its Pods: the Pod's status moves a moment after the
 * change that caused it (a new Pod starts, then crashes), and a burst of events ends as one refresh.
 */
export const STREAM_SETTLE_MS = 2_000;
/** A stream-triggered refresh never follows another answer sooner than this. */
export const NUDGE_MIN_GAP_MS = 5_000;

/**
 * Whether the panel may poll here. Embeds render under `Providers live={false}` (no live stream):
 * a portal's page full of iframes would otherwise multiply the log reads, and they poll on their
 * own terms. Snapshots (`/s/…`) show a diff as it was: nothing there may move.
 */
export function crashPollingAllowed({ hasLiveStream, pathname }: { hasLiveStream: boolean; pathname: string | undefined }): boolean {
  if (!hasLiveStream) return false;
  if (pathname === undefined) return true;
  return !(pathname === '/embed' || pathname.startsWith('/embed/') || pathname.startsWith('/s/'));
}

export interface RefreshTimes {
  /** When the last good answer arrived (0: none yet). */
  dataUpdatedAt: number;
  /** When the last failure arrived (0: none). */
  errorUpdatedAt: number;
  /** When the panel opened: the start of failing when no answer ever came. */
  openedAt: number;
}

/**
 * The wait before the next refresh, or false for none. While refreshes fail (the API server is
 * struggling, the dashboard restarts) the wait is as long as they have been failing, so it doubles,
 * up to CRASH_REFRESH_MAX_MS: an incident's API server is not asked harder because it is slow.
 */
export function crashRefetchInterval(polling: boolean, t: RefreshTimes): number | false {
  if (!polling) return false;
  if (t.errorUpdatedAt <= t.dataUpdatedAt) return CRASH_REFRESH_MS;
  const failingFor = t.errorUpdatedAt - (t.dataUpdatedAt || t.openedAt);
  return Math.min(CRASH_REFRESH_MAX_MS, Math.max(CRASH_REFRESH_MS, failingFor));
}

/** What the panel listens for on the live stream: the object, its owners, its Pods, and their siblings by name. */
export interface CrashWatch {
  cluster: string;
  namespace: string;
  /** The object's name; for a workload, `<name>-…` Pods, ReplicaSets and Jobs are taken to be its own. */
  name: string;
  workload: boolean;
  ids: ReadonlySet<string>;
}

export function crashWatchOf(id: string, t: CrashTimeline | undefined): CrashWatch | undefined {
  const ref = parseObjectId(id);
  if (!ref) return undefined;
  const ids = new Set([id]);
  for (const o of t?.owners ?? []) ids.add(formatObjectId({ cluster: ref.cluster, group: o.group, kind: o.kind, namespace: o.namespace, name: o.name }));
  for (const p of t?.pods ?? []) ids.add(formatObjectId({ cluster: ref.cluster, group: '', kind: 'Pod', namespace: p.namespace, name: p.name }));
  return { cluster: ref.cluster, namespace: ref.namespace, name: ref.name, workload: ref.kind !== 'Pod', ids };
}

// The kinds a workload's generated children have; their names start with the workload's.
const CHILD_KINDS = new Set(['/Pod', 'apps/ReplicaSet', 'batch/Job']);

/**
 * Whether a drift event may change the panel's report: the object's, an owner's or an examined
 * Pod's drift (the panel's drift lanes and hint), or a workload's new Pod or ReplicaSet (a rollout,
 * whose Pod is not in the last report yet). Matching children by name prefix can take in another
 * workload's (`api` and `api-gateway`); that costs one early refresh, which the gap below bounds.
 */
export function eventConcerns(e: DriftStreamEvent, w: CrashWatch): boolean {
  const id = e.type === 'upsert' ? e.state.id : e.id;
  if (w.ids.has(id)) return true;
  if (!w.workload) return false;
  const ref = parseObjectId(id);
  return ref !== undefined && ref.cluster === w.cluster && ref.namespace === w.namespace && CHILD_KINDS.has(`${ref.group}/${ref.kind}`) && ref.name.startsWith(`${w.name}-`);
}

/** How far the panel has read the stream's buffer. */
export interface StreamCursor {
  seq: number;
  /** The stream's `resets` when `seq` was taken: after a reset, sequence numbers may start again. */
  resets: number;
}

/**
 * Moves the cursor over `events` (the stream's events after `cursor.seq`, oldest first, read after
 * a reset as all of them) and says whether one concerns the panel.
 */
export function advanceCursor(cursor: StreamCursor, resets: number, events: readonly DriftStreamEvent[], w: CrashWatch | undefined): { cursor: StreamCursor; hit: boolean } {
  let seq = resets === cursor.resets ? cursor.seq : -Infinity;
  let hit = false;
  for (const e of events) {
    if (e.seq <= seq) continue;
    seq = e.seq;
    if (!hit && w && eventConcerns(e, w)) hit = true;
  }
  return { cursor: { seq, resets }, hit };
}

/** The sequence number to start reading from: the buffer's events before the panel opened are old news. */
export function cursorAt(resets: number, events: readonly DriftStreamEvent[]): StreamCursor {
  return { seq: events.length > 0 ? events[events.length - 1]!.seq : -Infinity, resets };
}

export type NudgeDecision = 'fetch' | 'wait' | 'covered';

/**
 * Whether a refresh asked for by a stream event (at `pendingSince`) is to run now. An answer that
 * arrived after the event had settled already shows it ('covered'); a hidden tab waits (the
 * refresh on return covers it); otherwise it runs once the event has settled and the last answer
 * is NUDGE_MIN_GAP_MS old.
 */
export function nudgeDecision(s: { pendingSince: number; now: number; lastAnswerAt: number; fetching: boolean; hidden: boolean; notBefore?: number }): NudgeDecision {
  const settled = s.pendingSince + STREAM_SETTLE_MS;
  if (s.lastAnswerAt >= settled) return 'covered';
  if (s.hidden || s.fetching) return 'wait';
  // While refreshes fail, a stream event does not ask sooner than the back-off would.
  if (s.notBefore !== undefined && s.now < s.notBefore) return 'wait';
  return s.now >= settled && s.now >= s.lastAnswerAt + NUDGE_MIN_GAP_MS ? 'fetch' : 'wait';
}

/** When, while refreshes fail, the next may be made at the earliest (the back-off); 0 when they do not fail. */
export function retryNotBefore(polling: boolean, t: RefreshTimes): number {
  if (t.errorUpdatedAt <= t.dataUpdatedAt) return 0;
  const wait = crashRefetchInterval(polling, t);
  return wait === false ? Number.POSITIVE_INFINITY : t.errorUpdatedAt + wait;
}

/** The key under which a container's crash excerpt is kept open across refreshes. */
export const excerptKey = (namespace: string, pod: string, container: string) => `${namespace}/${pod}/${container}`;

/**
 * The set of open excerpts after a `<details>` toggled. The same set when nothing changed: the
 * toggle event also fires when React renders an excerpt open, and must not cause another render.
 */
export function withExcerptOpen(open: ReadonlySet<string>, key: string, isOpen: boolean): ReadonlySet<string> {
  if (open.has(key) === isOpen) return open;
  const next = new Set(open);
  if (isOpen) next.add(key);
  else next.delete(key);
  return next;
}
