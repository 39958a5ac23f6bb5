/**
 * What a share snapshot holds: the object page as it was shown, frozen. Plain JSON (dates as
 * ISO strings) so the API, the page and the store read the same shape. Secret values are
 * redaction markers before this is built (lib/drift/display.ts, the engine, the history store).
 */
import type { DisplayObject } from '../drift/display';
import type { FieldChange } from '../drift/types';
import type { HistoryResult, ObjectHistoryJson } from '../client/types';
import type { DesiredSource, DriftStatus, ObjectIdentity } from '../live/types';

export const SNAPSHOT_VERSION = 1;

export interface SnapshotObject extends ObjectIdentity {
  id: string;
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

/** The object page's timeline, as /api/v1/history/object answers it (findings aside). */
export type SnapshotTimelineJson = Pick<ObjectHistoryJson, 'episodes' | 'events' | 'podHealth' | 'writes'>;

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
  /** Where the ignored changes are (snapshots from before this field have none: nothing is left out then). */
  ignoredPaths?: string[];
  desired?: DisplayObject;
  live?: DisplayObject;
  /** The timeline slice in the view's range; a reason when the server kept no history. */
  timeline: HistoryResult<SnapshotTimelineJson>;
  view: SnapshotView;
}

/** What GET /api/v1/snapshots/<id> answers. */
export interface SnapshotResponse {
  id: string;
  createdAt: string;
  expiresAt?: string;
  snapshot: SnapshotPayload;
}
