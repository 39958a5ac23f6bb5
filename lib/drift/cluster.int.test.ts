import { beforeAll, describe, expect, it } from 'vitest';
import { diffObjects, type DiffOptions, type DriftReport, type SchemaProvider } from '.';
import { getJson, KubeApiError } from '../kube/http';
import { loadClusterSchema, openApiPathOf } from '../kube/cluster-schema';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { CONTENT_TYPE, kubeWrite, objectPath, type ObjectRef } from '../../testing/kube-write';
import { moreRealisticManifests, realisticManifests, type ManifestCase } from '../../testing/realistic-manifests';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const SSA_MANAGER = 'gitops-sync';
const OTHER_MANAGER = 'kubectl-edit';
const SECRET_CANARY = 'canary-secret-value';

function refOf(m: ManifestCase['manifest'], withName = true): ObjectRef {
  const kind = m.kind ?? '';
  const lower = kind.toLowerCase();
  return {
    apiVersion: m.apiVersion ?? '',
    resource: lower.endsWith('s') ? `${lower}es` : lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`,
    namespace: m.metadata?.namespace,
    name: withName ? m.metadata?.name : undefined,
  };
}

const isBuiltin = (m: ManifestCase['manifest']) => !m.apiVersion?.includes('.') || m.apiVersion.includes('k8s.io/');

/** What `kubectl apply` (client-side) does on create: the file, plus the file itself as an annotation. */
async function applyClientSide(kc: ReturnType<typeof testCluster>['kc'], m: ManifestCase['manifest']): Promise<void> {
  const body = structuredClone(m);
  body.metadata = { ...body.metadata, annotations: { ...body.metadata?.annotations, [LAST_APPLIED]: `${JSON.stringify(m)}\n` } };
  await kubeWrite(kc, 'POST', objectPath(refOf(m, false), { fieldManager: 'kubectl-client-side-apply' }), body);
}

/** What a tool that creates with a plain POST does (helm 3, kubectl create, an operator): no annotation, every created field its. */
async function createPlain(kc: ReturnType<typeof testCluster>['kc'], m: ManifestCase['manifest']): Promise<void> {
  await kubeWrite(kc, 'POST', objectPath(refOf(m, false), { fieldManager: 'helm' }), m);
}

async function applyServerSide(kc: ReturnType<typeof testCluster>['kc'], m: ManifestCase['manifest']): Promise<void> {
  await kubeWrite(kc, 'PATCH', objectPath(refOf(m), { fieldManager: SSA_MANAGER, force: 'true' }), m, CONTENT_TYPE.apply);
}

async function mutate(kc: ReturnType<typeof testCluster>['kc'], c: ManifestCase): Promise<void> {
  const type = isBuiltin(c.manifest) && c.manifest.kind !== 'CustomResourceDefinition' ? CONTENT_TYPE.strategic : CONTENT_TYPE.merge;
  await kubeWrite(kc, 'PATCH', objectPath(refOf(c.manifest), { fieldManager: OTHER_MANAGER }), c.mutation, type);
}

function describeChanges(r: DriftReport): string {
  return JSON.stringify(r.changes.map((c) => ({ path: c.path, op: c.op, desired: c.desired, live: c.live, manager: c.manager?.name })));
}

for (const mode of ['client-side', 'server-side', 'created'] as const) {
  describe(`drift engine against objects applied ${mode}`, () => {
    const { kc } = testCluster();
    const ns = uniqueName(mode === 'client-side' ? 'csa' : mode === 'server-side' ? 'ssa' : 'new');
    const realistic = realisticManifests(ns, `${ns}.driftwatch.test`);
    const { crd } = realistic;
    const cases = [...realistic.cases, ...moreRealisticManifests(ns)];
    const all = [crd, ...cases];
    const options = (schema?: SchemaProvider): DiffOptions => ({
      schema,
      ...(mode === 'server-side' ? { fieldManager: SSA_MANAGER } : {}),
    });
    let clusterSchema: SchemaProvider;

    const readLive = (c: ManifestCase) => getJson<Record<string, unknown>>(kc, objectPath(refOf(c.manifest)));

    beforeAll(async () => {
      await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      const apply = mode === 'client-side' ? applyClientSide : mode === 'server-side' ? applyServerSide : createPlain;
      await apply(kc, crd.manifest);
      await eventually(async () => {
        const live = await readLive(crd);
        const conditions = (live.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
        return conditions.some((c) => c.type === 'Established' && c.status === 'True');
      }, 'the CRD to be established');
      // The new group is served a moment after Established. A POST whose answer was lost but
      // which took effect answers 409 when tried again: that is the object being there.
      const custom = cases.find((c) => c.manifest.kind === 'Cache');
      if (!custom) throw new Error('the realistic manifests have no custom resource');
      await eventually(
        () => apply(kc, custom.manifest).then(() => true, (err: unknown) => {
          if (err instanceof KubeApiError && err.status === 409) return true;
          throw err;
        }),
        'the custom resource to be accepted',
      );
      for (const c of cases) if (c !== custom) await apply(kc, c.manifest);
      const groupVersions = [...new Set(all.map((c) => openApiPathOf(c.manifest.apiVersion ?? '')))];
      // Every document, the CRD's included, without a warning: a fetch that failed (a busy
      // server, a document republished under a new hash) is tried again, not taken as the schema.
      const loaded = await eventually(async () => {
        const s = await loadClusterSchema(kc, { groupVersions });
        if (s.warnings.length > 0) throw new Error(s.warnings.join('; '));
        return s.provider.schemaFor(`${ns}.driftwatch.test/v1`, 'Cache') ? s : undefined;
      }, 'the cluster to publish the schemas');
      clusterSchema = loaded.provider;
    });

    it('finds no drift in any object right after apply, with the cluster schema and offline', async () => {
      for (const c of all) {
        const live = await readLive(c);
        for (const [label, schema] of [['cluster schema', clusterSchema], ['offline', undefined]] as const) {
          // A plain create puts every field, the CRD's defaults included, under its creator's name:
          // without the CRD's schema nothing tells those defaults from fields the creator added.
          if (mode === 'created' && schema === undefined && !isBuiltin(c.manifest)) continue;
          const report = diffObjects(c.manifest, live, options(schema));
          expect(report.changes, `${c.manifest.kind} ${c.manifest.metadata?.name} (${label}): ${describeChanges(report)}`).toEqual([]);
          expect(report.drift).toBe(false);
        }
      }
    });

    it('reports exactly the field another manager changed, attributed to it, and never a Secret value', async () => {
      for (const c of all) await mutate(kc, c);
      for (const c of all) {
        const live = await readLive(c);
        const report = diffObjects(c.manifest, live, options(clusterSchema));
        const what = `${c.manifest.kind} ${c.manifest.metadata?.name}: ${describeChanges(report)}`;
        expect(report.drift, what).toBe(true);
        expect(report.changes.map((x) => [x.path, x.op]), what).toEqual([[c.expectPath, c.expectOp]]);
        expect(report.changes[0]?.manager?.name, what).toBe(OTHER_MANAGER);
        expect(report.changes[0]?.manager?.operation, what).toBe('Update');
        // The live Secret also carries the old value in its last-applied annotation (client-side).
        expect(JSON.stringify(report)).not.toContain(SECRET_CANARY);
        expect(JSON.stringify(report)).not.toContain(Buffer.from(`${SECRET_CANARY}-2`).toString('base64'));
      }
    });
  });
}

describe('false and 0 on the API server: kept on pointer fields, dropped on plain ones', () => {
  const { kc } = testCluster();
  const ns = uniqueName('ptr');
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hardened', namespace: ns },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'hardened' } },
      template: {
        metadata: { labels: { app: 'hardened' } },
        spec: {
          automountServiceAccountToken: false,
          hostNetwork: false,
          securityContext: { fsGroup: 0 },
          containers: [{ name: 'app', image: 'ghcr.io/example/app:1.0.0', stdin: false, securityContext: { allowPrivilegeEscalation: false, runAsUser: 0 } }],
        },
      },
    },
  };
  const serviceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'no-token', namespace: ns }, automountServiceAccountToken: false };
  const budget = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'frozen', namespace: ns }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'hardened' } } } };
  const cases = [
    { manifest: deployment, resource: 'deployments', removed: ['/spec/template/spec/automountServiceAccountToken', '/spec/template/spec/securityContext/fsGroup', '/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation'] },
    { manifest: serviceAccount, resource: 'serviceaccounts', removed: ['/automountServiceAccountToken'] },
    { manifest: budget, resource: 'poddisruptionbudgets', removed: ['/spec/maxUnavailable'] },
  ];
  const ref = (c: (typeof cases)[number]): ObjectRef => ({ apiVersion: c.manifest.apiVersion, resource: c.resource, namespace: ns, name: c.manifest.metadata.name });
  let clusterSchema: SchemaProvider;

  beforeAll(async () => {
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const c of cases) await kubeWrite(kc, 'PATCH', objectPath(ref(c), { fieldManager: SSA_MANAGER, force: 'true' }), c.manifest, CONTENT_TYPE.apply);
    clusterSchema = (await loadClusterSchema(kc, { groupVersions: ['v1', 'apps/v1', 'policy/v1'].map(openApiPathOf) })).provider;
  });

  it('finds an applied false or 0 in sync, and reports each one another manager removes as missing', async () => {
    for (const c of cases) {
      const live = await getJson<Record<string, unknown>>(kc, objectPath(ref(c)));
      for (const schema of [clusterSchema, undefined]) {
        const report = diffObjects(c.manifest, live, { schema, fieldManager: SSA_MANAGER });
        expect(report.changes, describeChanges(report)).toEqual([]);
      }
    }
    // The premise: the server dropped the plain bools and kept the pointers.
    const applied = await getJson<{ spec: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } } }>(kc, objectPath(ref(cases[0]!)));
    expect(applied.spec.template.spec).not.toHaveProperty('hostNetwork');
    expect(applied.spec.template.spec.containers[0]).not.toHaveProperty('stdin');
    expect(applied.spec.template.spec.automountServiceAccountToken).toBe(false);

    for (const c of cases) {
      const patch = c.removed.map((path) => ({ op: 'remove', path }));
      await kubeWrite(kc, 'PATCH', objectPath(ref(c), { fieldManager: OTHER_MANAGER }), patch, 'application/json-patch+json');
      const live = await getJson<Record<string, unknown>>(kc, objectPath(ref(c)));
      for (const schema of [clusterSchema, undefined]) {
        const report = diffObjects(c.manifest, live, { schema, fieldManager: SSA_MANAGER });
        const expected = c.removed.map((p) => p.slice(1).replaceAll('/', '.').replace('containers.0', 'containers[name=app]'));
        expect(report.changes.map((x) => x.path).sort(), describeChanges(report)).toEqual(expected.sort());
        expect(report.changes.every((x) => x.op === 'missing')).toBe(true);
      }
    }
  });
});
