/**
 * Drift and crashes on one time axis, and the "drift before crash" hint: a field that shapes the
 * Pod (the Pod's spec or metadata, a workload's pod template) changed at most `windowMs` before
 * the first crash. Pure; the caller gathers the marks from the live state, the history store and
 * the Pods' status.
 */

export interface DriftMark {
  /** ISO time the field changed (managedFields time of its manager, or when history saw it). */
  at: string;
  objectId: string;
  kind: string;
  name: string;
  path: string;
  manager?: string;
  /** `live`: the current drift state's attribution; `history`: an episode of the history store. */
  from: 'live' | 'history';
}

export interface CrashMark {
  at: string;
  pod: string;
  container: string;
  reason?: string;
  exitCode?: number;
  restarts: number;
  /** Panic or exception message, already masked. */
  message?: string;
  /** `file.go:42` */
  location?: string;
  /** `status`: a termination in the Pod's status; `history`: a restart or CrashLoopBackOff the watch recorded. */
  from: 'status' | 'history';
  /** When the Pod was created: none of its crashes is older (a rollout's new Pod starts after the change). */
  podCreatedAt?: string;
}

export interface DriftBeforeCrash {
  drift: DriftMark;
  /** The first crash after it. */
  crash: CrashMark;
  leadMs: number;
  windowMs: number;
}

/** Paths whose change alters the Pods an object runs. */
export function shapesPods(kind: string, path: string): boolean {
  switch (kind) {
    case 'Pod':
      return path.startsWith('spec.') || path.startsWith('metadata.labels') || path.startsWith('metadata.annotations');
    case 'CronJob':
      return path.startsWith('spec.jobTemplate.spec.template.');
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
      return path.startsWith('spec.template.');
    default:
      return false;
  }
}

const t = (iso: string) => Date.parse(iso);

/** The kubelet's restart back-off: 10 s, doubling, at most 5 minutes (reset only after 10 minutes of running). */
const BACKOFF_FIRST_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;

/**
 * How long before a status termination the container's crashes began, at least: a status keeps
 * only the last of `restarts` terminations, and the kubelet waited its back-off between each two.
 */
export function minCrashLoopSpanMs(restarts: number): number {
  let span = 0;
  for (let i = 0; i < restarts - 1; i++) span += Math.min(BACKOFF_FIRST_MS * 2 ** i, BACKOFF_MAX_MS);
  return span;
}

/**
 * The latest time by which a mark's container had certainly crashed for the first time: the
 * back-offs before its last termination, but never before its Pod existed.
 */
function firstCrashBy(c: CrashMark): number {
  const byBackoff = t(c.at) - (c.from === 'status' ? minCrashLoopSpanMs(c.restarts) : 0);
  const created = c.podCreatedAt ? t(c.podCreatedAt) : Number.NaN;
  return Number.isNaN(created) ? byBackoff : Math.max(byBackoff, created);
}

/**
 * The most recent pod-shaping drift that crashes followed within the window, and before which
 * nothing crashed within the window: a change made while Pods already crashed (a fix being tried)
 * came after the trouble, and a crash of some other Pod long before (an old ReplicaSet's, days
 * ago) says nothing about this change.
 */
export function driftBeforeCrash(drifts: readonly DriftMark[], crashes: readonly CrashMark[], windowMs: number): DriftBeforeCrash | undefined {
  const valid = crashes.filter((c) => !Number.isNaN(t(c.at))).sort((a, b) => t(a.at) - t(b.at));
  if (valid.length === 0) return undefined;
  let best: { drift: DriftMark; crash: CrashMark; at: number } | undefined;
  for (const d of drifts) {
    const at = t(d.at);
    if (Number.isNaN(at) || !shapesPods(d.kind, d.path)) continue;
    if (best && at <= best.at) continue;
    const crashingBefore = valid.some((c) => {
      const first = firstCrashBy(c);
      return first < at && at - first <= windowMs;
    });
    if (crashingBefore) continue;
    const next = valid.find((c) => t(c.at) >= at && t(c.at) - at <= windowMs);
    if (next) best = { drift: d, crash: next, at };
  }
  if (!best) return undefined;
  return { drift: best.drift, crash: best.crash, leadMs: t(best.crash.at) - best.at, windowMs };
}

/** One mark per (object, path, time): the live state and the history often tell of the same change. */
export function dedupeDrifts(drifts: readonly DriftMark[]): DriftMark[] {
  const seen = new Map<string, DriftMark>();
  for (const d of drifts) {
    const key = `${d.objectId}|${d.path}|${Math.floor(t(d.at) / 1000)}`;
    const prev = seen.get(key);
    if (!prev || (prev.from === 'history' && d.from === 'live')) seen.set(key, d);
  }
  return [...seen.values()].sort((a, b) => t(a.at) - t(b.at));
}

/** Crash marks oldest first; a status termination and a history record of the same restart are kept both (they differ in time). */
export function sortCrashes(crashes: readonly CrashMark[]): CrashMark[] {
  return [...crashes].sort((a, b) => t(a.at) - t(b.at));
}
