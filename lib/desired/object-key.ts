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

/** The API server's limit on a name (a DNS subdomain's length; no kind allows more). */
export const MAX_NAME_LENGTH = 253;

/**
 * Why the API server would refuse `value` as an object's name or namespace, or undefined. Only the
 * rules it applies to every kind, because the name is a segment of the object's URL path
 * (apimachinery's IsValidPathSegmentName, the length every kind's validation caps): most kinds are
 * stricter (DNS-1123), but RBAC names take colons and capitals, so stricter rules would refuse
 * manifests that apply. Control characters are refused too: no kind's validation takes them, and
 * a name that holds one would carry it into every message and log line that names the object.
 */
export function invalidNameReason(value: string): string | undefined {
  if (value === '') return 'it is empty';
  if (value.length > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} characters`;
  if (value === '.' || value === '..') return 'it may not be "." or ".."';
  if (value.includes('/')) return 'it contains "/"';
  if (value.includes('%')) return 'it contains "%"';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return 'it contains a control character';
  return undefined;
}

/**
 * `value` as a JSON string, for a message: text from a manifest may hold line breaks, which would
 * forge lines in the server's log. JSON.stringify leaves U+2028/U+2029 and C1 controls as they are,
 * and some log viewers break lines at them too. Over `max` characters, cut, with an ellipsis
 * outside the quotes (inside it could be taken for part of the value).
 */
export function quoteForMessage(value: string, max = 100): string {
  const cut = value.length > max;
  const quoted = JSON.stringify(cut ? value.slice(0, max) : value).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return cut ? `${quoted}…` : quoted;
}

/**
 * Canonical string form `group/kind/namespace/name` (core group and cluster scope as empty parts:
 * `/Pod/shop/api`, `rbac.authorization.k8s.io/ClusterRole//view`). Unambiguous because names and
 * namespaces may not contain a slash (objectKeyOf refuses them, and manifest-parse.ts reports
 * them), so it doubles as a map key and round-trips via parseObjectKey.
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

// A group is a DNS subdomain, a version a DNS label (v1, v1beta1, v2alpha3); the core group has none.
const API_VERSION = /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
// Kinds are CamelCase identifiers: the API server's discovery and every CRD's `names.kind`.
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

/** Why an apiVersion or kind cannot be one the API server serves (a `/` too many would also make two keys one), or undefined. */
export function invalidTypeReason(apiVersion: string, kind: string): string | undefined {
  if (apiVersion.length > 316 || !API_VERSION.test(apiVersion)) return `apiVersion ${quoteForMessage(apiVersion)} is not group/version or version`;
  if (kind.length > 253 || !KIND.test(kind)) return `kind ${quoteForMessage(kind)} is not a kind name (letters and digits, starting with a letter)`;
  return undefined;
}

/**
 * The key of an object as it stands (a live object, or a manifest whose namespace is already
 * resolved); undefined when apiVersion, kind or metadata.name is missing.
 */
export function objectKeyOf(obj: unknown): ObjectKey | undefined {
  if (!isRecord(obj)) return undefined;
  const { apiVersion, kind, metadata } = obj;
  if (typeof apiVersion !== 'string' || apiVersion === '' || typeof kind !== 'string' || kind === '' || invalidTypeReason(apiVersion, kind) !== undefined) return undefined;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || invalidNameReason(metadata.name) !== undefined) return undefined;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  // '/Kind/x/a/b' would be both namespace x, name a/b and namespace x/a, name b.
  if (namespace !== '' && invalidNameReason(namespace) !== undefined) return undefined;
  return { group: groupOf(apiVersion), kind, namespace, name: metadata.name };
}

/** A part as it is when it cannot be misread (or carry a line break into a log), else quoted. */
function plainOrQuoted(part: string, plain: RegExp): string {
  return plain.test(part) ? part : quoteForMessage(part);
}

/**
 * Human-readable form for messages: `Deployment.apps shop/api`, `Namespace prod`. Parts outside
 * the characters such parts are usually made of come quoted (`ConfigMap shop/"a b"`): kinds and
 * groups are not validated here, and a key may come from a manifest.
 */
export function describeObjectKey(key: ObjectKey): string {
  const kind = plainOrQuoted(key.kind, /^[A-Za-z0-9]+$/);
  const kindGroup = key.group === '' ? kind : `${kind}.${plainOrQuoted(key.group, /^[a-z0-9.-]+$/)}`;
  const name = plainOrQuoted(key.name, /^[A-Za-z0-9._:@+=-]+$/);
  return key.namespace ? `${kindGroup} ${plainOrQuoted(key.namespace, /^[A-Za-z0-9._-]+$/)}/${name}` : `${kindGroup} ${name}`;
}
