/**
 * Crashes beside drift for one object (a Pod or a workload): the Pods' crash reports read on
 * demand (lib/kube/pod-crash-report.ts), the drift of the object, its owners and its Pods from the
 * live state and the history store, and the "drift before crash" hint. Nothing here is stored:
 * logs are read per request and only their parsed summary is returned.
 */
import type { CrashesConfig } from '../config/crashes-config';
import {
  dedupeDrifts,
  driftBeforeCrash,
  shapesPods,
  sortCrashes,
  type CrashMark,
  type DriftBeforeCrash,
  type DriftMark,
} from '../health/crash-correlation';
import { frameLabel } from '../health/crash-parser';
import { objectCrashReport, supportsCrashReport, type ObjectCrashReport, type OwnerInfo } from '../kube/pod-crash-report';
import type { LiveRuntime } from './runtime';
import { malformedObjectIdMessage, objectId, parseObjectId } from './types';

export interface CrashTimeline extends ObjectCrashReport {
  id: string;
  drifts: DriftMark[];
  crashes: CrashMark[];
  hint?: DriftBeforeCrash;
  windowMs: number;
  /** The bounds every log fetch used. */
  logLimits: { tailLines: number; limitBytes: number };
  /** Why the history store did not contribute, if it did not. */
  historyNote?: string;
}

export class CrashTimelineError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** At most this many objects' histories are read per request (the object, its owners, its first Pods). */
const HISTORY_LOOKUPS = 8;

export async function crashTimeline(runtime: LiveRuntime, id: string, cfg: CrashesConfig = runtime.config.crashes, signal?: AbortSignal): Promise<CrashTimeline> {
  const ref = parseObjectId(id);
  if (!ref) throw new CrashTimelineError(400, malformedObjectIdMessage(id));
  if (!supportsCrashReport(ref.group, ref.kind)) throw new CrashTimelineError(400, `crash reports cover Pods and their workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob), not ${ref.kind}`);
  const watcher = runtime.clusters.get(ref.cluster);
  if (!watcher) throw new CrashTimelineError(404, `no cluster named ${ref.cluster}`);
  const report = await objectCrashReport(watcher.kubeConfig, ref, { ...cfg, ...(signal ? { signal } : {}) });

  const related: Array<{ id: string; kind: string; name: string }> = [
    { id, kind: ref.kind, name: ref.name },
    ...report.owners.map((o: OwnerInfo) => ({ id: objectId({ cluster: ref.cluster, ...o }), kind: o.kind, name: o.name })),
    ...(ref.kind === 'Pod' ? [] : report.pods.map((p) => ({ id: objectId({ cluster: ref.cluster, group: '', kind: 'Pod', namespace: p.namespace, name: p.name }), kind: 'Pod', name: p.name }))),
  ];

  const drifts: DriftMark[] = [];
  for (const r of related) {
    const state = runtime.get(r.id)?.state;
    for (const c of state?.changes ?? []) {
      if (!c.manager?.time || !shapesPods(r.kind, c.path)) continue;
      drifts.push({ at: c.manager.time, objectId: r.id, kind: r.kind, name: r.name, path: c.path, manager: c.manager.name, from: 'live' });
    }
  }

  const crashes: CrashMark[] = [];
  for (const p of report.pods) {
    for (const c of p.crashed) {
      if (!c.termination.finishedAt) continue;
      crashes.push({
        at: c.termination.finishedAt,
        pod: p.name,
        container: c.container,
        restarts: c.restarts,
        from: 'status',
        ...(p.createdAt ? { podCreatedAt: p.createdAt } : {}),
        ...(c.termination.reason ? { reason: c.termination.reason } : {}),
        ...(c.termination.exitCode !== undefined ? { exitCode: c.termination.exitCode } : {}),
        ...(c.crash ? { message: c.crash.message } : {}),
        ...(c.crash?.frame ? { location: frameLabel(c.crash.frame) } : {}),
      });
    }
  }

  let historyNote: string | undefined;
  const h = runtime.historyStore();
  if ('error' in h) {
    historyNote = h.error;
  } else {
    const lookups = related.slice(0, HISTORY_LOOKUPS);
    const histories = await Promise.all(
      lookups.map((r) => {
        const pr = parseObjectId(r.id);
        return pr ? h.store.objectHistory(pr, { limit: 200, transitionLimit: 20 }).catch(() => undefined) : Promise.resolve(undefined);
      }),
    );
    histories.forEach((hist, i) => {
      const r = lookups[i]!;
      if (!hist) return;
      for (const e of hist.episodes) {
        if (!shapesPods(r.kind, e.path)) continue;
        for (const tr of e.transitions) {
          drifts.push({ at: tr.at.toISOString(), objectId: r.id, kind: r.kind, name: r.name, path: e.path, from: 'history', ...(tr.manager?.name ? { manager: tr.manager.name } : {}) });
        }
      }
      if (r.kind !== 'Pod') return;
      for (const ph of hist.podHealth) {
        crashes.push({
          at: ph.at.toISOString(),
          pod: r.name,
          container: ph.container ?? '',
          restarts: ph.restarts,
          from: 'history',
          ...(ph.reason ? { reason: ph.reason } : {}),
        });
      }
    });
  }

  const marks = dedupeDrifts(drifts);
  const sorted = sortCrashes(crashes);
  const hint = driftBeforeCrash(marks, sorted, cfg.driftWindow);
  return {
    ...report,
    id,
    drifts: marks,
    crashes: sorted,
    ...(hint ? { hint } : {}),
    windowMs: cfg.driftWindow,
    logLimits: { tailLines: cfg.tailLines, limitBytes: cfg.limitBytes },
    ...(historyNote ? { historyNote } : {}),
  };
}
