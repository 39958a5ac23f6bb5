import { describe, expect, it } from 'vitest';
import { diffObjects, type DriftReport } from '../drift';
import { ownerDeletedMessage, ownerNotKnownMessage, ownerTemplateDesired, ownerTemplateInputs, templateOwnerRef } from './owner-template';

type Obj = Record<string, unknown>;

const TOKEN_VOLUME = {
  name: 'kube-api-access-8w7xz',
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
      { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
    ],
  },
};
const TOKEN_MOUNT = { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: 'kube-api-access-8w7xz', readOnly: true };
const DEFAULT_TOLERATIONS = [
  { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
  { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
];

/** A container as the API server stores it (defaults filled in). */
function liveContainer(c: Obj, mounts: Obj[] = []): Obj {
  return {
    imagePullPolicy: 'IfNotPresent',
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    ...c,
    volumeMounts: [...((c.volumeMounts as Obj[] | undefined) ?? []), ...mounts, TOKEN_MOUNT],
  };
}

/** A Pod as a controller created it and admission completed it. */
function livePod(name: string, owner: Obj, meta: Obj, spec: Obj, tolerations: Obj[] = DEFAULT_TOLERATIONS): Obj {
  const containers = (spec.containers as Obj[]).map((c) => liveContainer(c));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      resourceVersion: '100',
      creationTimestamp: '2025-03-01T10:00:00Z',
      ownerReferences: [{ apiVersion: String(owner.apiVersion), kind: String(owner.kind), name: String((owner.metadata as Obj).name), uid: String((owner.metadata as Obj).uid), controller: true, blockOwnerDeletion: true }],
      managedFields: [
        { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: '2025-03-01T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} }, 'f:spec': { 'f:containers': {} } } },
      ],
      ...meta,
    },
    spec: {
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations,
      ...spec,
      containers,
      volumes: [...((spec.volumes as Obj[] | undefined) ?? []), TOKEN_VOLUME],
    },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

function desiredOf(pod: Obj, owner: Obj): Obj {
  const r = ownerTemplateDesired(pod, owner);
  if (r === undefined || !r.ok) throw new Error(`no desired: ${JSON.stringify(r)}`);
  return r.desired.manifest as Obj;
}

function expectZeroDrift(r: DriftReport): void {
  expect(r.changes).toEqual([]);
  expect(r.drift).toBe(false);
}

const template = (extraSpec: Obj = {}, labels: Obj = { app: 'api' }): Obj => ({
  metadata: { creationTimestamp: null, labels, annotations: { 'team.example.com/owner': 'shop' } },
  spec: { containers: [{ name: 'api', image: 'ghcr.io/acme/api:2.3.1', env: [{ name: 'MODE', value: 'prod' }] }], ...extraSpec },
});

describe('owner template: ReplicaSet (Deployment) Pods', () => {
  const rs = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'api-7c9d8b5f4d', namespace: 'shop', uid: 'rs-uid' },
    spec: { replicas: 1, template: template({}, { app: 'api', 'pod-template-hash': '7c9d8b5f4d' }) },
  };
  const pod = livePod(
    'api-7c9d8b5f4d-x2k8q',
    rs,
    { generateName: 'api-7c9d8b5f4d-', labels: { app: 'api', 'pod-template-hash': '7c9d8b5f4d' }, annotations: { 'team.example.com/owner': 'shop' } },
    { containers: [{ name: 'api', image: 'ghcr.io/acme/api:2.3.1', env: [{ name: 'MODE', value: 'prod' }] }] },
  );

  it('builds the Pod from the template and finds no drift', () => {
    const r = ownerTemplateDesired(pod, rs);
    expect(r).toMatchObject({ ok: true, warnings: [], desired: { id: '/Pod/shop/api-7c9d8b5f4d-x2k8q', source: { type: 'owner-template', owner: { kind: 'ReplicaSet', name: 'api-7c9d8b5f4d', uid: 'rs-uid', apiVersion: 'apps/v1' } } } });
    expectZeroDrift(diffObjects(desiredOf(pod, rs), pod));
  });

  it('reports an image another actor patched on the running Pod, with its manager', () => {
    const patched = structuredClone(pod);
    (((patched.spec as Obj).containers as Obj[])[0] as Obj).image = 'ghcr.io/acme/api:evil';
    ((patched.metadata as Obj).managedFields as Obj[]).push({
      manager: 'my-operator',
      operation: 'Update',
      apiVersion: 'v1',
      time: '2025-03-01T11:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"api"}': { 'f:image': {} } } } },
    });
    const r = diffObjects(desiredOf(patched, rs), patched);
    expect(r.changes).toEqual([
      {
        path: 'spec.containers[name=api].image',
        op: 'changed',
        desired: 'ghcr.io/acme/api:2.3.1',
        live: 'ghcr.io/acme/api:evil',
        manager: { name: 'my-operator', operation: 'Update', time: '2025-03-01T11:00:00Z' },
      },
    ]);
  });

  it('keeps the template’s finalizers and drops its name and creationTimestamp', () => {
    const withFinalizer = structuredClone(rs);
    (withFinalizer.spec.template.metadata as Obj).finalizers = ['example.com/keep'];
    const d = desiredOf(pod, withFinalizer);
    expect(d.metadata).toEqual({
      name: 'api-7c9d8b5f4d-x2k8q',
      namespace: 'shop',
      labels: { app: 'api', 'pod-template-hash': '7c9d8b5f4d' },
      annotations: { 'team.example.com/owner': 'shop' },
      finalizers: ['example.com/keep'],
    });
  });

  it('refuses an owner with another uid (deleted and recreated under the same name)', () => {
    expect(ownerTemplateDesired(pod, { ...rs, metadata: { ...rs.metadata, uid: 'other' } })).toMatchObject({ ok: false, message: expect.stringContaining('is gone') });
    expect(ownerTemplateDesired(pod, undefined)).toMatchObject({ ok: false, message: 'owner ReplicaSet api-7c9d8b5f4d is not known (yet)' });
  });

  it('applies only to Pods controlled by a template owner kind', () => {
    expect(templateOwnerRef(pod)).toEqual({ group: 'apps', kind: 'ReplicaSet', namespace: 'shop', name: 'api-7c9d8b5f4d', apiVersion: 'apps/v1', uid: 'rs-uid' });
    const byOperator = structuredClone(pod);
    (byOperator.metadata as Obj).ownerReferences = [{ apiVersion: 'example.com/v1', kind: 'Database', name: 'db', uid: 'x', controller: true }];
    expect(ownerTemplateDesired(byOperator, rs)).toBeUndefined();
    const notController = structuredClone(pod);
    (((notController.metadata as Obj).ownerReferences as Obj[])[0] as Obj).controller = false;
    expect(templateOwnerRef(notController)).toBeUndefined();
    expect(templateOwnerRef({ ...rs })).toBeUndefined();
  });
});

describe('owner template: StatefulSet Pods', () => {
  const sts = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'pg', namespace: 'shop', uid: 'sts-uid' },
    spec: {
      serviceName: 'pg-headless',
      template: template({ volumes: [{ name: 'config', configMap: { name: 'pg-config' } }, { name: 'data', emptyDir: {} }] }, { app: 'pg' }),
      volumeClaimTemplates: [
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'wal' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
    },
    status: { updateRevision: 'pg-5d8f6c7b9', currentRevision: 'pg-5d8f6c7b9' },
  };
  // The controller puts claim volumes first, in Go map order: here wal before data.
  const pod = livePod(
    'pg-1',
    sts,
    {
      generateName: undefined,
      labels: { app: 'pg', 'apps.kubernetes.io/pod-index': '1', 'controller-revision-hash': 'pg-5d8f6c7b9', 'statefulset.kubernetes.io/pod-name': 'pg-1' },
      annotations: { 'team.example.com/owner': 'shop' },
    },
    {
      containers: [{ name: 'api', image: 'ghcr.io/acme/api:2.3.1', env: [{ name: 'MODE', value: 'prod' }] }],
      hostname: 'pg-1',
      subdomain: 'pg-headless',
      volumes: [
        { name: 'wal', persistentVolumeClaim: { claimName: 'wal-pg-1' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'data-pg-1' } },
        { name: 'config', configMap: { name: 'pg-config', defaultMode: 420 } },
      ],
    },
  );

  it('adds identity labels, hostname, subdomain and claim volumes (replacing the template’s), and finds no drift', () => {
    const d = desiredOf(pod, sts);
    expect((d.metadata as Obj).labels).toEqual({ app: 'pg', 'apps.kubernetes.io/pod-index': '1', 'statefulset.kubernetes.io/pod-name': 'pg-1' });
    expect(d.spec).toMatchObject({
      hostname: 'pg-1',
      subdomain: 'pg-headless',
      volumes: [
        { name: 'wal', persistentVolumeClaim: { claimName: 'wal-pg-1' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'data-pg-1' } },
        { name: 'config', configMap: { name: 'pg-config' } },
      ],
    });
    expectZeroDrift(diffObjects(d, pod));
  });

  it('warns when the Pod is at another revision than the update revision', () => {
    const old = structuredClone(pod);
    ((old.metadata as Obj).labels as Obj)['controller-revision-hash'] = 'pg-old';
    expect(ownerTemplateDesired(old, sts)).toMatchObject({ ok: true, warnings: [expect.stringContaining('revision pg-old')] });
  });

  it('omits the pod-index label when the cluster does not add it (before 1.28)', () => {
    const old = structuredClone(pod);
    delete ((old.metadata as Obj).labels as Obj)['apps.kubernetes.io/pod-index'];
    expectZeroDrift(diffObjects(desiredOf(old, sts), old));
  });

  it('rejects a Pod not named after the set', () => {
    const odd = structuredClone(pod);
    (odd.metadata as Obj).name = 'other-1';
    expect(ownerTemplateDesired(odd, sts)).toMatchObject({ ok: false });
  });
});

describe('owner template: DaemonSet Pods', () => {
  const ds = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'shop', uid: 'ds-uid' },
    spec: {
      template: template({
        tolerations: [
          { key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' },
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
        ],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }] },
          },
        },
      }),
    },
  };
  const tolerations = [
    { key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  const pod = livePod(
    'agent-abcde',
    ds,
    { generateName: 'agent-', labels: { app: 'api', 'controller-revision-hash': '6f7b9c', 'pod-template-generation': '1' }, annotations: { 'team.example.com/owner': 'shop' } },
    {
      containers: [{ name: 'api', image: 'ghcr.io/acme/api:2.3.1', env: [{ name: 'MODE', value: 'prod' }] }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-7'] }] }] } } },
    },
    tolerations,
  );

  it('merges the daemon tolerations, pins the node affinity to the Pod’s node, and finds no drift', () => {
    const d = desiredOf(pod, ds);
    expect((d.spec as Obj).tolerations).toEqual(tolerations);
    expect((d.spec as Obj).affinity).toEqual((pod.spec as Obj).affinity);
    expectZeroDrift(diffObjects(d, pod));
  });

  it('adds network-unavailable for hostNetwork Pods', () => {
    const hn = structuredClone(ds);
    (hn.spec.template.spec as Obj).hostNetwork = true;
    const d = desiredOf(pod, hn);
    expect(((d.spec as Obj).tolerations as Obj[]).at(-1)).toEqual({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  });
});

describe('owner template: Job Pods', () => {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', namespace: 'shop', uid: 'job-uid' },
    spec: {
      completionMode: 'Indexed',
      completions: 3,
      template: {
        metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'job-uid', 'batch.kubernetes.io/job-name': 'migrate', 'controller-uid': 'job-uid', 'job-name': 'migrate' } },
        spec: {
          restartPolicy: 'Never',
          initContainers: [{ name: 'init', image: 'busybox:1.36' }],
          containers: [{ name: 'api', image: 'ghcr.io/acme/api:2.3.1', env: [{ name: 'MODE', value: 'prod' }] }],
        },
      },
    },
  };
  const indexEnv = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } };
  const pod = livePod(
    'migrate-2-x7k2p',
    job,
    {
      generateName: 'migrate-2-',
      finalizers: ['batch.kubernetes.io/job-tracking'],
      labels: { 'batch.kubernetes.io/controller-uid': 'job-uid', 'batch.kubernetes.io/job-name': 'migrate', 'controller-uid': 'job-uid', 'job-name': 'migrate', 'batch.kubernetes.io/job-completion-index': '2' },
      annotations: { 'batch.kubernetes.io/job-completion-index': '2' },
    },
    {
      restartPolicy: 'Never',
      hostname: 'migrate-2',
      initContainers: [liveContainer({ name: 'init', image: 'busybox:1.36', env: [indexEnv] })],
      containers: [{ name: 'api', image: 'ghcr.io/acme/api:2.3.1', env: [{ name: 'MODE', value: 'prod' }, indexEnv] }],
    },
  );

  it('adds the completion index (annotation, label, env, hostname) and finds no drift', () => {
    const d = desiredOf(pod, job);
    expect((d.metadata as Obj).annotations).toEqual({ 'batch.kubernetes.io/job-completion-index': '2' });
    expect((d.spec as Obj).hostname).toBe('migrate-2');
    expectZeroDrift(diffObjects(d, pod));
  });

  it('follows the env var form of older clusters (annotation fieldPath)', () => {
    const old = structuredClone(pod);
    const spec = old.spec as Obj;
    for (const list of ['initContainers', 'containers']) {
      for (const c of spec[list] as Obj[]) {
        const env = c.env as Obj[];
        env[env.length - 1] = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } };
      }
    }
    delete ((old.metadata as Obj).labels as Obj)['batch.kubernetes.io/job-completion-index'];
    expectZeroDrift(diffObjects(desiredOf(old, job), old));
  });

  it('builds NonIndexed Job Pods from the template alone', () => {
    const plain = { ...job, spec: { ...job.spec, completionMode: 'NonIndexed' } };
    const d = desiredOf(pod, plain);
    expect((d.spec as Obj).hostname).toBeUndefined();
    expect((d.metadata as Obj).annotations).toBeUndefined();
  });
});

describe('owner template inputs (what a change of the owner must re-resolve its Pods for)', () => {
  const tpl = { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db:1' }] } };
  const sts = (spec: Obj = {}, status: Obj = {}): Obj => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'shop', uid: 'ss', generation: 1 },
    spec: { replicas: 3, serviceName: 'db', volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } }], template: tpl, ...spec },
    status: { replicas: 3, updateRevision: 'db-1', ...status },
  });

  it('leaves out what no Pod is built from: replicas, parallelism, the generation, status counters, annotations', () => {
    const scaled = sts({ replicas: 9 }, { replicas: 9, readyReplicas: 4 });
    (scaled.metadata as Obj).generation = 7;
    (scaled.metadata as Obj).annotations = { note: 'scaled' };
    expect(ownerTemplateInputs(scaled)).toEqual(ownerTemplateInputs(sts()));
    const job = (parallelism: number, completionMode: string): Obj => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { parallelism, completionMode, template: tpl } });
    expect(ownerTemplateInputs(job(5, 'Indexed'))).toEqual(ownerTemplateInputs(job(1, 'Indexed')));
    expect(ownerTemplateInputs(job(1, 'NonIndexed'))).not.toEqual(ownerTemplateInputs(job(1, 'Indexed')));
  });

  it('includes everything a builder reads: the template, serviceName, claim names, the update revision', () => {
    const base = ownerTemplateInputs(sts());
    expect(ownerTemplateInputs(sts({ template: { ...tpl, spec: { containers: [{ name: 'db', image: 'db:2' }] } } }))).not.toEqual(base);
    expect(ownerTemplateInputs(sts({ serviceName: 'db-headless' }))).not.toEqual(base);
    expect(ownerTemplateInputs(sts({ volumeClaimTemplates: [{ metadata: { name: 'wal' } }] }))).not.toEqual(base);
    expect(ownerTemplateInputs(sts({}, { updateRevision: 'db-2' }))).not.toEqual(base);
  });

  it('words a deleted owner apart from one not known (not watched, or not listed yet)', () => {
    const ref = { kind: 'ReplicaSet', name: 'web-abc' };
    expect(ownerDeletedMessage(ref)).toBe('owner ReplicaSet web-abc was deleted; this Pod awaits garbage collection');
    expect(ownerNotKnownMessage(ref)).toBe('owner ReplicaSet web-abc is not known (yet)');
  });
});
