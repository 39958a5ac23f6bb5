/**
 * A Pod's health from its status alone: what `kubectl get pod` and `kubectl describe pod` would
 * say about every container (init, app and ephemeral), without the kubelet's logs. Pure: the input
 * is the Pod object as the API server returns it (untyped JSON, so every field is checked).
 */
import { maskedTerminationMessage } from './log-mask';

export type ContainerType = 'init' | 'sidecar' | 'app' | 'ephemeral';

/** Known reasons, so the UI and the timeline can tell a crash from a slow start. */
export const WAITING_PROBLEMS = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError',
] as const;

export interface Termination {
  exitCode?: number;
  reason?: string;
  /** The signal that ended the process: the status's own field, or exit code − 128 for codes 129-192 (a shell's convention). */
  signal?: number;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface ContainerHealth {
  name: string;
  type: ContainerType;
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  ready: boolean;
  restarts: number;
  /** The waiting or terminated reason of the current state. */
  reason?: string;
  message?: string;
  /** What is wrong (or done), if anything: a waiting problem, `OOMKilled`, `Error`, `Completed`. */
  problem?: string;
  /** The current state's termination, when the container is terminated now. */
  termination?: Termination;
  /** `lastState.terminated`: how the previous instance ended (the one `logs --previous` shows). */
  lastTermination?: Termination;
  startedAt?: string;
}

export type PodVerdict = 'healthy' | 'progressing' | 'degraded' | 'completed' | 'failed' | 'terminating' | 'unknown';

export interface PodHealth {
  phase: string;
  verdict: PodVerdict;
  /** Distinct problems of all containers, most severe first (`CrashLoopBackOff`, `OOMKilled`, …). */
  problems: string[];
  restarts: number;
  containers: ContainerHealth[];
  nodeName?: string;
  deleting: boolean;
  /** The Pod's own reason and message (eviction, `DeadlineExceeded`, …). */
  reason?: string;
  message?: string;
}

/** A container instance that ended with a non-zero exit code (or a termination signal). */
export interface CrashRecord {
  container: string;
  type: ContainerType;
  at: string;
  exitCode?: number;
  reason?: string;
  signal?: number;
  /** From `lastState` (the previous instance) or `state` (the current one). */
  instance: 'previous' | 'current';
  restarts: number;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
/** YAML parsers turn unquoted timestamps into Date objects; the API server sends strings. */
const time = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString().replace('.000Z', 'Z') : str(v));

function termination(v: unknown): Termination | undefined {
  if (!isObj(v)) return undefined;
  const exitCode = num(v.exitCode);
  const ownSignal = num(v.signal);
  const signal = ownSignal && ownSignal > 0 ? ownSignal : exitCode !== undefined && exitCode > 128 && exitCode <= 192 ? exitCode - 128 : undefined;
  const t: Termination = {};
  if (exitCode !== undefined) t.exitCode = exitCode;
  const reason = str(v.reason);
  if (reason) t.reason = reason;
  if (signal !== undefined) t.signal = signal;
  // The log's tail under FallbackToLogsOnError: masked before any of it leaves the server.
  const message = str(v.message);
  if (message) t.message = maskedTerminationMessage(message);
  const startedAt = time(v.startedAt);
  if (startedAt) t.startedAt = startedAt;
  const finishedAt = time(v.finishedAt);
  if (finishedAt) t.finishedAt = finishedAt;
  return t;
}

const failedTermination = (t: Termination | undefined): boolean =>
  t !== undefined && ((t.exitCode !== undefined && t.exitCode !== 0) || t.signal !== undefined || (t.reason !== undefined && t.reason !== 'Completed'));

function containerHealth(name: string, type: ContainerType, s: Obj | undefined): ContainerHealth {
  const c: ContainerHealth = { name, type, state: 'unknown', ready: s?.ready === true, restarts: num(s?.restartCount) ?? 0 };
  const state = isObj(s?.state) ? s.state : {};
  const last = isObj(s?.lastState) ? s.lastState : {};
  const lastTermination = termination(last.terminated);
  if (lastTermination) c.lastTermination = lastTermination;
  if (isObj(state.running)) {
    c.state = 'running';
    const startedAt = time(state.running.startedAt);
    if (startedAt) c.startedAt = startedAt;
  } else if (isObj(state.waiting)) {
    c.state = 'waiting';
    const reason = str(state.waiting.reason);
    // Image pull errors quote the registry's answer, and URLs may carry credentials.
    const message = str(state.waiting.message);
    if (reason) c.reason = reason;
    if (message) c.message = maskedTerminationMessage(message);
  } else if (isObj(state.terminated)) {
    c.state = 'terminated';
    const t = termination(state.terminated);
    if (t) {
      c.termination = t;
      if (t.reason) c.reason = t.reason;
      if (t.message) c.message = t.message;
    }
  }
  const problem = problemOf(c);
  if (problem) c.problem = problem;
  return c;
}

function problemOf(c: ContainerHealth): string | undefined {
  if (c.state === 'waiting' && c.reason && (WAITING_PROBLEMS as readonly string[]).includes(c.reason)) return c.reason;
  if (c.state === 'terminated' && c.termination) {
    if (!failedTermination(c.termination)) return 'Completed';
    return c.termination.reason ?? 'Error';
  }
  // Running again after being OOM-killed: still the thing to look at.
  if (c.lastTermination?.reason === 'OOMKilled') return 'OOMKilled';
  return undefined;
}

const SEVERITY = ['CrashLoopBackOff', 'OOMKilled', 'ImagePullBackOff', 'ErrImagePull', 'Error'];
const rank = (p: string) => {
  const i = SEVERITY.indexOf(p);
  return i < 0 ? (p === 'Completed' ? SEVERITY.length + 1 : SEVERITY.length) : i;
};

/** Every container of the spec, each with its status when there is one (the order of the spec). */
export function podHealth(pod: unknown): PodHealth {
  const p = isObj(pod) ? pod : {};
  const meta = isObj(p.metadata) ? p.metadata : {};
  const spec = isObj(p.spec) ? p.spec : {};
  const status = isObj(p.status) ? p.status : {};
  const byName = (list: unknown) => new Map(objs(list).map((s) => [str(s.name) ?? '', s]));
  const initStatus = byName(status.initContainerStatuses);
  const appStatus = byName(status.containerStatuses);
  const ephStatus = byName(status.ephemeralContainerStatuses);

  const containers: ContainerHealth[] = [];
  const seen = new Set<string>();
  const add = (name: string, type: ContainerType, s: Obj | undefined) => {
    if (seen.has(`${type === 'sidecar' ? 'init' : type}/${name}`)) return;
    seen.add(`${type === 'sidecar' ? 'init' : type}/${name}`);
    containers.push(containerHealth(name, type, s));
  };
  for (const c of objs(spec.initContainers)) {
    const name = str(c.name) ?? '';
    add(name, c.restartPolicy === 'Always' ? 'sidecar' : 'init', initStatus.get(name));
  }
  for (const c of objs(spec.containers)) add(str(c.name) ?? '', 'app', appStatus.get(str(c.name) ?? ''));
  for (const c of objs(spec.ephemeralContainers)) add(str(c.name) ?? '', 'ephemeral', ephStatus.get(str(c.name) ?? ''));
  // Statuses the spec does not list (a partial object): still shown.
  for (const [name, s] of initStatus) add(name, 'init', s);
  for (const [name, s] of appStatus) add(name, 'app', s);
  for (const [name, s] of ephStatus) add(name, 'ephemeral', s);

  const phase = str(status.phase) ?? 'Unknown';
  const deleting = str(meta.deletionTimestamp) !== undefined || meta.deletionTimestamp instanceof Date;
  const problems = [...new Set(containers.map((c) => c.problem).filter((x): x is string => x !== undefined))].sort((a, b) => rank(a) - rank(b));
  const restarts = containers.reduce((n, c) => n + c.restarts, 0);
  const health: PodHealth = { phase, verdict: verdictOf(phase, deleting, containers), problems, restarts, containers, deleting };
  const nodeName = str(spec.nodeName);
  if (nodeName) health.nodeName = nodeName;
  const reason = str(status.reason);
  if (reason) health.reason = reason;
  const message = str(status.message);
  if (message) health.message = message;
  return health;
}

function verdictOf(phase: string, deleting: boolean, containers: ContainerHealth[]): PodVerdict {
  if (deleting) return 'terminating';
  if (phase === 'Succeeded') return 'completed';
  if (phase === 'Failed') return 'failed';
  // Init containers that completed are fine; ones that failed (and will be retried) are not.
  const bad = containers.some(
    (c) =>
      (c.problem !== undefined && c.problem !== 'Completed' && c.type !== 'ephemeral') ||
      (c.type === 'app' && c.state === 'terminated' && failedTermination(c.termination)),
  );
  if (bad) return 'degraded';
  if (phase === 'Pending') return 'progressing';
  if (phase === 'Running') {
    const serving = containers.filter((c) => c.type === 'app' || c.type === 'sidecar');
    return serving.every((c) => c.ready) ? 'healthy' : 'progressing';
  }
  return 'unknown';
}

/**
 * The crashes the status still tells of, oldest first: how each container's previous instance
 * ended and, if it is terminated now, the current one. A status keeps only the last termination
 * per container; older ones are known only to whoever watched them happen (the history store).
 */
export function crashesOf(health: PodHealth): CrashRecord[] {
  const out: CrashRecord[] = [];
  for (const c of health.containers) {
    const push = (t: Termination | undefined, instance: CrashRecord['instance']) => {
      if (!t || !failedTermination(t) || !t.finishedAt) return;
      const r: CrashRecord = { container: c.name, type: c.type, at: t.finishedAt, instance, restarts: c.restarts };
      if (t.exitCode !== undefined) r.exitCode = t.exitCode;
      if (t.reason) r.reason = t.reason;
      if (t.signal !== undefined) r.signal = t.signal;
      out.push(r);
    };
    push(c.lastTermination, 'previous');
    push(c.termination, 'current');
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

const STATUS_LISTS = ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses'] as const;

/**
 * A Pod object with every container state's message masked and cut (maskedTerminationMessage),
 * for showing it whole (the object page, snapshots): a terminated state's message may be the tail
 * of the container's log. Other objects, and Pods without such messages, are returned as given.
 */
export function withMaskedStatusMessages<T>(obj: T): T {
  if (!isObj(obj) || obj.kind !== 'Pod' || !isObj(obj.status)) return obj;
  const status: Obj = { ...obj.status };
  let changed = false;
  for (const list of STATUS_LISTS) {
    if (!Array.isArray(status[list])) continue;
    status[list] = (status[list] as unknown[]).map((c) => {
      if (!isObj(c)) return c;
      const out: Obj = { ...c };
      for (const which of ['state', 'lastState'] as const) {
        const st = c[which];
        if (!isObj(st)) continue;
        const copy: Obj = { ...st };
        for (const phase of ['terminated', 'waiting'] as const) {
          const p = st[phase];
          if (isObj(p) && typeof p.message === 'string') {
            copy[phase] = { ...p, message: maskedTerminationMessage(p.message) };
            changed = true;
          }
        }
        out[which] = copy;
      }
      return out;
    });
  }
  return changed ? ({ ...obj, status } as T) : obj;
}

