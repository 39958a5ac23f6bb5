/**
 * The Pod a workload controller creates from its template, reproduced from the controller source
 * (Kubernetes 1.37, pkg/controller/...), so that a Pod nobody touched compares equal to it and a
 * Pod someone rewrote does not. What each controller adds on top of the template:
 *
 * - all (controller.GetPodFromTemplate): template labels, annotations and finalizers, the spec.
 * - ReplicaSet / ReplicationController: nothing (a Deployment's `pod-template-hash` label is
 *   already in the ReplicaSet's template).
 * - StatefulSet (newStatefulSetPod): labels `statefulset.kubernetes.io/pod-name` and
 *   `apps.kubernetes.io/pod-index` (1.28+), `hostname` = Pod name, `subdomain` = serviceName, and for each
 *   volumeClaimTemplate a volume `<template>` → PVC `<template>-<set>-<ordinal>`, put first in
 *   map (random) order, replacing a template volume of the same name.
 * - DaemonSet (CreatePodTemplate + ReplaceDaemonSetPodNodeNameNodeAffinity): six node-condition
 *   tolerations (seven with hostNetwork) merged into the template's, and a required node affinity
 *   on `metadata.name` of the target node, replacing the template's required node selector terms.
 * - Job (manageJob): for Indexed jobs the completion index as annotation and label (the label
 *   1.28+), an env var JOB_COMPLETION_INDEX in every container and init container, and
 *   hostname `<job>-<index>`.
 *
 * Labels whose values only the controller knows and which are never in desired state
 * (`controller-revision-hash`, `pod-template-generation`) and finalizers the controller adds and
 * removes over the Pod's life (`batch.kubernetes.io/job-tracking`) are left out; the engine treats
 * them as the controller's live-only fields. Admission's additions (service-account token volume,
 * default tolerations, priority) are the engine's business too (lib/drift/normalize.ts).
 *
 * Choices the controller made that cannot be recomputed (the DaemonSet Pod's node, the order of
 * StatefulSet claim volumes, which form of a field this cluster version writes) are read from the
 * live Pod. Those are legitimately per-Pod, and reading them from live only ever picks among the
 * forms a controller would produce.
 */
import { isRecord } from '../drift/normalize';

type Obj = Record<string, unknown>;

function rec(v: unknown): Obj | undefined {
  return isRecord(v) ? v : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

export interface PodBuild {
  /** The desired Pod (the caller fills in the rest of the result). */
  pod: Obj;
  /** Reasons the comparison may show differences that are not drift (a rollout in progress). */
  warnings: string[];
}

/** controller.GetPodFromTemplate, plus the Pod's own name and namespace. */
export function basePod(template: Obj, livePod: Obj): Obj {
  const tmeta = rec(template.metadata) ?? {};
  const lmeta = rec(livePod.metadata) ?? {};
  const metadata: Obj = { name: lmeta.name };
  if (typeof lmeta.namespace === 'string') metadata.namespace = lmeta.namespace;
  if (isRecord(tmeta.labels)) metadata.labels = structuredClone(tmeta.labels);
  if (isRecord(tmeta.annotations)) metadata.annotations = structuredClone(tmeta.annotations);
  if (Array.isArray(tmeta.finalizers) && tmeta.finalizers.length > 0) metadata.finalizers = structuredClone(tmeta.finalizers);
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(rec(template.spec) ?? {}) };
}

function labelsOf(pod: Obj): Obj {
  const meta = pod.metadata as Obj;
  let labels = rec(meta.labels);
  if (labels === undefined) {
    labels = {};
    meta.labels = labels;
  }
  return labels;
}

function annotationsOf(pod: Obj): Obj {
  const meta = pod.metadata as Obj;
  let a = rec(meta.annotations);
  if (a === undefined) {
    a = {};
    meta.annotations = a;
  }
  return a;
}

function liveLabel(live: Obj, key: string): unknown {
  return rec(rec(live.metadata)?.labels)?.[key];
}

// ---- StatefulSet -------------------------------------------------------------------------------

/** getOrdinal: the number after the last dash of the Pod name, when the rest is the set's name. */
export function statefulSetOrdinal(setName: string, podName: string): number | undefined {
  const m = /^(.*)-([0-9]+)$/.exec(podName);
  if (m === null || m[1] !== setName) return undefined;
  const n = Number(m[2]);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function statefulSetPod(set: Obj, template: Obj, live: Obj): PodBuild | string {
  const pod = basePod(template, live);
  const setName = String(rec(set.metadata)?.name ?? '');
  const podName = String((pod.metadata as Obj).name ?? '');
  const ordinal = statefulSetOrdinal(setName, podName);
  if (ordinal === undefined) return `Pod ${podName} is not named <StatefulSet>-<ordinal> after StatefulSet ${setName}`;
  const setSpec = rec(set.spec) ?? {};
  const labels = labelsOf(pod);
  labels[STATEFULSET_POD_NAME_LABEL] = podName;
  // Since Kubernetes 1.28 (PodIndexLabel); a Pod from an older controller has none.
  if (liveLabel(live, POD_INDEX_LABEL) !== undefined) labels[POD_INDEX_LABEL] = String(ordinal);
  const spec = pod.spec as Obj;
  spec.hostname = podName;
  if (typeof setSpec.serviceName === 'string' && setSpec.serviceName !== '') spec.subdomain = setSpec.serviceName;
  else delete spec.subdomain;
  const claims = new Map<string, Obj>();
  for (const t of list(setSpec.volumeClaimTemplates)) {
    const name = rec(rec(t)?.metadata)?.name;
    if (typeof name !== 'string' || name === '') continue;
    claims.set(name, { name, persistentVolumeClaim: { claimName: `${name}-${setName}-${ordinal}` } });
  }
  if (claims.size > 0) {
    // updateStorage iterates a Go map: the claim volumes come first, in an order only live shows.
    const liveOrder = list(rec(live.spec)?.volumes)
      .map((v) => rec(v)?.name)
      .filter((n): n is string => typeof n === 'string' && claims.has(n));
    const order = [...liveOrder, ...[...claims.keys()].filter((n) => !liveOrder.includes(n))];
    const rest = list(spec.volumes).filter((v) => !claims.has(String(rec(v)?.name)));
    spec.volumes = [...order.map((n) => claims.get(n) as Obj), ...rest];
  }
  const warnings: string[] = [];
  const rev = liveLabel(live, CONTROLLER_REVISION_HASH_LABEL);
  const update = rec(set.status)?.updateRevision;
  if (typeof rev === 'string' && typeof update === 'string' && rev !== update) {
    warnings.push(`Pod is at revision ${rev}, the StatefulSet's update revision is ${update}: differences may be a rollout in progress (or held back by a partition or OnDelete)`);
  }
  return { pod, warnings };
}

// ---- DaemonSet ---------------------------------------------------------------------------------

interface Toleration {
  key: string;
  operator: string;
  effect: string;
}

const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const NETWORK_UNAVAILABLE: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** v1helper.AddOrUpdateTolerationInPodSpec: replace the one that matches key/operator/value/effect, else append. */
function addOrUpdateToleration(spec: Obj, t: Toleration): void {
  const current = list(spec.tolerations);
  const matches = (x: unknown): boolean => {
    const r = rec(x);
    return r !== undefined && str(r.key) === t.key && str(r.operator) === t.operator && str(r.value) === '' && str(r.effect) === t.effect;
  };
  const i = current.findIndex(matches);
  if (i < 0) spec.tolerations = [...current, { ...t }];
  else spec.tolerations = current.map((x, j) => (j === i ? { ...t } : x));
}

/** GetTargetNodeName: spec.nodeName, else the single value of a matchFields metadata.name In term. */
export function daemonPodNodeName(live: Obj): string | undefined {
  const spec = rec(live.spec) ?? {};
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '') return spec.nodeName;
  const terms = list(rec(rec(rec(spec.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution)?.nodeSelectorTerms);
  for (const term of terms) {
    for (const f of list(rec(term)?.matchFields)) {
      const r = rec(f);
      const values = list(r?.values);
      if (r?.key === 'metadata.name' && r.operator === 'In' && values.length === 1 && typeof values[0] === 'string') return values[0];
    }
  }
  return undefined;
}

function replaceNodeAffinity(spec: Obj, nodeName: string): void {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const affinity = rec(spec.affinity);
  if (affinity === undefined) {
    spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } } };
    return;
  }
  const na = rec(affinity.nodeAffinity);
  if (na === undefined) {
    affinity.nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } };
    return;
  }
  const required = rec(na.requiredDuringSchedulingIgnoredDuringExecution);
  if (required === undefined) na.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  else required.nodeSelectorTerms = [term];
}

export function daemonSetPod(_ds: Obj, template: Obj, live: Obj): PodBuild | string {
  const pod = basePod(template, live);
  const spec = pod.spec as Obj;
  for (const t of DAEMON_TOLERATIONS) addOrUpdateToleration(spec, t);
  if (spec.hostNetwork === true) addOrUpdateToleration(spec, NETWORK_UNAVAILABLE);
  const warnings: string[] = [];
  const node = daemonPodNodeName(live);
  if (node !== undefined) replaceNodeAffinity(spec, node);
  else warnings.push('the Pod names no target node (spec.nodeName or a metadata.name node affinity): node affinity not compared');
  return { pod, warnings };
}

// ---- Job ---------------------------------------------------------------------------------------

function completionIndexOf(live: Obj): number | undefined {
  const meta = rec(live.metadata) ?? {};
  const raw = rec(meta.annotations)?.[JOB_COMPLETION_INDEX] ?? rec(meta.labels)?.[JOB_COMPLETION_INDEX];
  if (typeof raw !== 'string' || !/^[0-9]+$/.test(raw)) return undefined;
  return Number(raw);
}

const INDEX_FIELD_PATHS = [`metadata.labels['${JOB_COMPLETION_INDEX}']`, `metadata.annotations['${JOB_COMPLETION_INDEX}']`];

/** Kubernetes ≥ 1.28 points the env var at the label, older versions at the annotation: use the one this Pod has. */
function indexFieldPath(live: Obj): string {
  const spec = rec(live.spec) ?? {};
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
    for (const e of list(rec(c)?.env)) {
      const p = rec(rec(rec(e)?.valueFrom)?.fieldRef)?.fieldPath;
      if (rec(e)?.name === JOB_COMPLETION_INDEX_ENV && typeof p === 'string' && INDEX_FIELD_PATHS.includes(p)) return p;
    }
  }
  return INDEX_FIELD_PATHS[0] as string;
}

export function jobPod(job: Obj, template: Obj, live: Obj): PodBuild | string {
  const pod = basePod(template, live);
  const jobSpec = rec(job.spec) ?? {};
  if (jobSpec.completionMode !== 'Indexed') return { pod, warnings: [] };
  const index = completionIndexOf(live);
  if (index === undefined) return `Pod of Indexed Job has no ${JOB_COMPLETION_INDEX} annotation`;
  const spec = pod.spec as Obj;
  const fieldPath = indexFieldPath(live);
  for (const field of ['initContainers', 'containers']) {
    for (const c of list(spec[field])) {
      const container = rec(c);
      if (container === undefined) continue;
      const env = list(container.env);
      if (env.some((e) => rec(e)?.name === JOB_COMPLETION_INDEX_ENV)) continue;
      container.env = [...env, { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath } } }];
    }
  }
  annotationsOf(pod)[JOB_COMPLETION_INDEX] = String(index);
  // The label came with Kubernetes 1.28 (PodIndexLabel); a Pod from an older controller has none.
  if (liveLabel(live, JOB_COMPLETION_INDEX) !== undefined) labelsOf(pod)[JOB_COMPLETION_INDEX] = String(index);
  spec.hostname = `${String(rec(job.metadata)?.name ?? '')}-${index}`;
  return { pod, warnings: [] };
}

export function replicaSetPod(_rs: Obj, template: Obj, live: Obj): PodBuild | string {
  return { pod: basePod(template, live), warnings: [] };
}
