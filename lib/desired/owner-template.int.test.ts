/**
 * Owner templates against Pods the real controllers made: kube-controller-manager creates the
 * ReplicaSet's, StatefulSet's, Job's and DaemonSet's Pods (no kubelet: they stay Pending), the API
 * server's admission completes them, and each must compare equal to its owner's template — then a
 * Pod whose image another field manager patched must show exactly that change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffObjects, type DiffOptions, type SchemaProvider } from '../drift';
import { getJson } from '../kube/http';
import { loadClusterSchema } from '../kube/cluster-schema';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { describeChanges } from '../../testing/drift-report-text';
import { CONTENT_TYPE, kubeWrite, objectPath, type ObjectRef } from '../../testing/kube-write';
import { ownerTemplateDesired, templateOwnerRef, type OwnerLookupRef } from './owner-template';
import { resolveDesired } from './resolve';

type Obj = Record<string, unknown>;

interface PodList {
  items: Obj[];
}

const RESOURCE_OF: Record<string, string> = {
  ReplicaSet: 'replicasets',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Job: 'jobs',
  ReplicationController: 'replicationcontrollers',
};

function meta(o: Obj): Obj {
  return o.metadata as Obj;
}

/** A container with the fields whose server-side defaults most often show up as false drift. */
function appContainer(image: string): Obj {
  return {
    name: 'app',
    image,
    args: ['--port=8080'],
    ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090, protocol: 'UDP' }],
    env: [
      { name: 'MODE', value: 'prod' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
    ],
    resources: { limits: { cpu: '500m', memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
    livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 5 },
    volumeMounts: [{ name: 'config', mountPath: '/etc/app' }, { name: 'scratch', mountPath: '/tmp' }],
    securityContext: { runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
  };
}

function podSpec(image: string, extra: Obj = {}): Obj {
  return {
    initContainers: [{ name: 'init', image: 'busybox:latest', command: ['sh', '-c', 'true'] }],
    containers: [appContainer(image)],
    volumes: [
      { name: 'config', configMap: { name: 'app-config', items: [{ key: 'app.yaml', path: 'app.yaml' }] } },
      { name: 'scratch', emptyDir: { sizeLimit: '64Mi' } },
      { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'vault' } }] } },
    ],
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'apps', effect: 'NoSchedule' }],
    ...extra,
  };
}

const LIVE_ONLY_LABELS = new Set(['controller-revision-hash', 'pod-template-generation']);

function isAdmissionToleration(t: unknown): boolean {
  const r = t as Obj;
  return (r.key === 'node.kubernetes.io/not-ready' || r.key === 'node.kubernetes.io/unreachable') && r.tolerationSeconds === 300;
}

/**
 * Stricter than the engine, which rightly lets the controller's live-only fields pass: what each
 * controller adds must be reproduced exactly, so desired state is the Pod the controller made, minus
 * what admission adds and the labels only the controller can know.
 */
function expectControllerAdditions(desired: Obj, live: Obj): void {
  const d = desired.spec as Obj;
  const l = live.spec as Obj;
  const what = String(meta(live).name);
  for (const f of ['hostname', 'subdomain', 'affinity', 'nodeSelector']) expect(d[f], `${what} spec.${f}`).toEqual(l[f]);
  expect(d.tolerations ?? [], `${what} spec.tolerations`).toEqual(((l.tolerations as unknown[] | undefined) ?? []).filter((t) => !isAdmissionToleration(t)));
  const volumes = (v: unknown): unknown[] =>
    ((v as Obj[] | undefined) ?? []).filter((x) => !String(x.name).startsWith('kube-api-access-')).map((x) => [x.name, (x.persistentVolumeClaim as Obj | undefined)?.claimName]);
  expect(volumes(d.volumes), `${what} volumes`).toEqual(volumes(l.volumes));
  const env = (cs: unknown): unknown =>
    ((cs as Obj[] | undefined) ?? []).map((c) => ((c.env as Obj[] | undefined) ?? []).map((e) => [e.name, ((e.valueFrom as Obj | undefined)?.fieldRef as Obj | undefined)?.fieldPath]));
  for (const f of ['containers', 'initContainers']) expect(env(d[f]), `${what} ${f} env`).toEqual(env(l[f]));
  const liveLabels = { ...(meta(live).labels as Obj) };
  for (const k of LIVE_ONLY_LABELS) delete liveLabels[k];
  expect(meta(desired).labels, `${what} labels`).toEqual(liveLabels);
  expect(meta(desired).annotations ?? {}, `${what} annotations`).toEqual(meta(live).annotations ?? {});
}

describe('owner templates against Pods made by the real controllers', () => {
  const { kc } = testCluster();
  const ns = uniqueName('owner-tpl');
  const nodeName = uniqueName('dw-node');
  const nodeLabel = 'driftwatch.test/node';
  let schema: SchemaProvider;
  const pods: Record<string, Obj[]> = {};

  const create = (ref: ObjectRef, body: Obj): Promise<Obj> => kubeWrite(kc, 'POST', objectPath(ref), body);
  // List items carry no apiVersion/kind (the informer fills them in the same way).
  const listPods = async (selector: string): Promise<Obj[]> =>
    (await getJson<PodList>(kc, objectPath({ apiVersion: 'v1', resource: 'pods', namespace: ns }, { labelSelector: selector }))).items.map((p) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      ...p,
    }));
  const getOwner = (ref: OwnerLookupRef): Promise<Obj> =>
    getJson<Obj>(kc, objectPath({ apiVersion: ref.apiVersion, resource: RESOURCE_OF[ref.kind] ?? '', namespace: ref.namespace, name: ref.name }));
  const waitForPods = (selector: string, n: number, what: string): Promise<Obj[]> =>
    eventually(async () => {
      const items = await listPods(selector);
      return items.length >= n ? items : undefined;
    }, what, 90_000);

  beforeAll(async () => {
    await create({ apiVersion: 'v1', resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // No kubelet registers nodes here; the DaemonSet controller needs one to make a Pod for.
    await create({ apiVersion: 'v1', resource: 'nodes' }, { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, labels: { [nodeLabel]: nodeName } } });
    // Admission taints a new Node not-ready:NoSchedule, which daemon Pods do not tolerate; the node
    // lifecycle controller would lift it once the kubelet reports Ready. There is no kubelet: lift it.
    await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'v1', resource: 'nodes', name: nodeName }), { spec: { taints: null } }, CONTENT_TYPE.merge);
    const workload = (apiVersion: string, kind: string, name: string, spec: Obj): Obj => ({ apiVersion, kind, metadata: { name, namespace: ns }, spec });
    const tpl = (app: string, extra: Obj = {}): Obj => ({ metadata: { labels: { app }, annotations: { 'example.com/team': 'shop' } }, spec: podSpec('ghcr.io/acme/app:1.4.2', extra) });
    await create(
      { apiVersion: 'apps/v1', resource: 'deployments', namespace: ns },
      workload('apps/v1', 'Deployment', 'web', { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: tpl('web') }),
    );
    await create(
      { apiVersion: 'apps/v1', resource: 'statefulsets', namespace: ns },
      workload('apps/v1', 'StatefulSet', 'db', {
        replicas: 2,
        // Parallel: with OrderedReady the controller waits for db-0 to be Ready, which never happens without a kubelet.
        podManagementPolicy: 'Parallel',
        serviceName: 'db-headless',
        selector: { matchLabels: { app: 'db' } },
        template: tpl('db', {
          containers: [{ ...appContainer('postgres:16'), volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }, { name: 'wal', mountPath: '/wal' }, { name: 'config', mountPath: '/etc/app' }, { name: 'scratch', mountPath: '/tmp' }] }],
        }),
        volumeClaimTemplates: ['data', 'wal'].map((name) => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } })),
      }),
    );
    await create(
      { apiVersion: 'batch/v1', resource: 'jobs', namespace: ns },
      workload('batch/v1', 'Job', 'migrate', {
        completionMode: 'Indexed',
        completions: 2,
        parallelism: 2,
        template: { metadata: { labels: { app: 'migrate' } }, spec: { ...podSpec('ghcr.io/acme/migrate:3'), restartPolicy: 'Never' } },
      }),
    );
    await create(
      { apiVersion: 'apps/v1', resource: 'daemonsets', namespace: ns },
      workload('apps/v1', 'DaemonSet', 'agent', {
        selector: { matchLabels: { app: 'agent' } },
        template: tpl('agent', { nodeSelector: { [nodeLabel]: nodeName } }),
      }),
    );
    pods.web = await waitForPods('app=web', 2, 'the Deployment’s Pods');
    pods.db = await waitForPods('app=db', 2, 'the StatefulSet’s Pods');
    pods.migrate = await waitForPods('app=migrate', 2, 'the Job’s Pods');
    pods.agent = await waitForPods('app=agent', 1, 'the DaemonSet’s Pod');
    schema = (await loadClusterSchema(kc, { groupVersions: ['api/v1'] })).provider;
  }, 240_000);

  afterAll(async () => {
    await kubeWrite(kc, 'DELETE', objectPath({ apiVersion: 'v1', resource: 'namespaces', name: ns }), undefined).catch(() => undefined);
    await kubeWrite(kc, 'DELETE', objectPath({ apiVersion: 'v1', resource: 'nodes', name: nodeName }), undefined).catch(() => undefined);
  });

  for (const [workload, ownerKind] of [
    ['web', 'ReplicaSet'],
    ['db', 'StatefulSet'],
    ['migrate', 'Job'],
    ['agent', 'DaemonSet'],
  ] as const) {
    it(`finds no drift between each ${ownerKind} Pod and its owner's template`, async () => {
      for (const pod of pods[workload] ?? []) {
        const ref = templateOwnerRef(pod);
        expect(ref?.kind).toBe(ownerKind);
        const owner = await getOwner(ref as OwnerLookupRef);
        const r = ownerTemplateDesired(pod, owner);
        if (r === undefined || !r.ok) throw new Error(`no owner-template desired state for ${String(meta(pod).name)}: ${JSON.stringify(r)}`);
        expect(r.warnings).toEqual([]);
        // The Pods were written by the controllers, as the cluster's own manager.
        const managers = ((meta(pod).managedFields as Obj[] | undefined) ?? []).map((e) => e.manager);
        expect(managers).toContain('kube-controller-manager');
        expectControllerAdditions(r.desired.manifest as Obj, pod);
        for (const [label, options] of [
          ['offline', {}],
          ['cluster schema', { schema }],
        ] as Array<[string, DiffOptions]>) {
          const report = diffObjects(r.desired.manifest, pod, options);
          expect(report.changes, `${String(meta(pod).name)} (${label}): ${describeChanges(report)}`).toEqual([]);
          expect(report.drift).toBe(false);
        }
      }
    });
  }

  it('reports exactly the image another field manager patched on a running Pod, attributed to it', async () => {
    const pod = pods.web?.[0] as Obj;
    const name = String(meta(pod).name);
    await kubeWrite(
      kc,
      'PATCH',
      objectPath({ apiVersion: 'v1', resource: 'pods', namespace: ns, name }, { fieldManager: 'my-operator' }),
      { spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.4.3-hotfix' }] } },
      CONTENT_TYPE.strategic,
    );
    const live = await getJson<Obj>(kc, objectPath({ apiVersion: 'v1', resource: 'pods', namespace: ns, name }));
    const ref = templateOwnerRef(live) as OwnerLookupRef;
    const owner = await getOwner(ref);
    // Through resolveDesired, as the live pipeline does: no manifest, no last-applied → owner template.
    const resolved = resolveDesired(live, { ownerLookup: (r) => (r.uid === ref.uid ? owner : undefined) });
    if (resolved.status !== 'resolved') throw new Error(`unresolved: ${JSON.stringify(resolved)}`);
    expect(resolved.desired.source).toEqual({ type: 'owner-template', owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: ref.name, uid: ref.uid } });
    for (const options of [{}, { schema }] as DiffOptions[]) {
      const report = diffObjects(resolved.desired.manifest, live, options);
      expect(report.changes.map((c) => ({ path: c.path, op: c.op, desired: c.desired, live: c.live, manager: c.manager?.name, operation: c.manager?.operation }))).toEqual([
        {
          path: 'spec.containers[name=app].image',
          op: 'changed',
          desired: 'ghcr.io/acme/app:1.4.2',
          live: 'ghcr.io/acme/app:1.4.3-hotfix',
          manager: 'my-operator',
          operation: 'Update',
        },
      ]);
    }
    // The other Pod of the same ReplicaSet is untouched.
    const other = pods.web?.[1] as Obj;
    const otherLive = await getJson<Obj>(kc, objectPath({ apiVersion: 'v1', resource: 'pods', namespace: ns, name: String(meta(other).name) }));
    const otherDesired = ownerTemplateDesired(otherLive, owner);
    expect(otherDesired?.ok && diffObjects(otherDesired.desired.manifest, otherLive).changes).toEqual([]);
  });
});
