/**
 * Identity of a Kubernetes object for matching desired to live: group, kind, namespace and name.
 * The version is deliberately not part of it: the API server serves one stored object under every
 * version of its group (apps/v1 and apps/v1beta1 of a Deployment are the same object), so a
 * manifest written against an older version still matches the live object read in the newer one.
 */
import { isRecord } from '../drift/normalize';

export interface ObjectKey {
  /** API group, '' for the core group. */
  group: string;
  kind: string;
  /** '' (or absent) for cluster-scoped objects. */
  namespace?: string;
  name: string;
}

/** The group of an apiVersion: 'apps/v1' → 'apps', 'v1' → ''. */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/**
 * Canonical string form `group/kind/namespace/name` (core group and cluster scope as empty parts:
 * `/Pod/shop/api`, `rbac.authorization.k8s.io/ClusterRole//view`). Unambiguous because none of the
 * four parts may contain a slash, so it doubles as a map key and round-trips via parseObjectKey.
 */
export function objectKeyString(key: ObjectKey): string {
  return `${key.group}/${key.kind}/${key.namespace ?? ''}/${key.name}`;
}

/** Inverse of objectKeyString; undefined for anything that is not one. */
export function parseObjectKey(s: string): ObjectKey | undefined {
  const parts = s.split('/');
  if (parts.length !== 4) return undefined;
  const [group, kind, namespace, name] = parts as [string, string, string, string];
  if (kind === '' || name === '') return undefined;
  return { group, kind, namespace, name };
}

/** True when both keys name the same object ('' and absent namespace are the same). */
export function sameObjectKey(a: ObjectKey, b: ObjectKey): boolean {
  return a.group === b.group && a.kind === b.kind && (a.namespace ?? '') === (b.namespace ?? '') && a.name === b.name;
}

/**
 * The key of an object as it stands (a live object, or a manifest whose namespace is already
 * resolved); undefined when apiVersion, kind or metadata.name is missing.
 */
export function objectKeyOf(obj: unknown): ObjectKey | undefined {
  if (!isRecord(obj)) return undefined;
  const { apiVersion, kind, metadata } = obj;
  if (typeof apiVersion !== 'string' || apiVersion === '' || typeof kind !== 'string' || kind === '') return undefined;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') return undefined;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  return { group: groupOf(apiVersion), kind, namespace, name: metadata.name };
}

/** Human-readable form for messages: `Deployment.apps shop/api`, `Namespace prod`. */
export function describeObjectKey(key: ObjectKey): string {
  const kind = key.group === '' ? key.kind : `${key.kind}.${key.group}`;
  return key.namespace ? `${kind} ${key.namespace}/${key.name}` : `${kind} ${key.name}`;
}
