import { beforeAll, describe, expect, it } from 'vitest';
import { diffObjects, type DiffOptions, type SchemaProvider } from '.';
import { getJson, KubeApiError } from '../kube/http';
import { loadClusterSchema, openApiPathOf } from '../kube/cluster-schema';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { CONTENT_TYPE, kubeWrite, objectPath, type ObjectRef } from '../../testing/kube-write';
import { describeChanges } from '../../testing/drift-report-text';
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

describe('values that look empty, written by another actor on the API server', () => {
  const { kc } = testCluster();
  const ns = uniqueName('empty');
  const container = { name: 'app', image: 'ghcr.io/example/app:1.0.0' };
  const deployment = (name: string, c: Record<string, unknown> = container) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [c] } } },
  });
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns, labels: { app: 'web', canary: '' } }, spec: { selector: { app: 'web', canary: '' }, ports: [{ port: 80 }] } };
  const ref = (m: { apiVersion: string; kind: string; metadata: { name: string } }): ObjectRef => ({ apiVersion: m.apiVersion, resource: `${m.kind.toLowerCase()}s`, namespace: ns, name: m.metadata.name });
  const byOps = (m: Parameters<typeof ref>[0], patch: unknown, type = 'application/json-patch+json') => kubeWrite(kc, 'PATCH', objectPath(ref(m), { fieldManager: OTHER_MANAGER }), patch, type);
  const report = async (m: Parameters<typeof ref>[0], fieldManager?: string) => diffObjects(m, await getJson<Record<string, unknown>>(kc, objectPath(ref(m))), fieldManager ? { fieldManager } : {});
  const apply = (m: Parameters<typeof ref>[0]) => kubeWrite(kc, 'PATCH', objectPath(ref(m), { fieldManager: SSA_MANAGER, force: 'true' }), m, CONTENT_TYPE.apply);

  beforeAll(async () => {
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  });

  it('reports a default overridden with 0 or false as changed, attributed', async () => {
    const d = deployment('defaults');
    await apply(d);
    expect((await report(d, SSA_MANAGER)).changes).toEqual([]);
    await byOps(d, { spec: { revisionHistoryLimit: 0, template: { spec: { terminationGracePeriodSeconds: 0, enableServiceLinks: false } } } }, CONTENT_TYPE.merge);
    const r = await report(d, SSA_MANAGER);
    expect(r.changes.map((c) => [c.path, c.op, c.desired, c.live, c.manager?.name]), describeChanges(r)).toEqual([
      ['spec.revisionHistoryLimit', 'changed', 10, 0, OTHER_MANAGER],
      ['spec.template.spec.enableServiceLinks', 'changed', true, false, OTHER_MANAGER],
      ['spec.template.spec.terminationGracePeriodSeconds', 'changed', 30, 0, OTHER_MANAGER],
    ]);
  });

  it('reports an empty label or selector value taken away, and one added', async () => {
    await apply(service);
    expect((await report(service, SSA_MANAGER)).changes).toEqual([]);
    await byOps(service, [
      { op: 'remove', path: '/metadata/labels/canary' },
      { op: 'remove', path: '/spec/selector/canary' },
      { op: 'add', path: '/metadata/labels/stable', value: '' },
    ]);
    const r = await report(service, SSA_MANAGER);
    expect(r.changes.map((c) => [c.path, c.op]).sort(), describeChanges(r)).toEqual([
      ['metadata.labels.canary', 'missing'],
      ['metadata.labels.stable', 'added'],
      ['spec.selector', 'changed'],
    ]);
  });

  it('compares duplicate env entries in order where the object keeps them all (a plain create)', async () => {
    const d = deployment('dup-env', { ...container, env: [{ name: 'MODE', value: 'a' }, { name: 'LEVEL', value: '1' }, { name: 'MODE', value: 'b' }] });
    await kubeWrite(kc, 'POST', objectPath({ ...ref(d), name: undefined }, { fieldManager: 'helm' }), d);
    const before = await report(d);
    expect(before.changes).toEqual([]);
    expect(before.warnings.join('\n')).toContain('name=MODE');
    await byOps(d, [{ op: 'replace', path: '/spec/template/spec/containers/0/env/2/value', value: 'c' }]);
    const r = await report(d);
    expect(r.changes.map((c) => [c.path, c.op, c.desired, c.live]), describeChanges(r)).toEqual([['spec.template.spec.containers[name=app].env[name=MODE].value', 'changed', 'b', 'c']]);
  });
});
