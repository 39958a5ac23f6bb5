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

/** The most recent pod-shaping drift at or before the first crash, within the window. */
export function driftBeforeCrash(drifts: readonly DriftMark[], crashes: readonly CrashMark[], windowMs: number): DriftBeforeCrash | undefined {
  const valid = crashes.filter((c) => !Number.isNaN(t(c.at)));
  if (valid.length === 0) return undefined;
  const first = valid.reduce((a, b) => (t(b.at) < t(a.at) ? b : a));
  const firstAt = t(first.at);
  let best: DriftMark | undefined;
  for (const d of drifts) {
    const at = t(d.at);
    if (Number.isNaN(at) || !shapesPods(d.kind, d.path)) continue;
    if (at > firstAt || firstAt - at > windowMs) continue;
    if (!best || at > t(best.at)) best = d;
  }
  if (!best) return undefined;
  return { drift: best, crash: first, leadMs: firstAt - t(best.at), windowMs };
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
