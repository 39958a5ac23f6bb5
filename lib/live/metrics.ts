/**
 * Prometheus text exposition (format 0.0.4) of the runtime, computed at scrape time from the
 * state the runtime keeps anyway, so the watch path pays nothing for metrics.
 */
import { LagHistogram } from './lag-histogram';
import type { LiveRuntime } from './runtime';
import { DRIFT_STATUSES } from './types';

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function line(name: string, labels: Record<string, string>, value: number): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');
  return `${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 0}`;
}

export function renderMetrics(runtime: LiveRuntime): string {
  const out: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter' | 'histogram', help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

  family('driftwatch_cluster_ready', 'gauge', '1 while the cluster answers and every watched resource of it has listed.');
  for (const c of runtime.clusterSummaries()) out.push(line('driftwatch_cluster_ready', { cluster: c.name }, c.ready ? 1 : 0));

  // The version too: the `(OpenAPI schema)` rows of two versions of one group are two series.
  const resources = runtime.resourceStates().map((r) => ({ r, labels: { cluster: r.cluster, group: r.group, version: r.version, resource: r.resource } }));
  family('driftwatch_watched_objects', 'gauge', 'Objects in the informer cache, per watched resource.');
  for (const { r, labels } of resources) out.push(line('driftwatch_watched_objects', labels, r.objects));
  family('driftwatch_resource_sync_status', 'gauge', '1 for the current sync status of each watched resource.');
  for (const { r, labels } of resources) out.push(line('driftwatch_resource_sync_status', { ...labels, status: r.status }, 1));
  family('driftwatch_watch_restarts_total', 'counter', 'Watches reopened (server timeout, dropped stream, error, watchdog).');
  for (const { r, labels } of resources) out.push(line('driftwatch_watch_restarts_total', labels, r.watchRestarts));
  family('driftwatch_relists_total', 'counter', 'Lists after the first one (410 Gone, recovery).');
  for (const { r, labels } of resources) out.push(line('driftwatch_relists_total', labels, r.relists));

  const byStatus = new Map<string, number>();
  const drifted = new Map<string, { cluster: string; group: string; kind: string; namespace: string; n: number }>();
  for (const s of runtime.states()) {
    const k = `${s.cluster}\u0000${s.status}`;
    byStatus.set(k, (byStatus.get(k) ?? 0) + 1);
    if (s.status !== 'drifted') continue;
    const dk = `${s.cluster}\u0000${s.group}\u0000${s.kind}\u0000${s.namespace}`;
    const e = drifted.get(dk);
    if (e) e.n++;
    else drifted.set(dk, { cluster: s.cluster, group: s.group, kind: s.kind, namespace: s.namespace, n: 1 });
  }
  family('driftwatch_objects', 'gauge', 'Objects by drift status.');
  for (const c of runtime.clusters.keys()) {
    for (const status of DRIFT_STATUSES) out.push(line('driftwatch_objects', { cluster: c, status }, byStatus.get(`${c}\u0000${status}`) ?? 0));
  }
  family('driftwatch_drifted_objects', 'gauge', 'Drifted objects by group, kind and namespace.');
  for (const d of drifted.values()) out.push(line('driftwatch_drifted_objects', { cluster: d.cluster, group: d.group, kind: d.kind, namespace: d.namespace }, d.n));

  family('driftwatch_event_lag_seconds', 'histogram', 'From the write (newest managedFields time, 1 s resolution) to the watch event reaching the dashboard.');
  for (const [name, w] of runtime.clusters) {
    const h = w.lag;
    LagHistogram.BUCKETS.forEach((b, i) => out.push(line('driftwatch_event_lag_seconds_bucket', { cluster: name, le: String(b) }, h.counts[i] ?? 0)));
    out.push(line('driftwatch_event_lag_seconds_bucket', { cluster: name, le: '+Inf' }, h.count));
    out.push(line('driftwatch_event_lag_seconds_sum', { cluster: name }, h.sum));
    out.push(line('driftwatch_event_lag_seconds_count', { cluster: name }, h.count));
  }

  family('driftwatch_version_reads_total', 'counter', "Objects read in their desired state's version, not the one their kind is watched in, by outcome.");
  for (const [name, w] of runtime.clusters) for (const [result, n] of Object.entries(w.versionReads)) out.push(line('driftwatch_version_reads_total', { cluster: name, result }, n));
  family('driftwatch_drift_events_total', 'counter', 'Drift state changes published on the stream.');
  out.push(line('driftwatch_drift_events_total', {}, runtime.events.lastSeq));
  family('driftwatch_stream_clients', 'gauge', 'Connected /api/v1/stream clients.');
  out.push(line('driftwatch_stream_clients', {}, runtime.events.clients));
  family('driftwatch_manifest_problems', 'gauge', 'Manifest problems: errors (a file or document that could not be loaded) and warnings (loaded, with a caveat).');
  const problems = runtime.manifestProblems();
  for (const severity of ['error', 'warning'] as const) out.push(line('driftwatch_manifest_problems', { severity }, problems.filter((p) => p.severity === severity).length));

  // The usual process families (the names prom-client gives them), so that memory can be watched
  // with the dashboards people already have: a large cluster's informer cache is most of the heap.
  const mem = process.memoryUsage();
  family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.');
  out.push(line('process_resident_memory_bytes', {}, mem.rss));
  family('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap reserved, in bytes.');
  out.push(line('nodejs_heap_size_total_bytes', {}, mem.heapTotal));
  family('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use, in bytes.');
  out.push(line('nodejs_heap_size_used_bytes', {}, mem.heapUsed));
  family('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript (buffers among them), in bytes.');
  out.push(line('nodejs_external_memory_bytes', {}, mem.external));
  return `${out.join('\n')}\n`;
}
