/**
 * What the browser receives from the HTTP API (docs/api.md): plain JSON, dates as ISO strings.
 * Type-only imports from the server side, so nothing of it is bundled into the client.
 */
import type { FieldChange, ManagerRef, RedactedValue } from '../drift/types';
import type { ClusterSummary, ManifestProblem } from '../live/runtime';
import type { DriftRowTuple } from '../live/table-rows';
import type { DesiredSource, DriftStatus, ObjectDriftState, ResourceSyncState } from '../live/types';

export type { ClusterSummary, DesiredSource, DriftStatus, FieldChange, ManagerRef, ManifestProblem, ObjectDriftState, RedactedValue, ResourceSyncState };

export const STATUSES: readonly DriftStatus[] = ['drifted', 'missing', 'error', 'in-sync', 'unmanaged'];

/** GET /api/v1/drift/counts: objects by status, nothing of any object. */
export interface DriftCountsResponse {
  counts: Record<DriftStatus, number>;
  total: number;
  ready: boolean;
  lastEventId: number;
}

export interface DriftListResponse {
  items: ObjectDriftState[];
  total: number;
  counts: Record<DriftStatus, number>;
  next?: string;
  ready: boolean;
  /** Sequence number of the last event when the page was computed (the stream's ids are `<epoch>.<seq>`). */
  lastEventId: number;
  /** The same as the stream's id: resume the stream after this page with `?since=` or Last-Event-ID. */
  streamId: string;
}

/** A page of /api/v1/drift/rows: every drift state in the table's compact form (lib/live/table-rows.ts). */
export interface DriftRowsResponse {
  columns: readonly string[];
  rows: DriftRowTuple[];
  total: number;
  next?: string;
  ready: boolean;
  lastEventId: number;
  streamId: string;
}

export interface DisplayObjectJson {
  object: Record<string, unknown>;
  volatilePaths: string[];
}

export interface ObjectDetailResponse {
  state: Omit<ObjectDriftState, 'ignored'>;
  desired?: DisplayObjectJson;
  live?: DisplayObjectJson;
  ignored?: FieldChange[];
  ignoredCount: number;
  /** Where the ignored changes are, always (the YAML diff leaves them out unless asked). */
  ignoredPaths?: string[];
}

export interface ResourcesResponse {
  resources: ResourceSyncState[];
}

export interface StatusResponse {
  ready: boolean;
  startedAt: string;
  clusters: ClusterSummary[];
  manifestProblems: ManifestProblem[];
  /** Set for a namespace-scoped user: manifest problems are shown only to users who see every namespace. */
  manifestProblemsHidden?: boolean;
  lastEventId: number;
}

/** A `drift` event of /api/v1/stream. */
export type DriftStreamEvent =
  | { seq: number; type: 'upsert'; state: ObjectDriftState; at: string }
  | { seq: number; type: 'delete'; id: string; cluster: string; at: string };

// ---- History (issue 5's store; the HTTP routes are app/api/v1/history/**) ----
// JSON forms of lib/store/types: the same fields, dates as ISO strings.

export type ChartGroupBy = 'none' | 'cluster' | 'namespace' | 'kind';

export interface DriftChartJson {
  bucketMs: number;
  buckets: string[];
  series: Array<{ group: string; drifted: number[]; opened: number[]; closed: number[] }>;
}

export type FindingKind = 'flapping' | 'fight' | 'reconcile-loop';

export interface FindingJson {
  kind: FindingKind;
  object: { cluster: string; group: string; kind: string; namespace: string; name: string };
  path: string;
  firstAt: string;
  lastAt: string;
  count: number;
  managers: string[];
}

export interface TransitionJson {
  at: string;
  op: FieldChange['op'];
  live?: unknown;
  desired?: unknown;
  manager?: { name: string; operation: string; time?: string };
}

export interface EpisodeJson {
  id: number;
  path: string;
  openedAt: string;
  closedAt?: string;
  closeReason?: string;
  transitionCount: number;
  transitions: TransitionJson[];
}

export interface ObjectHistoryJson {
  object: { cluster: string; group: string; kind: string; namespace: string; name: string; drifted: boolean; deleted: boolean; firstSeen: string };
  episodes: EpisodeJson[];
  events: Array<{ at: string; type: string; status?: DriftStatus }>;
  podHealth: Array<{ at: string; container?: string; restarts: number; reason?: string; message?: string }>;
  writes: Array<{ at: string; specChanged: boolean; manager?: string }>;
  findings: FindingJson[];
}

/** What a history fetcher answers: the data, or why there is none (no store configured yet). */
export type HistoryResult<T> = { available: true; data: T } | { available: false; reason: string };
