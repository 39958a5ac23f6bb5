/**
 * The server defaults of defaults.ts against the test cluster's API server: each object created
 * as `kubectl create` does (a plain POST: every field, the defaults included, under its creator's
 * name) and as server-side apply does, read back untouched, is in sync, with the cluster's schema
 * and offline. server-defaults.test.ts has the same objects as a v1.37 server stored them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffObjects, type DiffOptions, type DriftReport, type SchemaProvider } from './index';
import { getJson } from '../kube/http';
import { loadClusterSchema, openApiPathOf } from '../kube/cluster-schema';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { CONTENT_TYPE, kubeWrite, objectPath, type ObjectRef } from '../../testing/kube-write';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

const SSA_MANAGER = 'gitops-sync';

const RESOURCES: Record<string, string> = {
  Deployment: 'deployments',
  Job: 'jobs',
  CronJob: 'cronjobs',
  NetworkPolicy: 'networkpolicies',
  LimitRange: 'limitranges',
  Service: 'services',
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
  MutatingAdmissionPolicy: 'mutatingadmissionpolicies',
  MutatingAdmissionPolicyBinding: 'mutatingadmissionpolicybindings',
  CSIDriver: 'csidrivers',
};

function refOf(m: Manifest, withName = true): ObjectRef {
  const resource = RESOURCES[m.kind];
  if (resource === undefined) throw new Error(`no resource name for ${m.kind}`);
  return { apiVersion: m.apiVersion, resource, namespace: m.metadata.namespace, name: withName ? m.metadata.name : undefined };
}

const work = { restartPolicy: 'Never', containers: [{ name: 'work', image: 'ghcr.io/example/work:1.0.0' }] };
const configMapRule = (operations: string[]) => ({ apiGroups: [''], apiVersions: ['v1'], operations, resources: ['configmaps'] });

/**
 * One object per default (the namespaced ones in `ns`, the cluster-scoped ones named after it).
 * Harmless to the other tests: suspended Jobs, no replicas, a policy that allows everything and
 * only audits, a mutating binding whose selector matches nothing.
 */
function manifests(ns: string): Manifest[] {
  const policy = `${ns}-configmaps`;
  const mutating = `${ns}-label`;
  return [
    {
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
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'per-index', namespace: ns },
      spec: { suspend: true, completionMode: 'Indexed', completions: 3, parallelism: 2, backoffLimitPerIndex: 1, template: { spec: work } },
    },
    {
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
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: ns },
      spec: {
        schedule: '0 3 * * *',
        suspend: true,
        jobTemplate: { spec: { podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] }, template: { spec: work } } },
      },
    },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'empty-egress', namespace: ns }, spec: { podSelector: {}, ingress: [], egress: [] } },
    {
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
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'limits-partial', namespace: ns },
      spec: { limits: [{ type: 'Container', max: { cpu: '2' }, default: { memory: '256Mi' }, min: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '1Gi' } }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'external-ips', namespace: ns },
      spec: { selector: { app: 'web' }, externalIPs: ['192.0.2.10'], ports: [{ name: 'http', port: 80 }] },
    },
    {
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
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: policy },
      spec: { policyName: policy, validationActions: ['Audit'], matchResources: { resourceRules: [configMapRule(['CREATE'])] } },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: mutating },
      spec: {
        reinvocationPolicy: 'Never',
        matchConstraints: { resourceRules: [configMapRule(['CREATE'])] },
        mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: "Object{metadata: Object.metadata{labels: {'driftwatch-test': 'mutated'}}}" } }],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: mutating },
      spec: { policyName: mutating, matchResources: { objectSelector: { matchLabels: { 'driftwatch-test': 'never' } }, resourceRules: [configMapRule(['CREATE'])] } },
    },
    { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: `${ns}.csi.example.com` }, spec: { attachRequired: false } },
  ];
}

function describeChanges(r: DriftReport): string {
  return JSON.stringify(r.changes.map((c) => ({ path: c.path, op: c.op, desired: c.desired, live: c.live, manager: c.manager?.name })));
}

for (const mode of ['created', 'server-side'] as const) {
  describe(`server defaults of objects ${mode === 'created' ? 'created with a plain POST' : 'applied server-side'}`, () => {
    const { kc } = testCluster();
    const ns = uniqueName(mode === 'created' ? 'dflt-new' : 'dflt-ssa');
    const all = manifests(ns);
    let clusterSchema: SchemaProvider;
    const options = (schema?: SchemaProvider): DiffOptions => ({ schema, ...(mode === 'server-side' ? { fieldManager: SSA_MANAGER } : {}) });

    beforeAll(async () => {
      await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      for (const m of all) {
        if (mode === 'created') await kubeWrite(kc, 'POST', objectPath(refOf(m, false), { fieldManager: 'helm' }), m);
        else await kubeWrite(kc, 'PATCH', objectPath(refOf(m), { fieldManager: SSA_MANAGER, force: 'true' }), m, CONTENT_TYPE.apply);
      }
      const groupVersions = [...new Set(all.map((m) => openApiPathOf(m.apiVersion)))];
      // A fetch that failed on a busy server is tried again, not taken as the schema.
      const loaded = await eventually(async () => {
        const s = await loadClusterSchema(kc, { groupVersions });
        if (s.warnings.length > 0) throw new Error(s.warnings.join('; '));
        return s;
      }, 'the cluster to publish the schemas');
      clusterSchema = loaded.provider;
    });

    afterAll(async () => {
      // Cluster-scoped objects outlive the namespace: bindings before their policies.
      for (const m of [...all].reverse()) if (m.metadata.namespace === undefined) await kubeWrite(kc, 'DELETE', objectPath(refOf(m)), undefined);
    });

    for (const m of all) {
      // Kinds the engine does not count as built-in (list-keys.ts) get no built-in defaults yet.
      it(`${m.kind} ${m.metadata.name}: no drift, with the cluster schema and offline`, async () => {
        const live = await getJson<Record<string, unknown>>(kc, objectPath(refOf(m)));
        for (const [label, schema] of [['cluster schema', clusterSchema], ['offline', undefined]] as const) {
          const report = diffObjects(m, live, options(schema));
          expect(report.changes, `${m.kind} ${m.metadata.name} (${label}): ${describeChanges(report)}`).toEqual([]);
          expect(report.drift).toBe(false);
        }
      });
    }
  });
}
