/**
 * Built-in schema table (list merge keys, sets, atomic maps, quantities) for the kinds people
 * deploy, used when the cluster's own OpenAPI v3 is not available, plus name-based heuristics for
 * custom resources without list-type markers (a Rollout embeds a PodSpec its CRD does not describe).
 * Follows the `+listType`/`+listMapKey` markers of k8s.io/api.
 */
import { childSchema, isQuantitySchema, splitApiVersion, type SchemaNode, type SchemaProvider } from './schema';
import type { Scalar } from './types';
import { isRecord } from './normalize';

const str: SchemaNode = { type: 'string' };
const Q: SchemaNode = { type: 'string', format: 'quantity' };
const intOrString: SchemaNode = { 'x-kubernetes-int-or-string': true };

function obj(properties: Record<string, SchemaNode>, extra: Partial<SchemaNode> = {}): SchemaNode {
  return { type: 'object', properties, ...extra };
}
function mapOf(value: SchemaNode): SchemaNode {
  return { type: 'object', additionalProperties: value };
}
function keyed(keys: string[], item: SchemaNode = { type: 'object' }): SchemaNode {
  return { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys, items: item };
}
function set(item: SchemaNode = str): SchemaNode {
  return { type: 'array', 'x-kubernetes-list-type': 'set', items: item };
}
function atomic(item: SchemaNode = {}): SchemaNode {
  return { type: 'array', 'x-kubernetes-list-type': 'atomic', items: item };
}
function unordered(item: SchemaNode = {}): SchemaNode {
  return { ...atomic(item), 'x-driftwatch-unordered': true };
}

const atomicMap: SchemaNode = { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: str };
const labelSelector: SchemaNode = { type: 'object', 'x-kubernetes-map-type': 'atomic' };
const resourceList = mapOf(Q);
const tcp: SchemaNode = { type: 'string', default: 'TCP' };
// Pointers the API keeps when false or 0 and does not default: leaving them out is not the same
// (no allowPrivilegeEscalation allows it, no runAsUser runs as the image's user, no
// automountServiceAccountToken mounts the token, no ttlSecondsAfterFinished never deletes the Job).
const keptFalse: SchemaNode = { type: 'boolean', 'x-driftwatch-keeps-empty': true };
const keptZero: SchemaNode = { type: 'integer', 'x-driftwatch-keeps-empty': true };
const ids = { runAsUser: keptZero, runAsGroup: keptZero };

const objectMeta = obj({
  labels: mapOf(str),
  annotations: mapOf(str),
  finalizers: set(),
  ownerReferences: keyed(['uid']),
});

const handler = obj({ exec: obj({ command: atomic() }), httpGet: obj({ port: intOrString, httpHeaders: atomic() }), tcpSocket: obj({ port: intOrString }) });
const probe = obj({
  exec: obj({ command: atomic() }),
  httpGet: obj({ port: intOrString, httpHeaders: atomic() }),
  tcpSocket: obj({ port: intOrString }),
});

const resources = obj({ limits: resourceList, requests: resourceList, claims: keyed(['name']) });

const container = obj({
  args: atomic(),
  command: atomic(),
  env: keyed(['name'], obj({ valueFrom: obj({ resourceFieldRef: obj({ divisor: Q }) }) })),
  envFrom: atomic(),
  ports: keyed(['containerPort', 'protocol'], obj({ protocol: tcp })),
  resources,
  resizePolicy: atomic(),
  volumeMounts: keyed(['mountPath']),
  volumeDevices: keyed(['devicePath']),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  lifecycle: obj({ postStart: handler, preStop: handler }),
  securityContext: obj({ capabilities: obj({ add: atomic(), drop: atomic() }), allowPrivilegeEscalation: keptFalse, ...ids }),
});

const pvcSpec = obj({ accessModes: atomic(), resources: obj({ limits: resourceList, requests: resourceList }), selector: labelSelector });
const pvc = obj({ metadata: objectMeta, spec: pvcSpec });

const volume = obj({
  configMap: obj({ items: atomic() }),
  secret: obj({ items: atomic() }),
  projected: obj({ sources: atomic() }),
  downwardAPI: obj({ items: atomic() }),
  emptyDir: obj({ sizeLimit: Q }),
  ephemeral: obj({ volumeClaimTemplate: obj({ spec: pvcSpec }) }),
});

const podSpecFields = (tolerations: SchemaNode): SchemaNode => obj({
  containers: keyed(['name'], container),
  initContainers: keyed(['name'], container),
  ephemeralContainers: keyed(['name'], container),
  volumes: keyed(['name'], volume),
  imagePullSecrets: keyed(['name']),
  tolerations,
  hostAliases: keyed(['ip'], obj({ hostnames: atomic() })),
  topologySpreadConstraints: keyed(['topologyKey', 'whenUnsatisfiable'], obj({ labelSelector, matchLabelKeys: atomic() })),
  readinessGates: atomic(),
  schedulingGates: keyed(['name']),
  resourceClaims: keyed(['name']),
  overhead: resourceList,
  nodeSelector: atomicMap,
  resources: obj({ limits: resourceList, requests: resourceList }),
  securityContext: obj({ supplementalGroups: atomic(), sysctls: atomic(), fsGroup: keptZero, ...ids }),
  automountServiceAccountToken: keptFalse,
  dnsConfig: obj({ nameservers: atomic(), searches: atomic(), options: atomic() }),
});

// Tolerations are atomic in the API, but admission (DefaultTolerationSeconds) and the DaemonSet
// controller append tolerations to the Pods themselves: a Pod's are compared as a set of whole
// tolerations, so the appended ones are live-only instead of a changed list.
const podSpec = podSpecFields({ ...set({ type: 'object' }), 'x-driftwatch-override': true });
// Nothing appends to a template's: atomic as in the API, so a toleration added by hand to a
// Deployment's template is a changed list (applying the manifest would drop it).
const podTemplate = obj({ metadata: objectMeta, spec: podSpecFields(atomic({ type: 'object' })) });
const workloadSpec = (extra: Record<string, SchemaNode> = {}): SchemaNode => obj({ selector: labelSelector, template: podTemplate, ...extra });
const jobSpec = workloadSpec({ ttlSecondsAfterFinished: keptZero });

const webhook = keyed(
  ['name'],
  obj({
    rules: atomic(),
    admissionReviewVersions: atomic(),
    namespaceSelector: labelSelector,
    objectSelector: labelSelector,
    matchConditions: keyed(['name']),
  }),
);

const metricTarget = obj({ averageValue: Q, value: Q });
const hpaSpec = obj({
  // Atomic in the API, but the HPA controller rewrites the order (kubernetes#74099).
  metrics: unordered(
    obj({
      resource: obj({ target: metricTarget }),
      containerResource: obj({ target: metricTarget }),
      pods: obj({ target: metricTarget }),
      object: obj({ target: metricTarget }),
      external: obj({ target: metricTarget }),
    }),
  ),
});

const endpointPort = obj({ protocol: tcp });

/** Kind -> schema of the whole object (metadata added below). Keyed by kind; group checked in BUILTIN_GROUPS. */
const BY_KIND: Record<string, Record<string, SchemaNode>> = {
  Pod: { spec: podSpec },
  PodTemplate: { template: podTemplate },
  ReplicationController: { spec: obj({ selector: atomicMap, template: podTemplate }) },
  Deployment: { spec: workloadSpec() },
  ReplicaSet: { spec: workloadSpec() },
  DaemonSet: { spec: workloadSpec() },
  StatefulSet: { spec: workloadSpec({ volumeClaimTemplates: atomic(pvc) }) },
  Job: { spec: jobSpec },
  CronJob: { spec: obj({ jobTemplate: obj({ metadata: objectMeta, spec: jobSpec }) }) },
  Service: {
    spec: obj({
      ports: keyed(['port', 'protocol'], obj({ protocol: tcp, targetPort: intOrString })),
      selector: atomicMap,
      externalIPs: atomic(),
      clusterIPs: atomic(),
      ipFamilies: atomic(),
      loadBalancerSourceRanges: atomic(),
    }),
  },
  Endpoints: {
    subsets: unordered(obj({ addresses: unordered(), notReadyAddresses: unordered(), ports: unordered(endpointPort) })),
  },
  ServiceAccount: { secrets: keyed(['name']), imagePullSecrets: keyed(['name']), automountServiceAccountToken: keptFalse },
  // Maps of strings: an empty value is a value (see DNode.freeForm).
  ConfigMap: { data: mapOf(str), binaryData: mapOf(str) },
  PersistentVolumeClaim: { spec: pvcSpec },
  PersistentVolume: { spec: obj({ capacity: resourceList, accessModes: atomic(), mountOptions: atomic() }) },
  ResourceQuota: { spec: obj({ hard: resourceList }) },
  LimitRange: {
    spec: obj({
      limits: atomic(obj({ max: resourceList, min: resourceList, default: resourceList, defaultRequest: resourceList, maxLimitRequestRatio: resourceList })),
    }),
  },
  Namespace: { spec: obj({ finalizers: atomic() }) },
  ClusterRole: { rules: atomic(), aggregationRule: obj({ clusterRoleSelectors: atomic() }) },
  Role: { rules: atomic() },
  ClusterRoleBinding: { subjects: atomic() },
  RoleBinding: { subjects: atomic() },
  MutatingWebhookConfiguration: { webhooks: webhook },
  ValidatingWebhookConfiguration: { webhooks: webhook },
  HorizontalPodAutoscaler: { spec: hpaSpec },
  CustomResourceDefinition: { spec: obj({ versions: keyed(['name']) }) },
  NetworkPolicy: { spec: obj({ podSelector: labelSelector, policyTypes: atomic() }) },
  // +listType=set in the API: a plain create owns its members one by one.
  CSIDriver: { spec: obj({ volumeLifecycleModes: set() }) },
  // maxUnavailable: 0 blocks every voluntary eviction; without it the budget may allow them.
  PodDisruptionBudget: { spec: obj({ selector: labelSelector, maxUnavailable: { ...intOrString, 'x-driftwatch-keeps-empty': true } }) },
};

const BUILTIN_GROUPS: Record<string, string[]> = {
  '': ['Pod', 'PodTemplate', 'ReplicationController', 'Service', 'Endpoints', 'ServiceAccount', 'PersistentVolumeClaim', 'PersistentVolume', 'ResourceQuota', 'LimitRange', 'Namespace', 'ConfigMap', 'Secret'],
  apps: ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet'],
  extensions: ['Deployment', 'ReplicaSet', 'DaemonSet', 'Ingress', 'NetworkPolicy'],
  batch: ['Job', 'CronJob'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'Role', 'ClusterRoleBinding', 'RoleBinding'],
  'admissionregistration.k8s.io': ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'],
  autoscaling: ['HorizontalPodAutoscaler'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'networking.k8s.io': ['NetworkPolicy', 'Ingress', 'IngressClass'],
  policy: ['PodDisruptionBudget'],
  'storage.k8s.io': ['StorageClass', 'CSIDriver'],
  'scheduling.k8s.io': ['PriorityClass'],
  'apiregistration.k8s.io': ['APIService'],
};

const rootCache = new Map<string, SchemaNode>();

/** True for kinds of the Kubernetes API itself (as opposed to custom resources). */
export function isBuiltinKind(apiVersion: string, kind: string): boolean {
  const { group } = splitApiVersion(apiVersion);
  return BUILTIN_GROUPS[group]?.includes(kind) ?? false;
}

export const builtinSchemaProvider: SchemaProvider = {
  schemaFor(apiVersion, kind) {
    if (!isBuiltinKind(apiVersion, kind)) return undefined;
    let root = rootCache.get(kind);
    if (root === undefined) {
      root = obj({ metadata: objectMeta, ...(BY_KIND[kind] ?? {}) });
      rootCache.set(kind, root);
    }
    return root;
  },
};

/** Schema used for `metadata` when a provider's schema does not describe it (CRD schemas rarely do). */
export const objectMetaSchema: SchemaNode = objectMeta;

export type ListKind = 'map' | 'set' | 'atomic' | 'unordered';

export interface ListSemantics {
  kind: ListKind;
  keys: string[];
  /** Value a key takes when an element omits it (`protocol` is TCP), per key. */
  keyDefaults: Array<Scalar | undefined>;
}

const ATOMIC: ListSemantics = { kind: 'atomic', keys: [], keyDefaults: [] };
const SET: ListSemantics = { kind: 'set', keys: [], keyDefaults: [] };
const UNORDERED: ListSemantics = { kind: 'unordered', keys: [], keyDefaults: [] };

function keyDefaultsOf(item: SchemaNode | undefined, keys: string[]): Array<Scalar | undefined> {
  return keys.map((k) => {
    const d = childSchema(item, k)?.default;
    return typeof d === 'string' || typeof d === 'number' || typeof d === 'boolean' ? d : undefined;
  });
}

const NAME_KEYED = new Set(['containers', 'initContainers', 'ephemeralContainers', 'volumes', 'imagePullSecrets', 'env']);

function allHave(elems: ReadonlyArray<unknown>, field: string): boolean {
  if (elems.length === 0) return false;
  for (const e of elems) if (!isRecord(e) || (typeof e[field] !== 'string' && typeof e[field] !== 'number')) return false;
  return true;
}

/**
 * How a list merges: from the schema when it says so, else from patch-merge-key conventions of
 * well-known field names (only when every element carries the key), else atomic.
 */
export function listSemantics(field: string, schema: SchemaNode | undefined, elems: ReadonlyArray<unknown>): ListSemantics {
  if (schema !== undefined) {
    if (schema['x-driftwatch-unordered'] === true) return UNORDERED;
    const lt = schema['x-kubernetes-list-type'];
    if (lt === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      if (keys.length > 0) return { kind: 'map', keys, keyDefaults: keyDefaultsOf(schema.items, keys) };
      return ATOMIC;
    }
    if (lt === 'set') return SET;
    if (lt === 'atomic') return ATOMIC;
  }
  if (NAME_KEYED.has(field) && allHave(elems, 'name')) return { kind: 'map', keys: ['name'], keyDefaults: [undefined] };
  if (field === 'volumeMounts' && allHave(elems, 'mountPath')) return { kind: 'map', keys: ['mountPath'], keyDefaults: [undefined] };
  if (field === 'ports' && allHave(elems, 'containerPort')) return { kind: 'map', keys: ['containerPort', 'protocol'], keyDefaults: [undefined, 'TCP'] };
  if (field === 'ports' && allHave(elems, 'port')) return { kind: 'map', keys: ['port', 'protocol'], keyDefaults: [undefined, 'TCP'] };
  return ATOMIC;
}

/**
 * List semantics from the cluster's schema (primary) and the built-in table (fallback): the
 * table wins where it deliberately deviates, the cluster's schema wherever it states a list type.
 */
export function effectiveListSemantics(
  field: string,
  primary: SchemaNode | undefined,
  fallback: SchemaNode | undefined,
  elems: ReadonlyArray<unknown>,
): ListSemantics {
  if (fallback !== undefined && (fallback['x-driftwatch-unordered'] === true || fallback['x-driftwatch-override'] === true)) {
    return listSemantics(field, fallback, elems);
  }
  if (primary?.['x-kubernetes-list-type'] !== undefined) {
    const sem = listSemantics(field, primary, elems);
    if (sem.kind === 'map' && fallback !== undefined) {
      // OpenAPI of older clusters lacks key defaults (protocol: TCP); the table has them.
      const fb = keyDefaultsOf(fallback.items, sem.keys);
      return { ...sem, keyDefaults: sem.keyDefaults.map((d, i) => d ?? fb[i]) };
    }
    return sem;
  }
  return listSemantics(field, fallback ?? primary, elems);
}

const QUANTITY_MAPS = new Set(['requests', 'limits', 'capacity', 'allocatable', 'hard', 'overhead']);

/** Quantity positions: declared by the schema, or values of resource maps when nothing is declared. */
export function isQuantityPosition(parentField: string | undefined, primary: SchemaNode | undefined, fallback?: SchemaNode): boolean {
  if (isQuantitySchema(primary) || isQuantitySchema(fallback)) return true;
  const schema = primary ?? fallback;
  if (parentField === undefined || !QUANTITY_MAPS.has(parentField)) return false;
  return schema === undefined || schema.type === undefined || schema['x-kubernetes-int-or-string'] === true;
}
