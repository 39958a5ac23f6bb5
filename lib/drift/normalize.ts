/**
 * What never counts as drift: status, server-generated metadata, bookkeeping annotations,
 * server-allocated values, and the difference between empty, null and absent.
 */
import { isKeySelector, isSetValue, type PathSegment } from './path';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * out[k] = v, also for k = `__proto__`, a valid key in a ConfigMap's or Secret's data: assigned,
 * it would set the object's prototype (or be ignored) instead of adding the key; JSON.parse makes
 * it an own property, and so must every copy.
 */
export function setOwn(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

/** Freezes v and everything below it; returns v. A frozen object is taken as frozen throughout. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** metadata fields written by the server. */
export const VOLATILE_METADATA: ReadonlySet<string> = new Set([
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
]);

/** Annotations that record how an object was applied or rolled out, not what it should be. */
export const VOLATILE_ANNOTATIONS: ReadonlySet<string> = new Set([
  LAST_APPLIED_ANNOTATION,
  'deployment.kubernetes.io/revision',
  'deprecated.daemonset.template.generation',
]);

/**
 * Absent-equivalent: null, '', false, 0, and objects/lists holding only such values. The API
 * server drops these for omitempty fields, so `resources: {requests: {}}` and `rules: []` in a
 * manifest come back absent. Only ever used when the other side is absent or empty too, so an
 * explicit `replicas: 0` against a live `3` is still a change.
 */
export function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) {
    for (const e of v) if (!isEmptyValue(e)) return false;
    return true;
  }
  if (typeof v === 'object') {
    for (const k in v as Record<string, unknown>) if (!isEmptyValue((v as Record<string, unknown>)[k])) return false;
    return true;
  }
  return false;
}

/** Deep copy of JSON data without null/undefined map entries (null in a manifest means "not set"). */
export function cloneJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneJson);
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const c = v[k];
      if (c === null || c === undefined) continue;
      setOwn(out, k, cloneJson(c));
    }
    return out;
  }
  return v;
}

/** Strips what the desired side must not be compared on; mutates a clone. */
export function stripVolatile(obj: Record<string, unknown>): void {
  delete obj.status;
  const meta = obj.metadata;
  if (!isRecord(meta)) return;
  for (const k of VOLATILE_METADATA) delete meta[k];
  const ann = meta.annotations;
  if (isRecord(ann)) for (const k of VOLATILE_ANNOTATIONS) delete ann[k];
}

const PROTECTION_FINALIZERS = new Set([
  'kubernetes.io/pvc-protection',
  'kubernetes.io/pv-protection',
  'foregroundDeletion',
  'orphan',
]);
const JOB_LABELS = new Set(['controller-uid', 'job-name', 'batch.kubernetes.io/controller-uid', 'batch.kubernetes.io/job-name']);
/** Labels workload controllers add to the Pods they create (not in the template). */
const POD_CONTROLLER_LABELS = new Set([
  ...JOB_LABELS,
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'batch.kubernetes.io/job-completion-index',
]);
const SERVICE_ALLOCATED = new Set(['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'healthCheckNodePort']);
const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

function keyValue(seg: PathSegment | undefined, key: string): unknown {
  if (seg === undefined || typeof seg !== 'object' || !isKeySelector(seg)) return undefined;
  return seg.keys.find((k) => k[0] === key)?.[1];
}

function isDefaultToleration(v: unknown): boolean {
  return (
    isRecord(v) &&
    (v.key === 'node.kubernetes.io/not-ready' || v.key === 'node.kubernetes.io/unreachable') &&
    v.effect === 'NoExecute' &&
    v.operator === 'Exists'
  );
}

/** Pod-spec parts filled by admission (service account token volume, default tolerations, scheduling). */
function podSpecPopulated(spec: ReadonlyArray<PathSegment>, live: unknown): boolean {
  const [a, b, c, d] = spec;
  if (spec.length === 1) {
    // Tolerations are atomic, so an owner of the list appears to own the admission-added ones too.
    if (a === 'tolerations') return Array.isArray(live) && live.every(isDefaultToleration);
    // hostname/subdomain: set by the StatefulSet controller on the Pods it creates.
    return a === 'nodeName' || a === 'priority' || a === 'serviceAccount' || a === 'serviceAccountName' || a === 'hostname' || a === 'subdomain';
  }
  if (a === 'volumes' && spec.length === 2) {
    const name = keyValue(b, 'name');
    return typeof name === 'string' && (name.startsWith('kube-api-access-') || /-token-[a-z0-9]{5}$/.test(name));
  }
  if (typeof a === 'string' && CONTAINER_LISTS.has(a) && c === 'volumeMounts' && spec.length === 4) {
    return keyValue(d, 'mountPath') === SA_MOUNT;
  }
  if (a === 'tolerations' && spec.length === 2) return isDefaultToleration(live);
  return false;
}

/**
 * Values the server allocates or admission fills in with values no manifest can predict. Used only
 * for live-only fields (a manifest that sets them is compared as usual).
 */
export function isServerPopulated(kind: string, segs: ReadonlyArray<PathSegment>, live: unknown): boolean {
  const [s0, s1, s2, s3] = segs;
  if (s0 === 'metadata') {
    if (s1 === 'finalizers' && s2 !== undefined && typeof s2 === 'object' && isSetValue(s2)) {
      return PROTECTION_FINALIZERS.has(String(s2.value)) || (kind === 'Namespace' && s2.value === 'kubernetes');
    }
    if (kind === 'Namespace' && s1 === 'labels' && s2 === 'kubernetes.io/metadata.name') return true;
    if (kind === 'Pod') {
      if (s1 === 'generateName' || s1 === 'ownerReferences') return true;
      if (s1 === 'labels' && typeof s2 === 'string' && POD_CONTROLLER_LABELS.has(s2)) return true;
      if (s1 === 'annotations' && s2 === 'batch.kubernetes.io/job-completion-index') return true;
    }
    if (kind === 'PersistentVolumeClaim' && s1 === 'annotations' && typeof s2 === 'string') {
      return s2.startsWith('pv.kubernetes.io/') || s2.startsWith('volume.beta.kubernetes.io/') || s2.startsWith('volume.kubernetes.io/');
    }
    return false;
  }
  switch (kind) {
    case 'Service':
      if (s0 !== 'spec') return false;
      if (typeof s1 === 'string' && SERVICE_ALLOCATED.has(s1) && segs.length === 2) return true;
      return s1 === 'ports' && s3 === 'nodePort' && segs.length === 4;
    case 'Pod':
      return s0 === 'spec' && podSpecPopulated(segs.slice(1), live);
    case 'Job':
      if (s0 !== 'spec') return false;
      if (s1 === 'selector' || s1 === 'manualSelector') return true;
      return s1 === 'template' && s2 === 'metadata' && s3 === 'labels' && typeof segs[4] === 'string' && JOB_LABELS.has(segs[4]);
    case 'CronJob':
      return false;
    case 'PersistentVolumeClaim':
      return s0 === 'spec' && (s1 === 'volumeName' || s1 === 'storageClassName') && segs.length === 2;
    case 'Ingress':
      return s0 === 'spec' && s1 === 'ingressClassName' && segs.length === 2;
    case 'ServiceAccount':
      return s0 === 'secrets';
    default:
      return false;
  }
}
