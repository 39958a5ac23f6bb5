/**
 * Crash reports on demand: the Pods of an object (the Pod itself, or a workload's Pods through
 * its ReplicaSets or Jobs), each Pod's health from its status, and for containers that crashed the
 * summary of their log (crash-parser.ts). Only the summary leaves this module; the log text is
 * dropped as soon as it is parsed.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from './cache-diff';
import { getJson, KubeApiError, type RequestOptions } from './http';
import { fetchContainerLog } from './pod-logs';
import { parseCrashLog, type CrashSummary } from '../health/crash-parser';
import { podHealth, type ContainerType, type PodHealth, type Termination } from '../health/pod-health';

export interface ObjectLocator {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface OwnerInfo extends ObjectLocator {
  uid?: string;
}

export interface CrashReportOptions {
  tailLines: number;
  limitBytes: number;
  /** Pods examined per object; Pods with problems first. */
  maxPods: number;
  /** Log fetches per report: the rest of the crashed containers are reported from status alone. */
  maxLogFetches: number;
  timeoutMs?: number;
  /** Ends every request of the report (the reader went away). */
  signal?: AbortSignal;
}

export interface LogFetchInfo {
  fetched: boolean;
  previous: boolean;
  bytes?: number;
  truncated?: boolean;
  ms?: number;
  /** Why there is no log: the API server's message, or that the fetch budget was spent. */
  error?: string;
  /** Read by an earlier report: the log of an instance that has finished cannot change. */
  cached?: boolean;
}

/**
 * Logs of finished container instances, read once, by KubeConfig (a cluster's credentials) and
 * `uid/container/instance/restarts/finishedAt/tail/limit`. A crashed instance's log is final until
 * the next restart, which moves the restart count (the key): an open crash panel refreshing every
 * 15 s, or several people watching one crash loop, then cost no log reads between restarts.
 */
const finishedLogs = new WeakMap<KubeConfig, Map<string, { log: LogFetchInfo; crash?: CrashSummary }>>();
const FINISHED_LOGS_MAX = 256;

function finishedLogCache(kc: KubeConfig): Map<string, { log: LogFetchInfo; crash?: CrashSummary }> {
  let m = finishedLogs.get(kc);
  if (m === undefined) {
    m = new Map();
    finishedLogs.set(kc, m);
  }
  return m;
}

export interface ContainerCrashReport {
  container: string;
  type: ContainerType;
  restarts: number;
  problem?: string;
  /** The instance that crashed: the previous one (lastState) or the current one (terminated now). */
  instance: 'previous' | 'current';
  termination: Termination;
  crash?: CrashSummary;
  log: LogFetchInfo;
}

export interface PodCrashReport {
  namespace: string;
  name: string;
  uid?: string;
  createdAt?: string;
  /** The Pod's controller (ReplicaSet, Job, …). */
  owner?: OwnerInfo;
  health: PodHealth;
  crashed: ContainerCrashReport[];
}

export interface ObjectCrashReport {
  object: ObjectLocator & { uid?: string };
  /** Owners above the object (Pod -> ReplicaSet -> Deployment), nearest first. */
  owners: OwnerInfo[];
  pods: PodCrashReport[];
  /** Pods that exist but were not examined (maxPods). */
  morePods: number;
}

const RESOURCES: Record<string, { apiVersion: string; resource: string }> = {
  '/Pod': { apiVersion: 'v1', resource: 'pods' },
  'apps/ReplicaSet': { apiVersion: 'apps/v1', resource: 'replicasets' },
  'apps/Deployment': { apiVersion: 'apps/v1', resource: 'deployments' },
  'apps/StatefulSet': { apiVersion: 'apps/v1', resource: 'statefulsets' },
  'apps/DaemonSet': { apiVersion: 'apps/v1', resource: 'daemonsets' },
  'batch/Job': { apiVersion: 'batch/v1', resource: 'jobs' },
  'batch/CronJob': { apiVersion: 'batch/v1', resource: 'cronjobs' },
};

/** Kinds whose Pods sit one level further down: Deployment -> ReplicaSet -> Pod, CronJob -> Job -> Pod. */
const INTERMEDIATE: Record<string, string> = { 'apps/Deployment': 'apps/ReplicaSet', 'batch/CronJob': 'batch/Job' };

export function supportsCrashReport(group: string, kind: string): boolean {
  return `${group}/${kind}` in RESOURCES;
}

function path(gk: string, namespace: string, name?: string, query?: Record<string, string>): string {
  const r = RESOURCES[gk];
  if (!r) throw new Error(`no crash report for ${gk}`);
  const base = r.apiVersion.includes('/') ? `/apis/${r.apiVersion}` : `/api/${r.apiVersion}`;
  const qs = query && Object.keys(query).length > 0 ? `?${new URLSearchParams(query).toString()}` : '';
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${r.resource}${name ? `/${encodeURIComponent(name)}` : ''}${qs}`;
}

const groupOfApiVersion = (v: string | undefined) => (v && v.includes('/') ? v.slice(0, v.indexOf('/')) : '');

function controllerOf(obj: KubeObject): OwnerInfo | undefined {
  const refs = (obj.metadata as { ownerReferences?: Array<{ apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean }> }).ownerReferences ?? [];
  const c = refs.find((r) => r.controller) ?? refs[0];
  if (!c?.kind || !c.name) return undefined;
  return { group: groupOfApiVersion(c.apiVersion), kind: c.kind, namespace: obj.metadata.namespace ?? '', name: c.name, ...(c.uid ? { uid: c.uid } : {}) };
}

const ownedBy = (obj: KubeObject, uids: Set<string>) =>
  ((obj.metadata as { ownerReferences?: Array<{ uid?: string }> }).ownerReferences ?? []).some((r) => r.uid !== undefined && uids.has(r.uid));

function selectorQuery(obj: KubeObject): Record<string, string> {
  const ml = (obj.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels;
  // Only a narrowing: ownership below decides, so matchExpressions can be left out.
  return ml && Object.keys(ml).length > 0 ? { labelSelector: Object.entries(ml).map(([k, v]) => `${k}=${v}`).join(',') } : {};
}

async function list(kc: KubeConfig, gk: string, namespace: string, query: Record<string, string>, req: RequestOptions): Promise<KubeObject[]> {
  const l = await getJson<{ items: KubeObject[] }>(kc, path(gk, namespace, undefined, query), req);
  return l.items;
}

/** The owner chain above an object, nearest first, as far as the kinds known here go. */
async function ownersOf(kc: KubeConfig, obj: KubeObject, req: RequestOptions): Promise<OwnerInfo[]> {
  const out: OwnerInfo[] = [];
  let cur: KubeObject | undefined = obj;
  for (let depth = 0; cur && depth < 3; depth++) {
    const owner = controllerOf(cur);
    if (!owner) break;
    out.push(owner);
    const gk = `${owner.group}/${owner.kind}`;
    if (!RESOURCES[gk]) break;
    cur = await getJson<KubeObject>(kc, path(gk, owner.namespace, owner.name), req).catch(() => undefined);
  }
  return out;
}

async function podsOf(kc: KubeConfig, ref: ObjectLocator, obj: KubeObject, req: RequestOptions): Promise<KubeObject[]> {
  const gk = `${ref.group}/${ref.kind}`;
  if (gk === '/Pod') return [obj];
  let owners = new Set([obj.metadata.uid ?? '']);
  const mid = INTERMEDIATE[gk];
  if (mid) {
    // A CronJob's Jobs carry no selector of its own: list them all in the namespace.
    const query = gk === 'batch/CronJob' ? {} : selectorQuery(obj);
    const children = (await list(kc, mid, ref.namespace, query, req)).filter((c) => ownedBy(c, owners));
    owners = new Set(children.map((c) => c.metadata.uid ?? ''));
    if (owners.size === 0) return [];
  }
  // A Job's Pods carry its uid in `controller-uid` (and, since 1.27, batch.kubernetes.io/controller-uid):
  // the CronJob's Pods are asked for by their Jobs' uids, not by listing every Pod in the namespace.
  const podQuery = mid === 'batch/Job' ? { labelSelector: `controller-uid in (${[...owners].join(',')})` } : selectorQuery(obj);
  return (await list(kc, '/Pod', ref.namespace, podQuery, req)).filter((p) => ownedBy(p, owners));
}

const failed = (t: Termination | undefined): t is Termination =>
  t !== undefined && ((t.exitCode !== undefined && t.exitCode !== 0) || t.signal !== undefined || (t.reason !== undefined && t.reason !== 'Completed'));

export async function objectCrashReport(kc: KubeConfig, ref: ObjectLocator, opts: CrashReportOptions): Promise<ObjectCrashReport> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const req: RequestOptions = { timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) };
  const gk = `${ref.group}/${ref.kind}`;
  if (!RESOURCES[gk]) throw new KubeApiError(400, 'BadRequest', `crash reports cover Pods and their workloads, not ${ref.kind}`);
  const obj = await getJson<KubeObject>(kc, path(gk, ref.namespace, ref.name), req);
  const [owners, allPods] = await Promise.all([ownersOf(kc, obj, req), podsOf(kc, ref, obj, req)]);
  const withHealth = allPods.map((p) => ({ pod: p, health: podHealth(p) }));
  // Pods with problems first, then by restarts, then the newest.
  withHealth.sort(
    (a, b) =>
      Number(b.health.problems.length > 0) - Number(a.health.problems.length > 0) ||
      b.health.restarts - a.health.restarts ||
      String(b.pod.metadata.creationTimestamp ?? '').localeCompare(String(a.pod.metadata.creationTimestamp ?? '')),
  );
  const examined = withHealth.slice(0, opts.maxPods);
  let budget = opts.maxLogFetches;
  const pods: PodCrashReport[] = [];
  for (const { pod, health } of examined) {
    const crashed: ContainerCrashReport[] = [];
    for (const c of health.containers) {
      // A container terminated now crashed in its current instance (its current log); one that
      // was restarted crashed in the previous instance (`--previous`).
      const instance: 'previous' | 'current' | undefined = c.state === 'terminated' && failed(c.termination) ? 'current' : failed(c.lastTermination) ? 'previous' : undefined;
      if (!instance) continue;
      const termination = (instance === 'current' ? c.termination : c.lastTermination)!;
      const report: ContainerCrashReport = {
        container: c.name,
        type: c.type,
        restarts: c.restarts,
        instance,
        termination,
        log: { fetched: false, previous: instance === 'previous' },
        ...(c.problem ? { problem: c.problem } : {}),
      };
      const cache = finishedLogCache(kc);
      const key = `${pod.metadata.uid ?? ''}/${c.name}/${instance}/${c.restarts}/${termination.finishedAt ?? ''}/${opts.tailLines}/${opts.limitBytes}`;
      const hit = pod.metadata.uid ? cache.get(key) : undefined;
      if (hit) {
        // Most recently used last: the oldest entry is the one dropped.
        cache.delete(key);
        cache.set(key, hit);
        report.log = { ...hit.log, cached: true };
        if (hit.crash) report.crash = hit.crash;
      } else if (!health.nodeName) {
        report.log.error = 'the Pod is not on a node: there is no log to read';
      } else if (budget <= 0) {
        report.log.error = `not fetched: at most ${opts.maxLogFetches} logs are read per request`;
      } else {
        budget--;
        try {
          const log = await fetchContainerLog(kc, pod.metadata.namespace ?? ref.namespace, pod.metadata.name, {
            container: c.name,
            previous: instance === 'previous',
            tailLines: opts.tailLines,
            limitBytes: opts.limitBytes,
            ...req,
          });
          report.log = { fetched: true, previous: instance === 'previous', bytes: log.bytes, truncated: log.truncated, ms: Math.round(log.ms * 10) / 10 };
          const crash = parseCrashLog(log.text, termination.exitCode !== undefined ? { exitCode: termination.exitCode } : {});
          if (crash) report.crash = crash;
          // A tail the read could not take to its end (time ran out while it asked for less)
          // may miss the crash: read again next time.
          if (pod.metadata.uid && log.atEnd) {
            cache.set(key, { log: report.log, ...(crash ? { crash } : {}) });
            if (cache.size > FINISHED_LOGS_MAX) cache.delete(cache.keys().next().value as string);
          }
        } catch (err) {
          report.log.error = err instanceof Error ? err.message : String(err);
        }
      }
      crashed.push(report);
    }
    const owner = controllerOf(pod);
    pods.push({
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name,
      ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
      ...(pod.metadata.creationTimestamp ? { createdAt: String(pod.metadata.creationTimestamp) } : {}),
      ...(owner ? { owner } : {}),
      health,
      crashed,
    });
  }
  return {
    object: { ...ref, ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}) },
    owners,
    pods,
    morePods: withHealth.length - examined.length,
  };
}
