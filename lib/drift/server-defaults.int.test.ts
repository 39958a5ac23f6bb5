/**
 * The server defaults of defaults.ts against the test cluster's API server: each object created
 * as `kubectl create` does (a plain POST: every field, the defaults included, under its creator's
 * name) and as server-side apply does, read back untouched, is in sync, with the cluster's schema
 * and offline. server-defaults.test.ts has the same objects as a v1.37 server stored them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffObjects, type DiffOptions, type SchemaProvider } from './index';
import { getJson } from '../kube/http';
import { loadClusterSchema, openApiPathOf } from '../kube/cluster-schema';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { CONTENT_TYPE, kubeWrite, objectPath, type ObjectRef } from '../../testing/kube-write';
import { describeChanges } from '../../testing/drift-report-text';
import { serverDefaultManifests, type Manifest } from '../../testing/server-default-manifests';

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

for (const mode of ['created', 'server-side'] as const) {
  describe(`server defaults of objects ${mode === 'created' ? 'created with a plain POST' : 'applied server-side'}`, () => {
    const { kc } = testCluster();
    const ns = uniqueName(mode === 'created' ? 'dflt-new' : 'dflt-ssa');
    const all = Object.values(serverDefaultManifests(ns));
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
