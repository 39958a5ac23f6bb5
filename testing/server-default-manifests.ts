/**
 * The manifests of the server-default tests, one per default defaults.ts knows: what
 * server-defaults.int.test.ts creates on the test cluster, and what server-defaults.test.ts
 * compares with the objects a v1.37 server stored for them (with `ns` 'shop').
 */

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

export type ServerDefaultManifests = Record<
  | 'tokenVolume'
  | 'perIndexJob'
  | 'podFailureJob'
  | 'podFailureCronJob'
  | 'emptyEgress'
  | 'limitsFromMaxMin'
  | 'limitsPartial'
  | 'externalIPs'
  | 'validatingPolicy'
  | 'validatingBinding'
  | 'mutatingPolicy'
  | 'mutatingBinding'
  | 'csiDriver',
  Manifest
>;

const work = { restartPolicy: 'Never', containers: [{ name: 'work', image: 'ghcr.io/example/work:1.0.0' }] };
const configMapRule = (operations: string[]) => ({ apiGroups: [''], apiVersions: ['v1'], operations, resources: ['configmaps'] });

/**
 * One object per default (the namespaced ones in `ns`, the cluster-scoped ones named after it),
 * in an order they can be created in (policies before their bindings). Harmless on a shared
 * cluster: suspended Jobs, no replicas, a policy that allows everything and only audits, a
 * mutating binding whose selector matches nothing.
 */
export function serverDefaultManifests(ns: string): ServerDefaultManifests {
  const policy = `${ns}-configmaps`;
  const mutating = `${ns}-label`;
  return {
    tokenVolume: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'token', namespace: ns },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'token' } },
        template: {
          metadata: { labels: { app: 'token' } },
          spec: {
            containers: [{ name: 'app', image: 'ghcr.io/example/app:1.0.0', volumeMounts: [{ name: 'api-token', mountPath: '/var/run/api' }] }],
            volumes: [{ name: 'api-token', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'api' } }] } }],
          },
        },
      },
    },
    perIndexJob: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'per-index', namespace: ns },
      spec: { suspend: true, completionMode: 'Indexed', completions: 3, parallelism: 2, backoffLimitPerIndex: 1, template: { spec: work } },
    },
    podFailureJob: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pod-failure', namespace: ns },
      spec: {
        suspend: true,
        podFailurePolicy: {
          rules: [
            { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } },
            { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
          ],
        },
        template: { spec: work },
      },
    },
    podFailureCronJob: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: ns },
      spec: {
        schedule: '0 3 * * *',
        suspend: true,
        jobTemplate: { spec: { podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] }, template: { spec: work } } },
      },
    },
    emptyEgress: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'empty-egress', namespace: ns },
      spec: { podSelector: {}, ingress: [], egress: [] },
    },
    limitsFromMaxMin: {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'limits', namespace: ns },
      spec: {
        limits: [
          { type: 'Container', max: { cpu: '2', memory: '1Gi' }, min: { cpu: '100m', memory: '0.5Gi' } },
          { type: 'PersistentVolumeClaim', max: { storage: '10Gi' } },
        ],
      },
    },
    limitsPartial: {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'limits-partial', namespace: ns },
      spec: { limits: [{ type: 'Container', max: { cpu: '2' }, default: { memory: '256Mi' }, min: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '1Gi' } }] },
    },
    externalIPs: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'external-ips', namespace: ns },
      spec: { selector: { app: 'web' }, externalIPs: ['192.0.2.10'], ports: [{ name: 'http', port: 80 }] },
    },
    validatingPolicy: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: policy },
      spec: {
        matchConstraints: {
          resourceRules: [configMapRule(['CREATE', 'UPDATE'])],
          excludeResourceRules: [{ ...configMapRule(['UPDATE']), resourceNames: ['kube-root-ca.crt'] }],
        },
        validations: [{ expression: 'true' }],
      },
    },
    validatingBinding: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: policy },
      spec: { policyName: policy, validationActions: ['Audit'], matchResources: { resourceRules: [configMapRule(['CREATE'])] } },
    },
    mutatingPolicy: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: mutating },
      spec: {
        reinvocationPolicy: 'Never',
        matchConstraints: { resourceRules: [configMapRule(['CREATE'])] },
        mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: "Object{metadata: Object.metadata{labels: {'driftwatch-test': 'mutated'}}}" } }],
      },
    },
    mutatingBinding: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: mutating },
      spec: { policyName: mutating, matchResources: { objectSelector: { matchLabels: { 'driftwatch-test': 'never' } }, resourceRules: [configMapRule(['CREATE'])] } },
    },
    csiDriver: { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: `${ns}.csi.example.com` }, spec: { attachRequired: false } },
  };
}
