/**
 * Desired-state source 3: a Pod against the pod template of the controller that owns it (the
 * operator case in DESIGN: something rewrites a running Pod's spec away from its template).
 * Only controllers whose Pods are their template plus known additions qualify: ReplicaSet
 * (Deployments' Pods), ReplicationController, StatefulSet, DaemonSet, Job.
 */
import { contentHash } from './content-hash';
import { groupOf, objectKeyOf, objectKeyString, type ObjectKey } from './object-key';
import { daemonSetPod, jobPod, replicaSetPod, statefulSetPod, type PodBuild } from './pod-from-template';
import type { DesiredObject, OwnerRefSummary, OwnerTemplateSource } from './types';
import { isRecord } from '../drift/normalize';

type Obj = Record<string, unknown>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

/** What an owner lookup gets: the owner's key (namespace of the Pod) plus the uid to check. */
export interface OwnerLookupRef extends ObjectKey {
  apiVersion: string;
  uid: string;
}

/**
 * Returns the owner object as currently known (an informer cache), or undefined. Synchronous on
 * purpose: resolution runs on every live change and must not wait on the network.
 */
export type OwnerLookup = (ref: OwnerLookupRef) => unknown;

type Builder = (owner: Obj, template: Obj, live: Obj) => PodBuild | string;

const BUILDERS: ReadonlyMap<string, Builder> = new Map<string, Builder>([
  ['apps/ReplicaSet', replicaSetPod],
  ['/ReplicationController', replicaSetPod],
  ['apps/StatefulSet', statefulSetPod],
  ['apps/DaemonSet', daemonSetPod],
  ['batch/Job', jobPod],
]);

/** True for the owner kinds this source understands. */
export function isTemplateOwnerKind(group: string, kind: string): boolean {
  return BUILDERS.has(`${group}/${kind}`);
}

/** The owner reference with `controller: true`, if any (there is at most one). */
export function controllerRefOf(obj: unknown): OwnerReference | undefined {
  if (!isRecord(obj) || !isRecord(obj.metadata) || !Array.isArray(obj.metadata.ownerReferences)) return undefined;
  for (const r of obj.metadata.ownerReferences) {
    if (!isRecord(r) || r.controller !== true) continue;
    const { apiVersion, kind, name, uid } = r;
    if (typeof apiVersion === 'string' && typeof kind === 'string' && typeof name === 'string' && typeof uid === 'string') {
      return { apiVersion, kind, name, uid, controller: true };
    }
  }
  return undefined;
}

/** The owner a Pod's desired state would come from; undefined for anything else. */
export function templateOwnerRef(pod: unknown): OwnerLookupRef | undefined {
  const key = objectKeyOf(pod);
  if (key === undefined || key.group !== '' || key.kind !== 'Pod') return undefined;
  const ref = controllerRefOf(pod);
  if (ref === undefined) return undefined;
  const group = groupOf(ref.apiVersion);
  if (!isTemplateOwnerKind(group, ref.kind)) return undefined;
  return { group, kind: ref.kind, namespace: key.namespace ?? '', name: ref.name, apiVersion: ref.apiVersion, uid: ref.uid };
}

/**
 * What of an owner the Pod builders read: the pod template, the owner's name (StatefulSet ordinals
 * and claim names, Indexed Job hostnames), a StatefulSet's serviceName, claim template names and
 * update revision, a Job's completion mode. Everything else (replicas, parallelism, selectors,
 * status counters) can change without changing a single Pod's desired state, so a consumer that
 * re-resolves Pods when this changes (lib/live/drift-tracker.ts) is not woken by every scale step.
 * Keep in step with pod-from-template.ts: a field a builder starts reading belongs here too.
 */
export function ownerTemplateInputs(owner: unknown): Readonly<Record<string, unknown>> {
  if (!isRecord(owner)) return {};
  const spec = isRecord(owner.spec) ? owner.spec : {};
  const claims = Array.isArray(spec.volumeClaimTemplates)
    ? spec.volumeClaimTemplates.map((t) => (isRecord(t) && isRecord(t.metadata) ? t.metadata.name : undefined))
    : undefined;
  return {
    name: isRecord(owner.metadata) ? owner.metadata.name : undefined,
    template: spec.template,
    serviceName: spec.serviceName,
    claims,
    completionMode: spec.completionMode,
    updateRevision: isRecord(owner.status) ? owner.status.updateRevision : undefined,
  };
}

/** Why a Pod has no desired state from its owner: the owner is not watched, or not listed yet. */
export function ownerNotKnownMessage(owner: { kind: string; name: string }): string {
  return `owner ${owner.kind} ${owner.name} is not known (yet)`;
}

/**
 * A Pod whose owner is known to be deleted (the garbage collector removes the Pod after its owner
 * under the default background cascade): still compared with the owner's last template.
 */
export function ownerDeletedMessage(owner: { kind: string; name: string }): string {
  return `owner ${owner.kind} ${owner.name} was deleted; this Pod awaits garbage collection`;
}

export type OwnerTemplateResult =
  | { ok: true; desired: DesiredObject<OwnerTemplateSource>; warnings: string[] }
  | { ok: false; message: string };

/**
 * The desired Pod from its owner's template. `owner` must be the object the Pod's controller
 * reference names (same uid); undefined result when the Pod has no such owner kind.
 */
export function ownerTemplateDesired(pod: unknown, owner: unknown): OwnerTemplateResult | undefined {
  const ref = templateOwnerRef(pod);
  if (ref === undefined) return undefined;
  const podKey = objectKeyOf(pod) as ObjectKey;
  const ownerSummary: OwnerRefSummary = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid };
  const what = `${ref.kind} ${ref.name}`;
  if (!isRecord(owner)) return { ok: false, message: ownerNotKnownMessage(ref) };
  const ownerMeta = isRecord(owner.metadata) ? owner.metadata : {};
  if (ownerMeta.uid !== ref.uid) {
    // Same name, different object: the Pod's owner was deleted and another one created.
    return { ok: false, message: `owner ${what} with uid ${ref.uid} is gone (the ${ref.kind} of that name is another object)` };
  }
  const template = isRecord(owner.spec) && isRecord(owner.spec.template) ? owner.spec.template : undefined;
  if (template === undefined) return { ok: false, message: `owner ${what} has no spec.template` };
  const build = (BUILDERS.get(`${ref.group}/${ref.kind}`) as Builder)(owner, template, pod as Obj);
  if (typeof build === 'string') return { ok: false, message: build };
  const source: OwnerTemplateSource = { type: 'owner-template', owner: ownerSummary };
  return {
    ok: true,
    desired: { key: podKey, id: objectKeyString(podKey), manifest: build.pod, source, revision: contentHash(build.pod) },
    warnings: build.warnings,
  };
}
