/**
 * Builds a snapshot payload from what the object page shows (the live detail and the history
 * slice), and checks it once more for Secret values before anything is stored. Pure: no I/O.
 */
import { isRedactionMarker, isSecretValuePath } from '../store/values';
import type { ObjectHistory } from '../store/types';
import type { ObjectDetail } from '../live/object-detail';
import { SNAPSHOT_VERSION, type SnapshotPayload, type SnapshotTimelineJson, type SnapshotView } from './snapshot-types';

export interface SnapshotSource {
  detail: ObjectDetail;
  history: { available: true; history: ObjectHistory | undefined } | { available: false; reason: string };
  view: SnapshotView;
  takenAt: Date;
}

const iso = (d: Date) => d.toISOString();
const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [k]: v } as { [P in K]?: V }));

function timelineJson(h: ObjectHistory | undefined): SnapshotTimelineJson {
  if (!h) return { episodes: [], events: [], podHealth: [], writes: [] };
  return {
    episodes: h.episodes.map((e) => ({
      id: e.id,
      path: e.path,
      openedAt: iso(e.openedAt),
      ...opt('closedAt', e.closedAt && iso(e.closedAt)),
      ...opt('closeReason', e.closeReason),
      transitionCount: e.transitionCount,
      transitions: e.transitions.map((t) => ({
        at: iso(t.at),
        op: t.op,
        ...opt('live', t.live),
        ...opt('desired', t.desired),
        ...opt('manager', t.manager),
      })),
    })),
    events: h.events.map((e) => ({ at: iso(e.at), type: e.type, ...opt('status', e.status) })),
    podHealth: h.podHealth.map((p) => ({
      at: iso(p.at),
      restarts: p.restarts,
      ...opt('container', p.container),
      ...opt('reason', p.reason),
      ...opt('message', p.message),
    })),
    writes: h.writes.map((w) => ({ at: iso(w.at), specChanged: w.specChanged, ...opt('manager', w.manager) })),
  };
}

export function buildSnapshotPayload(src: SnapshotSource): SnapshotPayload {
  const s = src.detail.state;
  // A deep copy: the live state objects keep changing after this returns.
  const payload = JSON.parse(
    JSON.stringify({
      v: SNAPSHOT_VERSION,
      takenAt: iso(src.takenAt),
      object: { id: s.id, cluster: s.cluster, group: s.group, version: s.version, kind: s.kind, namespace: s.namespace, name: s.name, ...opt('uid', s.uid) },
      status: s.status,
      since: s.since,
      ...opt('source', s.source),
      ...opt('desiredRevision', s.desiredRevision),
      ...opt('resourceVersion', s.resourceVersion),
      warnings: s.warnings,
      ...opt('error', s.error),
      changes: s.changes,
      ignoredCount: src.detail.ignoredCount,
      ...opt('ignoredPaths', src.detail.ignoredPaths),
      ...opt('desired', src.detail.desired),
      ...opt('live', src.detail.live),
      timeline: src.history.available ? { available: true, data: timelineJson(src.history.history) } : { available: false, reason: src.history.reason },
      view: src.view,
    } satisfies SnapshotPayload),
  ) as SnapshotPayload;
  const leaks = secretValueLeaks(payload);
  if (leaks.length > 0) throw new SnapshotLeakError(`refusing to store a snapshot with Secret values at ${leaks.join(', ')}`);
  return payload;
}

/** A snapshot refused by the last check before storing: a bug upstream, not the store failing. */
export class SnapshotLeakError extends Error {}

/** A Secret's data leaf that is not a redaction marker (null/absent are fine). */
function unredactedLeaves(v: unknown, at: string, out: string[]): void {
  if (v === undefined || v === null || isRedactionMarker(v)) return;
  if (Array.isArray(v)) v.forEach((x, i) => unredactedLeaves(x, `${at}[${i}]`, out));
  else if (typeof v === 'object') for (const [k, x] of Object.entries(v as Record<string, unknown>)) unredactedLeaves(x, `${at}.${k}`, out);
  else out.push(at);
}

/**
 * Paths of Secret values that are not redacted, anywhere a snapshot can hold one: the desired and
 * live objects (data, stringData, annotations), the changes and the timeline.
 */
export function secretValueLeaks(p: SnapshotPayload): string[] {
  const { group, kind } = p.object;
  if (group !== '' || kind !== 'Secret') return [];
  const out: string[] = [];
  for (const side of ['desired', 'live'] as const) {
    const o = p[side]?.object;
    if (!o) continue;
    unredactedLeaves(o.data, `${side}.data`, out);
    unredactedLeaves(o.stringData, `${side}.stringData`, out);
    const ann = (o.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations;
    if (ann !== undefined) unredactedLeaves(ann, `${side}.metadata.annotations`, out);
  }
  for (const c of p.changes) {
    if (!isSecretValuePath(group, kind, c.path)) continue;
    unredactedLeaves(c.desired, `changes[${c.path}].desired`, out);
    unredactedLeaves(c.live, `changes[${c.path}].live`, out);
  }
  if (p.timeline.available) {
    for (const e of p.timeline.data.episodes) {
      if (!isSecretValuePath(group, kind, e.path)) continue;
      for (const t of e.transitions) {
        unredactedLeaves(t.desired, `timeline[${e.path}].desired`, out);
        unredactedLeaves(t.live, `timeline[${e.path}].live`, out);
      }
    }
  }
  return out;
}
