/** The crash-correlation API for the browser (docs/crash-correlation.md). Types only from the server side. */
import type { CrashTimeline } from '../live/crash-timeline';
import { getJson } from './api';

export type { CrashTimeline };
export type { ContainerCrashReport, PodCrashReport } from '../kube/pod-crash-report';
export type { CrashMark, DriftBeforeCrash, DriftMark } from '../health/crash-correlation';
export type { CrashSummary } from '../health/crash-parser';

/** Kinds the health API covers: Pods and the workloads that own them. */
export const CRASH_KINDS = new Set(['/Pod', 'apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'batch/CronJob']);

export const fetchCrashTimeline = (id: string, signal?: AbortSignal) =>
  getJson<CrashTimeline>(`/api/v1/health/object?id=${encodeURIComponent(id)}`, signal);

export function formatLead(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  return `${Math.round(m / 60)} h`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
