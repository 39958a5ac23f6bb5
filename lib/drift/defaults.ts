/**
 * API-server defaults applied to the desired side, so that a live object carrying them is not
 * drift. Defaults are "soft": they explain a live value, they never make a field `missing`, and a
 * live value that differs from a default is only drift when managedFields or last-applied say
 * someone wrote it (a default the server would not have chosen).
 */
import { isRecord } from './normalize';
import { childSchema, splitApiVersion, type SchemaNode } from './schema';

/** Remembers which values defaults put into the desired object. */
export class SoftMarks {
  private readonly keys = new WeakMap<object, Set<string>>();

  /**
   * Sets obj[key] when absent and marks it soft. Returns the (possibly pre-existing) value.
   * `emptyList`: also in place of `[]`, for the defaulters that test a list's length.
   */
  set(obj: Record<string, unknown>, key: string, value: unknown, emptyList = false): unknown {
    const cur = obj[key];
    if (cur !== undefined && cur !== null && !(emptyList && Array.isArray(cur) && cur.length === 0)) return cur;
    obj[key] = value;
    let s = this.keys.get(obj);
    if (s === undefined) {
      s = new Set();
      this.keys.set(obj, s);
    }
    s.add(key);
    return value;
  }

  isSoft(obj: object, key: string): boolean {
    return this.keys.get(obj)?.has(key) ?? false;
  }
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return isRecord(v) ? v : undefined;
}

function each(list: unknown, fn: (item: Record<string, unknown>) => void): void {
  if (!Array.isArray(list)) return;
  for (const item of list) if (isRecord(item)) fn(item);
}

/** imagePullPolicy as the API server picks it: Always for `:latest` or no tag, else IfNotPresent. */
export function defaultPullPolicy(image: unknown): 'Always' | 'IfNotPresent' {
  if (typeof image !== 'string') return 'IfNotPresent';
  // As the API server parses it: a digest pins the image unless a `latest` tag stands beside it
  // (`nginx:latest@sha256:…` defaults to Always); without either, the tag is `latest`.
  const at = image.indexOf('@');
  const name = at < 0 ? image : image.slice(0, at);
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  const tag = colon < 0 ? '' : name.slice(colon + 1);
  if (at >= 0) return tag === 'latest' ? 'Always' : 'IfNotPresent';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function handlerDefaults(h: Record<string, unknown> | undefined, d: SoftMarks): void {
  const http = rec(h?.httpGet);
  if (http !== undefined) d.set(http, 'scheme', 'HTTP');
}

function probeDefaults(p: Record<string, unknown> | undefined, d: SoftMarks): void {
  if (p === undefined) return;
  d.set(p, 'timeoutSeconds', 1);
  d.set(p, 'periodSeconds', 10);
  d.set(p, 'successThreshold', 1);
  d.set(p, 'failureThreshold', 3);
  handlerDefaults(p, d);
}

function containerDefaults(c: Record<string, unknown>, d: SoftMarks, isPod: boolean, hostNetwork: boolean): void {
  d.set(c, 'terminationMessagePath', '/dev/termination-log');
  d.set(c, 'terminationMessagePolicy', 'File');
  d.set(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  const res = rec(d.set(c, 'resources', {}));
  each(c.ports, (p) => {
    d.set(p, 'protocol', 'TCP');
    if (hostNetwork) d.set(p, 'hostPort', p.containerPort);
  });
  each(c.env, (e) => {
    const vf = rec(e.valueFrom);
    const fieldRef = rec(vf?.fieldRef);
    if (fieldRef !== undefined) d.set(fieldRef, 'apiVersion', 'v1');
    const rf = rec(vf?.resourceFieldRef);
    if (rf !== undefined) d.set(rf, 'divisor', '0');
  });
  probeDefaults(rec(c.livenessProbe), d);
  probeDefaults(rec(c.readinessProbe), d);
  probeDefaults(rec(c.startupProbe), d);
  const lc = rec(c.lifecycle);
  handlerDefaults(rec(lc?.postStart), d);
  handlerDefaults(rec(lc?.preStop), d);
  // Pods only (not templates): requests default to limits for resources that set only a limit.
  const limits = rec(res?.limits);
  if (isPod && res !== undefined && limits !== undefined) {
    const requests = rec(d.set(res, 'requests', {}));
    if (requests !== undefined) for (const [k, v] of Object.entries(limits)) d.set(requests, k, v);
  }
}

function keyToPathDefaults(items: unknown, d: SoftMarks): void {
  each(items, (i) => {
    const fr = rec(i.fieldRef);
    if (fr !== undefined) d.set(fr, 'apiVersion', 'v1');
  });
}

function volumeDefaults(v: Record<string, unknown>, d: SoftMarks): void {
  for (const k of ['configMap', 'secret', 'downwardAPI', 'projected']) {
    const src = rec(v[k]);
    if (src !== undefined) d.set(src, 'defaultMode', 420);
  }
  keyToPathDefaults(rec(v.downwardAPI)?.items, d);
  each(rec(v.projected)?.sources, (s) => {
    keyToPathDefaults(rec(s.downwardAPI)?.items, d);
    // One hour (SetDefaults_ServiceAccountTokenProjection). The 3607 of the kube-api-access-*
    // volume is written explicitly by the ServiceAccount admission plugin, not defaulted.
    const sat = rec(s.serviceAccountToken);
    if (sat !== undefined) d.set(sat, 'expirationSeconds', 3600);
  });
  const eph = rec(rec(rec(v.ephemeral)?.volumeClaimTemplate)?.spec);
  if (eph !== undefined) d.set(eph, 'volumeMode', 'Filesystem');
}

export function podSpecDefaults(spec: Record<string, unknown>, d: SoftMarks, isPod: boolean): void {
  d.set(spec, 'dnsPolicy', 'ClusterFirst');
  d.set(spec, 'restartPolicy', 'Always');
  d.set(spec, 'schedulerName', 'default-scheduler');
  d.set(spec, 'terminationGracePeriodSeconds', 30);
  d.set(spec, 'securityContext', {});
  d.set(spec, 'enableServiceLinks', true);
  if (isPod) {
    d.set(spec, 'serviceAccountName', 'default');
    d.set(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  }
  // The deprecated alias mirrors serviceAccountName in every stored pod spec.
  if (typeof spec.serviceAccountName === 'string') d.set(spec, 'serviceAccount', spec.serviceAccountName);
  const hostNetwork = spec.hostNetwork === true;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    each(spec[list], (c) => containerDefaults(c, d, isPod, hostNetwork));
  }
  each(spec.volumes, (v) => volumeDefaults(v, d));
}

function podTemplateDefaults(tpl: unknown, d: SoftMarks): void {
  const spec = rec(rec(tpl)?.spec);
  if (spec !== undefined) podSpecDefaults(spec, d, false);
}

function rollingStrategy(
  parent: Record<string, unknown>,
  field: string,
  d: SoftMarks,
  defaultType: string,
  rolling: Record<string, unknown>,
): void {
  const strategy = rec(d.set(parent, field, {}));
  if (strategy === undefined) return;
  const type = d.set(strategy, 'type', defaultType);
  if (type !== 'RollingUpdate') return;
  const ru = rec(d.set(strategy, 'rollingUpdate', {}));
  if (ru !== undefined) for (const [k, v] of Object.entries(rolling)) d.set(ru, k, v);
}

/** Defaults of any JobSpec, a CronJob's jobTemplate included (type-level defaulters). */
function jobTemplateSpecDefaults(spec: Record<string, unknown>, d: SoftMarks): void {
  each(rec(spec.podFailurePolicy)?.rules, (r) => each(r.onPodConditions, (c) => d.set(c, 'status', 'True')));
  podTemplateDefaults(spec.template, d);
}

/** SetDefaults_Job: runs on a Job only, so a CronJob's jobTemplate keeps these unset. */
function jobSpecDefaults(spec: Record<string, unknown>, d: SoftMarks): void {
  if (spec.completions === undefined && spec.parallelism === undefined) d.set(spec, 'completions', 1);
  d.set(spec, 'parallelism', 1);
  // With a per-index limit the Job-wide one is not meant to stop the Job: MaxInt32.
  d.set(spec, 'backoffLimit', typeof spec.backoffLimitPerIndex === 'number' ? 2147483647 : 6);
  d.set(spec, 'completionMode', 'NonIndexed');
  d.set(spec, 'suspend', false);
  // A pod failure policy must see a failed pod's final state, so replacements wait for it.
  d.set(spec, 'podReplacementPolicy', isRecord(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed');
  jobTemplateSpecDefaults(spec, d);
}

/**
 * What an admission webhook or policy matches: a webhook and a policy's MatchResources have the
 * same defaults (each rule's scope by SetDefaults_Rule, which every rule type embeds).
 */
function matchDefaults(m: Record<string, unknown>, d: SoftMarks, matchPolicy: 'Equivalent' | 'Exact', ruleLists: ReadonlyArray<string>): void {
  d.set(m, 'matchPolicy', matchPolicy);
  d.set(m, 'namespaceSelector', {});
  d.set(m, 'objectSelector', {});
  for (const list of ruleLists) each(m[list], (r) => d.set(r, 'scope', '*'));
}

function webhookDefaults(w: Record<string, unknown>, d: SoftMarks, v1: boolean, mutating: boolean): void {
  d.set(w, 'failurePolicy', v1 ? 'Fail' : 'Ignore');
  matchDefaults(w, d, v1 ? 'Equivalent' : 'Exact', ['rules']);
  d.set(w, 'timeoutSeconds', v1 ? 10 : 30);
  if (!v1) {
    d.set(w, 'sideEffects', 'Unknown');
    d.set(w, 'admissionReviewVersions', ['v1beta1']);
  }
  if (mutating) d.set(w, 'reinvocationPolicy', 'Never');
  const svc = rec(rec(w.clientConfig)?.service);
  if (svc !== undefined) d.set(svc, 'port', 443);
}

function hpaBehaviorDefaults(spec: Record<string, unknown>, d: SoftMarks): void {
  const behavior = rec(spec.behavior);
  if (behavior === undefined) return;
  const up = rec(d.set(behavior, 'scaleUp', {}));
  if (up !== undefined) {
    d.set(up, 'stabilizationWindowSeconds', 0);
    d.set(up, 'selectPolicy', 'Max');
    d.set(up, 'policies', [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ]);
  }
  const down = rec(d.set(behavior, 'scaleDown', {}));
  if (down !== undefined) {
    d.set(down, 'stabilizationWindowSeconds', 300);
    d.set(down, 'selectPolicy', 'Max');
    d.set(down, 'policies', [{ type: 'Percent', value: 100, periodSeconds: 15 }]);
  }
}

/** Sets each key of the sources that `parent[field]` lacks, the first source first; no empty map (the server omits it). */
function fillResourceList(parent: Record<string, unknown>, field: string, sources: ReadonlyArray<unknown>, d: SoftMarks): void {
  const entries = sources.flatMap((s) => (isRecord(s) ? Object.entries(s) : []));
  if (entries.length === 0) return;
  const list = rec(d.set(parent, field, {}));
  if (list !== undefined) for (const [k, v] of entries) d.set(list, k, v);
}

/** SetDefaults_LimitRangeItem: a Container item's default limit is its max, its default request the default limit, else the min. */
function limitRangeItemDefaults(item: Record<string, unknown>, d: SoftMarks): void {
  if (item.type !== 'Container') return;
  fillResourceList(item, 'default', [item.max], d);
  // After the line above, so that a default limit just taken from max is the default request too.
  fillResourceList(item, 'defaultRequest', [item.default, item.min], d);
}

/** Defaults of the built-in kinds, by kind; version differences where they matter. */
export function applyBuiltinDefaults(obj: Record<string, unknown>, apiVersion: string, kind: string, d: SoftMarks): void {
  const { group, version } = splitApiVersion(apiVersion);
  const spec = rec(obj.spec);
  switch (kind) {
    case 'Pod':
      if (spec !== undefined) podSpecDefaults(spec, d, true);
      return;
    case 'PodTemplate':
      podTemplateDefaults(obj.template, d);
      return;
    case 'ReplicationController':
    case 'ReplicaSet':
      if (spec === undefined) return;
      d.set(spec, 'replicas', 1);
      podTemplateDefaults(spec.template, d);
      return;
    case 'Deployment':
      if (spec === undefined) return;
      d.set(spec, 'replicas', 1);
      d.set(spec, 'revisionHistoryLimit', 10);
      d.set(spec, 'progressDeadlineSeconds', 600);
      rollingStrategy(spec, 'strategy', d, 'RollingUpdate', { maxSurge: '25%', maxUnavailable: '25%' });
      podTemplateDefaults(spec.template, d);
      return;
    case 'StatefulSet':
      if (spec === undefined) return;
      d.set(spec, 'replicas', 1);
      d.set(spec, 'podManagementPolicy', 'OrderedReady');
      d.set(spec, 'revisionHistoryLimit', 10);
      // maxUnavailable: 1 since the MaxUnavailableStatefulSet feature is on by default (beta); a
      // StatefulSet created by a plain POST (helm, kubectl create, an operator) has it under its
      // creator's name, and without the default it showed as that creator's addition.
      rollingStrategy(spec, 'updateStrategy', d, version === 'v1beta1' ? 'OnDelete' : 'RollingUpdate', version === 'v1' ? { partition: 0, maxUnavailable: 1 } : { partition: 0 });
      if (group === 'apps' && version === 'v1') {
        const retention = rec(d.set(spec, 'persistentVolumeClaimRetentionPolicy', {}));
        if (retention !== undefined) {
          d.set(retention, 'whenDeleted', 'Retain');
          d.set(retention, 'whenScaled', 'Retain');
        }
      }
      each(spec.volumeClaimTemplates, (t) => {
        d.set(t, 'apiVersion', 'v1');
        d.set(t, 'kind', 'PersistentVolumeClaim');
        const ts = rec(t.spec);
        if (ts !== undefined) d.set(ts, 'volumeMode', 'Filesystem');
      });
      podTemplateDefaults(spec.template, d);
      return;
    case 'DaemonSet':
      if (spec === undefined) return;
      d.set(spec, 'revisionHistoryLimit', 10);
      rollingStrategy(spec, 'updateStrategy', d, 'RollingUpdate', { maxUnavailable: 1, maxSurge: 0 });
      podTemplateDefaults(spec.template, d);
      return;
    case 'Job':
      if (spec !== undefined) jobSpecDefaults(spec, d);
      return;
    case 'CronJob': {
      if (spec === undefined) return;
      d.set(spec, 'concurrencyPolicy', 'Allow');
      d.set(spec, 'suspend', false);
      d.set(spec, 'successfulJobsHistoryLimit', 3);
      d.set(spec, 'failedJobsHistoryLimit', 1);
      const js = rec(rec(spec.jobTemplate)?.spec);
      if (js !== undefined) jobTemplateSpecDefaults(js, d);
      return;
    }
    case 'Service': {
      if (spec === undefined) return;
      const type = d.set(spec, 'type', 'ClusterIP');
      d.set(spec, 'sessionAffinity', 'None');
      if (spec.sessionAffinity === 'ClientIP') {
        const cfg = rec(d.set(spec, 'sessionAffinityConfig', {}));
        const cip = cfg === undefined ? undefined : rec(d.set(cfg, 'clientIP', {}));
        if (cip !== undefined) d.set(cip, 'timeoutSeconds', 10800);
      }
      if (type !== 'ExternalName') {
        d.set(spec, 'internalTrafficPolicy', 'Cluster');
        each(spec.ports, (p) => {
          d.set(p, 'protocol', 'TCP');
          d.set(p, 'targetPort', p.port);
        });
      }
      // As service.ExternallyAccessible: a ClusterIP Service with external IPs is reachable from outside too.
      const externalIPs = type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0;
      if (type === 'NodePort' || type === 'LoadBalancer' || externalIPs) d.set(spec, 'externalTrafficPolicy', 'Cluster');
      if (type === 'LoadBalancer') d.set(spec, 'allocateLoadBalancerNodePorts', true);
      return;
    }
    case 'Endpoints':
      each(obj.subsets, (s) => each(s.ports, (p) => d.set(p, 'protocol', 'TCP')));
      return;
    case 'Secret':
      d.set(obj, 'type', 'Opaque');
      return;
    case 'LimitRange':
      each(spec?.limits, (item) => limitRangeItemDefaults(item, d));
      return;
    case 'Ingress':
      if (version === 'v1beta1') {
        each(spec?.rules, (r) => each(rec(r.http)?.paths, (p) => d.set(p, 'pathType', 'ImplementationSpecific')));
      }
      return;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      each(obj.subjects, (s) => {
        if (s.kind === 'User' || s.kind === 'Group') d.set(s, 'apiGroup', 'rbac.authorization.k8s.io');
      });
      return;
    case 'MutatingWebhookConfiguration':
    case 'ValidatingWebhookConfiguration':
      each(obj.webhooks, (w) => webhookDefaults(w, d, version === 'v1', kind === 'MutatingWebhookConfiguration'));
      return;
    case 'ValidatingAdmissionPolicy':
    case 'MutatingAdmissionPolicy': {
      if (spec === undefined) return;
      d.set(spec, 'failurePolicy', 'Fail');
      const mc = rec(spec.matchConstraints);
      if (mc !== undefined) matchDefaults(mc, d, 'Equivalent', ['resourceRules', 'excludeResourceRules']);
      return;
    }
    case 'ValidatingAdmissionPolicyBinding':
    case 'MutatingAdmissionPolicyBinding': {
      // Defaulted only where set: a binding without matchResources keeps none.
      const mr = rec(spec?.matchResources);
      if (mr !== undefined) matchDefaults(mr, d, 'Equivalent', ['resourceRules', 'excludeResourceRules']);
      // v1alpha1 alone defaults parameterNotFoundAction; later versions require it.
      const pr = rec(spec?.paramRef);
      if (pr !== undefined && version === 'v1alpha1') d.set(pr, 'parameterNotFoundAction', 'Deny');
      return;
    }
    case 'HorizontalPodAutoscaler':
      if (spec === undefined) return;
      d.set(spec, 'minReplicas', 1);
      if (version !== 'v1') {
        d.set(spec, 'metrics', [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
        hpaBehaviorDefaults(spec, d);
      }
      return;
    case 'PersistentVolumeClaim':
      if (spec !== undefined) d.set(spec, 'volumeMode', 'Filesystem');
      return;
    case 'PersistentVolume':
      if (spec === undefined) return;
      d.set(spec, 'persistentVolumeReclaimPolicy', 'Retain');
      d.set(spec, 'volumeMode', 'Filesystem');
      return;
    case 'CustomResourceDefinition': {
      if (spec === undefined) return;
      d.set(spec, 'preserveUnknownFields', false);
      const conv = rec(d.set(spec, 'conversion', {}));
      if (conv !== undefined) d.set(conv, 'strategy', 'None');
      const svc = rec(rec(rec(rec(conv?.webhook)?.clientConfig))?.service);
      if (svc !== undefined) d.set(svc, 'port', 443);
      const names = rec(spec.names);
      if (names !== undefined && typeof names.kind === 'string') {
        d.set(names, 'listKind', `${names.kind}List`);
        d.set(names, 'singular', names.kind.toLowerCase());
      }
      return;
    }
    case 'APIService': {
      const svc = rec(spec?.service);
      if (svc !== undefined) d.set(svc, 'port', 443);
      return;
    }
    case 'Namespace':
      d.set(obj, 'spec', {});
      if (isRecord(obj.spec)) d.set(obj.spec, 'finalizers', ['kubernetes']);
      return;
    case 'NetworkPolicy': {
      if (spec === undefined) return;
      // The server tests len(egress): `egress: []` alone does not make it an egress policy.
      const egress = Array.isArray(spec.egress) && spec.egress.length > 0;
      d.set(spec, 'policyTypes', egress ? ['Ingress', 'Egress'] : ['Ingress'], true);
      for (const dir of ['ingress', 'egress']) each(spec[dir], (r) => each(r.ports, (p) => d.set(p, 'protocol', 'TCP')));
      return;
    }
    case 'PriorityClass':
      d.set(obj, 'preemptionPolicy', 'PreemptLowerPriority');
      return;
    case 'StorageClass':
      d.set(obj, 'reclaimPolicy', 'Delete');
      d.set(obj, 'volumeBindingMode', 'Immediate');
      return;
    case 'CSIDriver': {
      // The spec is a struct, not a pointer: a manifest without one is defaulted all the same.
      const cs = rec(d.set(obj, 'spec', {}));
      if (cs === undefined) return;
      d.set(cs, 'attachRequired', true);
      d.set(cs, 'podInfoOnMount', false);
      d.set(cs, 'storageCapacity', false);
      d.set(cs, 'fsGroupPolicy', 'ReadWriteOnceWithFSType');
      d.set(cs, 'volumeLifecycleModes', ['Persistent'], true);
      d.set(cs, 'requiresRepublish', false);
      // Defaulted by servers whose feature gates have them (seen on 1.37); soft, so an older
      // server that leaves them out is no drift either.
      d.set(cs, 'seLinuxMount', false);
      d.set(cs, 'preventPodSchedulingIfMissing', false);
      return;
    }
    default:
      return;
  }
}

/**
 * `default:` values of a structural schema (CRDs, OpenAPI v3), applied like the API server does:
 * an object's property defaults apply wherever the object exists, including objects that were
 * themselves just defaulted.
 */
export function applySchemaDefaults(value: unknown, schema: SchemaNode | undefined, d: SoftMarks, depth = 0): void {
  if (schema === undefined || depth > 64) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    if (items !== undefined) for (const e of value) applySchemaDefaults(e, items, d, depth + 1);
    return;
  }
  if (!isRecord(value)) return;
  const defaulted = defaultedProperties(schema);
  for (let i = 0; i < defaulted.length; i++) {
    const [k, dflt] = defaulted[i] as DefaultedProperty;
    if (value[k] === undefined || value[k] === null) d.set(value, k, structuredClone(dflt));
  }
  for (const k of Object.keys(value)) applySchemaDefaults(value[k], childSchema(schema, k), d, depth + 1);
}

type DefaultedProperty = readonly [name: string, value: unknown];
const NO_DEFAULTS: ReadonlyArray<DefaultedProperty> = [];
/** Per schema node, its properties that declare a default: a few, of often dozens of properties. */
const defaultedCache = new WeakMap<SchemaNode, ReadonlyArray<DefaultedProperty>>();

function defaultedProperties(schema: SchemaNode): ReadonlyArray<DefaultedProperty> {
  let list = defaultedCache.get(schema);
  if (list === undefined) {
    const found: DefaultedProperty[] = [];
    const props = schema.properties;
    if (props !== undefined) for (const [k, ps] of Object.entries(props)) if (ps.default !== undefined) found.push([k, ps.default]);
    list = found.length > 0 ? found : NO_DEFAULTS;
    defaultedCache.set(schema, list);
  }
  return list;
}
