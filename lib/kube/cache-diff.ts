/**
 * The informer's view of objects: a keyed cache, what counts as a real change, and the difference
 * between the cache and a fresh list. Pure functions, tested without a cluster.
 */

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  [key: string]: unknown;
}

export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

/** Any Kubernetes object as JSON. Cached objects are shared: treat them as read-only. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeObjectMeta;
  [key: string]: unknown;
}

export type ChangeType = 'added' | 'modified' | 'deleted';

export interface CacheChange {
  type: ChangeType;
  /** The object now (for `deleted`: its last state, as the delete event or the cache had it). */
  object: KubeObject;
  /** The cached object it replaced, for `modified` and `deleted`. */
  previous?: KubeObject;
}

/** Narrows parsed JSON to a KubeObject (anything with metadata.name), or undefined. */
export function toKubeObject(v: unknown): KubeObject | undefined {
  if (!isRecord(v) || !isRecord(v.metadata) || typeof v.metadata.name !== 'string') return undefined;
  return v as KubeObject;
}

/** Cache key: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: KubeObject): string {
  return keyOf(obj.metadata.namespace, obj.metadata.name);
}

export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * Whether two states of an object have the same content. Ignored: `metadata.resourceVersion`
 * (it changes on every write) and the `time` of managedFields entries (it moves with every write
 * of a manager, also when the object ends where it started: changed and changed back while the
 * watch was away, which a relist then shows as a difference in these two fields only).
 * Everything else counts, including labels, annotations, status and managedFields ownership: a
 * field taken over by another manager with the same value is a change worth attributing.
 */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  if (a === b) return true;
  const keys = unionKeys(a, b);
  for (const k of keys) {
    if (k === 'metadata') {
      if (!sameMetadata(a.metadata, b.metadata)) return false;
    } else if (!deepEqual(a[k], b[k])) {
      return false;
    }
  }
  return true;
}

function sameMetadata(a: KubeObjectMeta, b: KubeObjectMeta): boolean {
  for (const k of unionKeys(a, b)) {
    if (k === 'resourceVersion') continue;
    if (k === 'managedFields') {
      if (!sameManagedFields(a.managedFields, b.managedFields)) return false;
    } else if (!deepEqual(a[k], b[k])) {
      return false;
    }
  }
  return true;
}

function sameManagedFields(a: ManagedFieldsEntry[] | undefined, b: ManagedFieldsEntry[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (!Array.isArray(a) || !Array.isArray(b)) return deepEqual(a, b);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!isRecord(x) || !isRecord(y)) {
      if (!deepEqual(x, y)) return false;
      continue;
    }
    for (const k of unionKeys(x, y)) {
      if (k !== 'time' && !deepEqual(x[k], y[k])) return false;
    }
  }
  return true;
}

/** Structural equality of JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const xKeys = Object.keys(x);
  if (xKeys.length !== Object.keys(y).length) return false;
  for (const k of xKeys) {
    if (!Object.prototype.hasOwnProperty.call(y, k) || !deepEqual(x[k], y[k])) return false;
  }
  return true;
}

/**
 * Applies one watch event to the cache and returns what really changed: nothing for a MODIFIED
 * whose content is the same, `deleted` + `added` when the name now belongs to a different object
 * (another uid: deleted and recreated), nothing for the DELETED of an unknown object.
 */
export function applyWatchEvent(
  cache: Map<string, KubeObject>,
  type: 'ADDED' | 'MODIFIED' | 'DELETED',
  object: KubeObject,
): CacheChange[] {
  const key = objectKey(object);
  const previous = cache.get(key);
  if (type === 'DELETED') {
    if (!previous) return [];
    cache.delete(key);
    return [{ type: 'deleted', object, previous }];
  }
  cache.set(key, object);
  return compare(previous, object);
}

/**
 * What a fresh list changes compared with the cache: objects that are new, gone (deleted while
 * the watch was down, say) or whose content changed. Objects that differ only in
 * resourceVersion produce nothing: a relist is not a burst of updates. Deletions come first.
 */
export function diffCache(
  cache: ReadonlyMap<string, KubeObject>,
  fresh: ReadonlyMap<string, KubeObject>,
): CacheChange[] {
  const changes: CacheChange[] = [];
  for (const [key, previous] of cache) {
    if (!fresh.has(key)) changes.push({ type: 'deleted', object: previous, previous });
  }
  for (const [key, object] of fresh) changes.push(...compare(cache.get(key), object));
  return changes;
}

function compare(previous: KubeObject | undefined, object: KubeObject): CacheChange[] {
  if (!previous) return [{ type: 'added', object }];
  const oldUid = previous.metadata.uid;
  const newUid = object.metadata.uid;
  if (oldUid && newUid && oldUid !== newUid) {
    return [
      { type: 'deleted', object: previous, previous },
      { type: 'added', object },
    ];
  }
  return sameContent(previous, object) ? [] : [{ type: 'modified', object, previous }];
}

function unionKeys(a: object, b: object): Set<string> {
  const keys = new Set(Object.keys(a));
  for (const k of Object.keys(b)) keys.add(k);
  return keys;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
