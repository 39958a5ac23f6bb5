/**
 * What a share snapshot holds: the object page as it was shown, frozen. Plain JSON (dates as
 * ISO strings) so the API, the page and the store read the same shape. Secret values are
 * redaction markers before this is built (lib/drift/display.ts, the engine, the history store).
 */
import type { DisplayObject } from '../drift/display';
import type { FieldChange } from '../drift/types';
import type { DesiredSource, DriftStatus } from '../live/types';

export const SNAPSHOT_VERSION = 1;

export interface SnapshotObject {
  id: string;
  cluster: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** The diff view's settings when the snapshot was taken (the page opens with them). */
export interface SnapshotView {
  mode: 'split' | 'unified';
  showAll: boolean;
  /** The timeline range, ISO 8601; `to` is always set (the time taken when the view was open-ended). */
  from?: string;
  to: string;
}

export interface SnapshotTimelineJson {
  episodes: Array<{
    id: number;
    path: string;
    openedAt: string;
    closedAt?: string;
    closeReason?: string;
    transitionCount: number;
    transitions: Array<{ at: string; op: string; live?: unknown; desired?: unknown; manager?: { name: string; operation: string; time?: string } }>;
  }>;
  events: Array<{ at: string; type: string; status?: string }>;
  podHealth: Array<{ at: string; container?: string; restarts: number; reason?: string; message?: string }>;
  writes: Array<{ at: string; specChanged: boolean; manager?: string }>;
}

export interface SnapshotPayload {
  v: typeof SNAPSHOT_VERSION;
  takenAt: string;
  object: SnapshotObject;
  status: DriftStatus;
  /** When the status or changes last changed, as the live view showed it. */
  since: string;
  source?: DesiredSource;
  desiredRevision?: string;
  resourceVersion?: string;
  warnings: string[];
  error?: string;
  /** The drifted fields with their manager (attribution). */
  changes: FieldChange[];
  ignoredCount: number;
  desired?: DisplayObject;
  live?: DisplayObject;
  /** The timeline slice in the view's range; a reason when the server kept no history. */
  timeline: { available: true; data: SnapshotTimelineJson } | { available: false; reason: string };
  view: SnapshotView;
}

/** What GET /api/v1/snapshots/<id> answers. */
export interface SnapshotResponse {
  id: string;
  createdAt: string;
  expiresAt?: string;
  snapshot: SnapshotPayload;
}
