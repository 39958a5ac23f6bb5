import type { FieldChange } from '../drift';
import type { KubeObject } from '../kube/cache-diff';

export type DriftStatus = 'in-sync' | 'drifted' | 'missing' | 'unmanaged' | 'error';
export const DRIFT_STATUSES: ReadonlyArray<DriftStatus> = ['in-sync', 'drifted', 'missing', 'unmanaged', 'error'];

export type DesiredSourceType = 'manifest-dir' | 'last-applied' | 'owner-template';

/** Where an object's desired state came from; every report names it. */
export interface DesiredSource {
  type: DesiredSourceType;
  /**
   * manifest-dir: the directory as configured (absolute, symlinks not followed); `file` is relative
   * to it. Optional only because states and snapshots from before it have none.
   */
  root?: string;
  /** manifest-dir: file relative to the directory, and the line its document starts on. */
  file?: string;
  line?: number;
  /** manifest-dir inside a git work tree: HEAD when the file was read. */
  commit?: string;
  /** manifest-dir: the file has an error now, and this is the document as last loaded (why, in words). */
  stale?: string;
  /** owner-template: the controller whose pod template the Pod is compared with. */
  owner?: { apiVersion: string; kind: string; name: string; uid: string };
}

/** A desired object as a source hands it over. */
export interface DesiredObject {
  manifest: KubeObject;
  source: DesiredSource;
  /** Changes exactly when the manifest's content changes (a content hash or equivalent). */
  revision: string;
}

/** One object's identity across the dashboard: URLs, API filters and the store use it. */
export interface ObjectIdentity {
  cluster: string;
  /** '' for the core group. */
  group: string;
  /** The version the object was compared in: its manifest's, when the cluster serves it. */
  version: string;
  kind: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
}

/** Just the identity of an object (or of a state that carries more). */
export function objectIdentity(o: ObjectIdentity): ObjectIdentity {
  return { cluster: o.cluster, group: o.group, version: o.version, kind: o.kind, namespace: o.namespace, name: o.name };
}

export interface ObjectDriftState extends ObjectIdentity {
  /** `cluster/group/kind/namespace/name`, stable across versions of the same object. */
  id: string;
  uid?: string;
  status: DriftStatus;
  changes: FieldChange[];
  /** Changes ignore rules hid; available on request, never lost. */
  ignored: FieldChange[];
  warnings: string[];
  /** For status `error`: why the object could not be compared. */
  error?: string;
  source?: DesiredSource;
  desiredRevision?: string;
  resourceVersion?: string;
  labels: Record<string, string>;
  /**
   * When the verdict last changed: status, error, uid or changes (ISO 8601; docs/live-drift.md). For
   * an object drifted when first seen, when its drifted fields were last written, if known.
   */
  since: string;
}

/** A change of the drift state, before the event log numbers it. */
export type DriftChange =
  | { type: 'upsert'; state: ObjectDriftState; at: string }
  | { type: 'delete'; id: string; cluster: string; at: string };

/** `seq` orders events across clusters and is the SSE event id (resume with Last-Event-ID). */
export type DriftEvent = DriftChange & { seq: number };

/** What one resource (per cluster) is doing, for the UI and /api/v1/resources. */
export interface ResourceSyncState {
  cluster: string;
  group: string;
  version: string;
  resource: string;
  kind: string;
  status: 'syncing' | 'synced' | 'forbidden' | 'error';
  message?: string;
  objects: number;
  /** Why it is watched. */
  reasons: string[];
  lastSyncTime: string | null;
  watchRestarts: number;
  relists: number;
}

export function objectId(o: Pick<ObjectIdentity, 'cluster' | 'group' | 'kind' | 'namespace' | 'name'>): string {
  return `${o.cluster}/${o.group}/${o.kind}/${o.namespace}/${o.name}`;
}

/** The parts of an id from objectId(); names never contain '/', so the split is unambiguous. */
export function parseObjectId(id: string): { cluster: string; group: string; kind: string; namespace: string; name: string } | undefined {
  const parts = id.split('/');
  if (parts.length !== 5 || !parts[0] || !parts[2] || !parts[4]) return undefined;
  const [cluster, group, kind, namespace, name] = parts as [string, string, string, string, string];
  return { cluster, group, kind, namespace, name };
}

/** What an object id looks like, for the answer to one that parseObjectId refuses. */
export const OBJECT_ID_FORMAT =
  '<cluster>/<group>/<kind>/<namespace>/<name>, with the group empty for the core API group and the namespace empty for a cluster-scoped object (prod/apps/Deployment/shop/cart, prod//ConfigMap/shop/settings, prod//Namespace//shop)';

/**
 * The 400 message for an id that cannot be parsed: said apart from "not found", since no object
 * could ever have that id and a 404 sent people looking for an object instead of at their link.
 */
export const malformedObjectIdMessage = (id: string): string => `malformed object id ${JSON.stringify(id)}: expected ${OBJECT_ID_FORMAT}`;

export function groupOf(apiVersion: string | undefined): { group: string; version: string } {
  const v = apiVersion ?? '';
  const i = v.lastIndexOf('/');
  return i < 0 ? { group: '', version: v } : { group: v.slice(0, i), version: v.slice(i + 1) };
}

/** Group/kind key without cluster, namespace and name. */
export function groupKind(group: string, kind: string): string {
  return group === '' ? kind : `${kind}.${group}`;
}

/**
 * The core group's kinds. The core group takes no new kinds (new APIs get a group of their own),
 * so this list is complete.
 */
const CORE_KINDS: ReadonlySet<string> = new Set(
  ['Binding', 'ComponentStatus', 'ConfigMap', 'Endpoints', 'Event', 'LimitRange', 'Namespace', 'Node', 'PersistentVolume', 'PersistentVolumeClaim', 'Pod', 'PodTemplate', 'ReplicationController', 'ResourceQuota', 'Secret', 'Service', 'ServiceAccount'].map((k) => k.toLowerCase()),
);

/**
 * Whether a `kind` filter value (any case) names an object's kind, in the drift API and the table
 * alike. `Kind.group` names that group's, `Kind.*` that kind in any group; a bare kind the core group has names the core group's
 * (`Service`, not also `Service.serving.knative.dev`). A bare kind the core group does not have
 * names that kind in any group, as links without a group mean it: the history chart's (its counts
 * keep no group) and hand-written ones (`kind=Deployment`, docs/embedding.md).
 */
export function kindFilterMatches(value: string, group: string, kind: string): boolean {
  const v = value.toLowerCase();
  // `Kind.*`: that kind in any group, for links that know no group (the history chart's).
  if (v.endsWith('.*')) return kind.toLowerCase() === v.slice(0, -2);
  if (v.includes('.') || CORE_KINDS.has(v)) return groupKind(group, kind).toLowerCase() === v;
  return kind.toLowerCase() === v;
}
