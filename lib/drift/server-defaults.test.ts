/**
 * API-server defaults against a real server (kube-apiserver v1.37 built from k8s.io/kubernetes):
 * each live object below is what `kubectl create -f` of its manifest stored (the one beside it,
 * from testing/server-default-manifests.ts in namespace shop), untouched (managedFields cut to the
 * creator's entry, uids replaced). A plain create puts every field, the defaults included, under
 * the creator's name, so only the defaults keep these in sync. Beside each, the same field set to
 * another value by another manager must still be drift.
 */
import { describe, expect, it } from 'vitest';
import { applyBuiltinDefaults, SoftMarks } from './defaults';
import { diffObjects } from './index';
import { describeChanges } from '../../testing/drift-report-text';
import { serverDefaultManifests } from '../../testing/server-default-manifests';

type Obj = Record<string, unknown>;

interface Fixture {
  desired: Obj;
  live: Obj;
}

const CREATOR = 'kubectl-create';
const EDITOR = 'kubectl-edit';

function entry(manager: string, apiVersion: unknown, fieldsV1: Obj, time = '2026-11-28T11:40:00Z'): Obj {
  return { manager, operation: 'Update', apiVersion, fieldsType: 'FieldsV1', time, fieldsV1 };
}

/** The object as a plain POST stored it: its creator owns every field, defaults included. */
function created(obj: Obj, fieldsV1: Obj): Obj {
  return { ...obj, metadata: { ...(obj.metadata as Obj), managedFields: [entry(CREATOR, obj.apiVersion, fieldsV1)] } };
}

/** The object or array at a path of keys and indexes. */
function at(o: unknown, ...path: Array<string | number>): Obj {
  let cur = o;
  for (const k of path) cur = (cur as Record<string | number, unknown>)[k];
  return cur as Obj;
}

/**
 * `live` after another manager wrote one field (`owned`, its path in FieldsV1): as on the server,
 * an Update takes the field over from whoever owned it.
 */
function editedBy(live: Obj, owned: ReadonlyArray<string>, set: (o: Obj) => void): Obj {
  const o = structuredClone(live);
  set(o);
  const entries = at(o, 'metadata').managedFields as Obj[];
  for (const e of entries) {
    const parent = owned.slice(0, -1).reduce<Obj | undefined>((m, k) => m?.[k] as Obj | undefined, e.fieldsV1 as Obj);
    if (parent !== undefined) delete parent[owned[owned.length - 1] as string];
  }
  const fieldsV1 = owned.reduceRight<Obj>((inner, k) => ({ [k]: inner }), {});
  entries.push(entry(EDITOR, o.apiVersion, fieldsV1, '2026-11-28T12:00:00Z'));
  return o;
}

const manifests = serverDefaultManifests('shop');

/** A container as the server stored it: the defaults beside its name and image, then `more`. */
function storedContainer(name: string, image: string, more: Obj = {}): Obj {
  return {
    image,
    imagePullPolicy: 'IfNotPresent',
    name,
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    ...more,
  };
}

/** A pod spec with one container as the server stored it: the pod-level defaults, then `more`. */
function storedPodSpec(container: Obj, restartPolicy: string, more: Obj = {}): Obj {
  return {
    containers: [container],
    dnsPolicy: 'ClusterFirst',
    restartPolicy,
    schedulerName: 'default-scheduler',
    securityContext: {},
    terminationGracePeriodSeconds: 30,
    ...more,
  };
}

/** The FieldsV1 of `storedPodSpec`: the container's fields then `container`, the pod's then `pod`. */
function podSpecFields(name: string, more: { container?: Obj; pod?: Obj } = {}): Obj {
  return {
    'f:containers': {
      [`k:{"name":"${name}"}`]: {
        '.': {},
        'f:image': {},
        'f:imagePullPolicy': {},
        'f:name': {},
        'f:resources': {},
        'f:terminationMessagePath': {},
        'f:terminationMessagePolicy': {},
        ...more.container,
      },
    },
    'f:dnsPolicy': {},
    'f:restartPolicy': {},
    'f:schedulerName': {},
    'f:securityContext': {},
    'f:terminationGracePeriodSeconds': {},
    ...more.pod,
  };
}

/** The labels the Job controller puts on a Job and its pod template. */
function jobLabels(job: string): Obj {
  return { 'batch.kubernetes.io/controller-uid': 'job-uid', 'batch.kubernetes.io/job-name': job, 'controller-uid': 'job-uid', 'job-name': job };
}

const tokenVolume: Fixture = {
  desired: manifests.tokenVolume,
  live: created(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'token', namespace: 'shop' },
      spec: {
        progressDeadlineSeconds: 600,
        replicas: 0,
        revisionHistoryLimit: 10,
        selector: { matchLabels: { app: 'token' } },
        strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
        template: {
          metadata: { labels: { app: 'token' } },
          spec: storedPodSpec(storedContainer('app', 'ghcr.io/example/app:1.0.0', { volumeMounts: [{ mountPath: '/var/run/api', name: 'api-token' }] }), 'Always', {
            volumes: [
              { name: 'api-token', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } }] } },
            ],
          }),
        },
      },
    },
    {
      'f:spec': {
        'f:progressDeadlineSeconds': {},
        'f:replicas': {},
        'f:revisionHistoryLimit': {},
        'f:selector': {},
        'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
        'f:template': {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': podSpecFields('app', {
            container: { 'f:volumeMounts': { '.': {}, 'k:{"mountPath":"/var/run/api"}': { '.': {}, 'f:mountPath': {}, 'f:name': {} } } },
            pod: { 'f:volumes': { '.': {}, 'k:{"name":"api-token"}': { '.': {}, 'f:name': {}, 'f:projected': { '.': {}, 'f:defaultMode': {}, 'f:sources': {} } } } },
          }),
        },
      },
    },
  ),
};

const perIndexJob: Fixture = {
  desired: manifests.perIndexJob,
  live: created(
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'per-index',
        namespace: 'shop',
        labels: jobLabels('per-index'),
      },
      spec: {
        backoffLimit: 2147483647,
        backoffLimitPerIndex: 1,
        completionMode: 'Indexed',
        completions: 3,
        manualSelector: false,
        parallelism: 2,
        podReplacementPolicy: 'TerminatingOrFailed',
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } },
        suspend: true,
        template: {
          metadata: { labels: jobLabels('per-index') },
          spec: storedPodSpec(storedContainer('work', 'ghcr.io/example/work:1.0.0'), 'Never'),
        },
      },
    },
    {
      'f:spec': {
        'f:backoffLimit': {},
        'f:backoffLimitPerIndex': {},
        'f:completionMode': {},
        'f:completions': {},
        'f:manualSelector': {},
        'f:parallelism': {},
        'f:podReplacementPolicy': {},
        'f:suspend': {},
        'f:template': {
          'f:spec': podSpecFields('work'),
        },
      },
    },
  ),
};

const podFailureJob: Fixture = {
  desired: manifests.podFailureJob,
  live: created(
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'pod-failure',
        namespace: 'shop',
        labels: jobLabels('pod-failure'),
      },
      spec: {
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        completions: 1,
        manualSelector: false,
        parallelism: 1,
        podFailurePolicy: {
          rules: [
            { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } },
            { action: 'Ignore', onPodConditions: [{ status: 'True', type: 'DisruptionTarget' }] },
          ],
        },
        podReplacementPolicy: 'Failed',
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } },
        suspend: true,
        template: {
          metadata: { labels: jobLabels('pod-failure') },
          spec: storedPodSpec(storedContainer('work', 'ghcr.io/example/work:1.0.0'), 'Never'),
        },
      },
    },
    {
      'f:spec': {
        'f:backoffLimit': {},
        'f:completionMode': {},
        'f:completions': {},
        'f:manualSelector': {},
        'f:parallelism': {},
        'f:podFailurePolicy': { '.': {}, 'f:rules': {} },
        'f:podReplacementPolicy': {},
        'f:suspend': {},
        'f:template': {
          'f:spec': podSpecFields('work'),
        },
      },
    },
  ),
};

const podFailureCronJob: Fixture = {
  desired: manifests.podFailureCronJob,
  live: created(
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'shop' },
      spec: {
        concurrencyPolicy: 'Allow',
        failedJobsHistoryLimit: 1,
        jobTemplate: {
          metadata: {},
          spec: {
            podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ status: 'True', type: 'DisruptionTarget' }] }] },
            template: {
              metadata: {},
              spec: storedPodSpec(storedContainer('work', 'ghcr.io/example/work:1.0.0'), 'Never'),
            },
          },
        },
        schedule: '0 3 * * *',
        successfulJobsHistoryLimit: 3,
        suspend: true,
      },
    },
    {
      'f:spec': {
        'f:concurrencyPolicy': {},
        'f:failedJobsHistoryLimit': {},
        'f:jobTemplate': {
          'f:spec': {
            'f:podFailurePolicy': { '.': {}, 'f:rules': {} },
            'f:template': {
              'f:spec': podSpecFields('work'),
            },
          },
        },
        'f:schedule': {},
        'f:successfulJobsHistoryLimit': {},
        'f:suspend': {},
      },
    },
  ),
};

const emptyEgress: Fixture = {
  desired: manifests.emptyEgress,
  live: created(
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'empty-egress', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
    { 'f:spec': { 'f:policyTypes': {} } },
  ),
};

const limitsFromMaxMin: Fixture = {
  desired: manifests.limitsFromMaxMin,
  live: created(
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'limits', namespace: 'shop' },
      spec: {
        limits: [
          {
            default: { cpu: '2', memory: '1Gi' },
            defaultRequest: { cpu: '2', memory: '1Gi' },
            max: { cpu: '2', memory: '1Gi' },
            min: { cpu: '100m', memory: '512Mi' },
            type: 'Container',
          },
          { max: { storage: '10Gi' }, type: 'PersistentVolumeClaim' },
        ],
      },
    },
    { 'f:spec': { 'f:limits': {} } },
  ),
};

const limitsPartial: Fixture = {
  desired: manifests.limitsPartial,
  live: created(
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'limits-partial', namespace: 'shop' },
      spec: {
        limits: [
          {
            default: { cpu: '2', memory: '256Mi' },
            defaultRequest: { cpu: '2', 'ephemeral-storage': '1Gi', memory: '256Mi' },
            max: { cpu: '2' },
            min: { cpu: '50m', 'ephemeral-storage': '1Gi', memory: '64Mi' },
            type: 'Container',
          },
        ],
      },
    },
    { 'f:spec': { 'f:limits': {} } },
  ),
};

const externalIPs: Fixture = {
  desired: manifests.externalIPs,
  live: created(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'external-ips', namespace: 'shop' },
      spec: {
        clusterIP: '10.0.8.42',
        clusterIPs: ['10.0.8.42'],
        externalIPs: ['192.0.2.10'],
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
        selector: { app: 'web' },
        sessionAffinity: 'None',
        type: 'ClusterIP',
      },
    },
    {
      'f:spec': {
        'f:externalIPs': {},
        'f:externalTrafficPolicy': {},
        'f:internalTrafficPolicy': {},
        'f:ports': { '.': {}, 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:protocol': {}, 'f:targetPort': {} } },
        'f:selector': {},
        'f:sessionAffinity': {},
        'f:type': {},
      },
    },
  ),
};

const validatingPolicy: Fixture = {
  desired: manifests.validatingPolicy,
  live: created(
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'shop-configmaps' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          excludeResourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resourceNames: ['kube-root-ca.crt'], resources: ['configmaps'], scope: '*' },
          ],
          matchPolicy: 'Equivalent',
          namespaceSelector: {},
          objectSelector: {},
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'], scope: '*' }],
        },
        validations: [{ expression: 'true' }],
      },
    },
    { 'f:spec': { 'f:failurePolicy': {}, 'f:matchConstraints': {}, 'f:validations': {} } },
  ),
};

const validatingBinding: Fixture = {
  desired: manifests.validatingBinding,
  live: created(
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'shop-configmaps' },
      spec: {
        matchResources: {
          matchPolicy: 'Equivalent',
          namespaceSelector: {},
          objectSelector: {},
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'], scope: '*' }],
        },
        policyName: 'shop-configmaps',
        validationActions: ['Audit'],
      },
    },
    { 'f:spec': { 'f:matchResources': {}, 'f:policyName': {}, 'f:validationActions': { '.': {}, 'v:"Audit"': {} } } },
  ),
};

const mutatingPolicy: Fixture = {
  desired: manifests.mutatingPolicy,
  live: created(
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: 'shop-label' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          matchPolicy: 'Equivalent',
          namespaceSelector: {},
          objectSelector: {},
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'], scope: '*' }],
        },
        mutations: [
          { applyConfiguration: { expression: 'Object{metadata: Object.metadata{labels: {\'driftwatch-test\': \'mutated\'}}}' }, patchType: 'ApplyConfiguration' },
        ],
        reinvocationPolicy: 'Never',
      },
    },
    { 'f:spec': { 'f:failurePolicy': {}, 'f:matchConstraints': {}, 'f:mutations': {}, 'f:reinvocationPolicy': {} } },
  ),
};

const mutatingBinding: Fixture = {
  desired: manifests.mutatingBinding,
  live: created(
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: 'shop-label' },
      spec: {
        matchResources: {
          matchPolicy: 'Equivalent',
          namespaceSelector: {},
          objectSelector: { matchLabels: { 'driftwatch-test': 'never' } },
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'], scope: '*' }],
        },
        policyName: 'shop-label',
      },
    },
    { 'f:spec': { 'f:matchResources': {}, 'f:policyName': {} } },
  ),
};

const csiDriver: Fixture = {
  desired: manifests.csiDriver,
  live: created(
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      metadata: { name: 'shop.csi.example.com' },
      spec: {
        attachRequired: false,
        fsGroupPolicy: 'ReadWriteOnceWithFSType',
        podInfoOnMount: false,
        preventPodSchedulingIfMissing: false,
        requiresRepublish: false,
        seLinuxMount: false,
        storageCapacity: false,
        volumeLifecycleModes: ['Persistent'],
      },
    },
    {
      'f:spec': {
        'f:attachRequired': {},
        'f:fsGroupPolicy': {},
        'f:podInfoOnMount': {},
        'f:preventPodSchedulingIfMissing': {},
        'f:requiresRepublish': {},
        'f:seLinuxMount': {},
        'f:storageCapacity': {},
        'f:volumeLifecycleModes': { '.': {}, 'v:"Persistent"': {} },
      },
    },
  ),
};

interface Case extends Fixture {
  /** The default, as the server applies it. */
  what: string;
  /** Another manager's value at that default: the FieldsV1 path it then owns, and the change's path. */
  drift: { owned: string[]; set: (live: Obj) => void; path: string };
}

const F_POD_SPEC = ['f:spec', 'f:template', 'f:spec'];

const CASES: Case[] = [
  {
    what: 'a projected serviceAccountToken expires after 3600 s (3607 is only what admission writes into kube-api-access-*)',
    ...tokenVolume,
    drift: {
      owned: [...F_POD_SPEC, 'f:volumes', 'k:{"name":"api-token"}', 'f:projected', 'f:sources'],
      set: (o) => {
        at(o, 'spec', 'template', 'spec', 'volumes', 0, 'projected', 'sources', 0, 'serviceAccountToken').expirationSeconds = 7200;
      },
      path: 'spec.template.spec.volumes[name=api-token].projected.sources',
    },
  },
  {
    what: 'a Job with backoffLimitPerIndex has backoffLimit MaxInt32',
    ...perIndexJob,
    drift: { owned: ['f:spec', 'f:backoffLimit'], set: (o) => { at(o, 'spec').backoffLimit = 3; }, path: 'spec.backoffLimit' },
  },
  {
    what: 'a Job with a podFailurePolicy has podReplacementPolicy Failed',
    ...podFailureJob,
    drift: {
      owned: ['f:spec', 'f:podReplacementPolicy'],
      set: (o) => { at(o, 'spec').podReplacementPolicy = 'TerminatingOrFailed'; },
      path: 'spec.podReplacementPolicy',
    },
  },
  {
    what: 'a Job’s onPodConditions pattern has status True',
    ...podFailureJob,
    drift: {
      owned: ['f:spec', 'f:podFailurePolicy', 'f:rules'],
      set: (o) => { at(o, 'spec', 'podFailurePolicy', 'rules', 1, 'onPodConditions', 0).status = 'False'; },
      path: 'spec.podFailurePolicy.rules',
    },
  },
  {
    what: 'a CronJob’s jobTemplate gets status True too, and none of the Job-only defaults',
    ...podFailureCronJob,
    drift: {
      owned: ['f:spec', 'f:jobTemplate', 'f:spec', 'f:podFailurePolicy', 'f:rules'],
      set: (o) => { at(o, 'spec', 'jobTemplate', 'spec', 'podFailurePolicy', 'rules', 0, 'onPodConditions', 0).status = 'Unknown'; },
      path: 'spec.jobTemplate.spec.podFailurePolicy.rules',
    },
  },
  {
    what: 'a NetworkPolicy with `egress: []` has policyTypes [Ingress]',
    ...emptyEgress,
    drift: { owned: ['f:spec', 'f:policyTypes'], set: (o) => { at(o, 'spec').policyTypes = ['Ingress', 'Egress']; }, path: 'spec.policyTypes' },
  },
  {
    what: 'a LimitRange Container item takes default from max and defaultRequest from default',
    ...limitsFromMaxMin,
    drift: { owned: ['f:spec', 'f:limits'], set: (o) => { at(o, 'spec', 'limits', 0, 'default').memory = '512Mi'; }, path: 'spec.limits' },
  },
  {
    what: 'a LimitRange Container item takes defaultRequest from min for what default lacks',
    ...limitsPartial,
    drift: { owned: ['f:spec', 'f:limits'], set: (o) => { at(o, 'spec', 'limits', 0, 'defaultRequest')['ephemeral-storage'] = '2Gi'; }, path: 'spec.limits' },
  },
  {
    what: 'a ClusterIP Service with externalIPs has externalTrafficPolicy Cluster',
    ...externalIPs,
    drift: { owned: ['f:spec', 'f:externalTrafficPolicy'], set: (o) => { at(o, 'spec').externalTrafficPolicy = 'Local'; }, path: 'spec.externalTrafficPolicy' },
  },
  {
    what: 'a ValidatingAdmissionPolicy fails closed and matches like a webhook (rules scope *)',
    ...validatingPolicy,
    drift: { owned: ['f:spec', 'f:failurePolicy'], set: (o) => { at(o, 'spec').failurePolicy = 'Ignore'; }, path: 'spec.failurePolicy' },
  },
  {
    what: 'a ValidatingAdmissionPolicyBinding’s matchResources match like a webhook',
    ...validatingBinding,
    drift: {
      owned: ['f:spec', 'f:matchResources', 'f:matchPolicy'],
      set: (o) => { at(o, 'spec', 'matchResources').matchPolicy = 'Exact'; },
      path: 'spec.matchResources.matchPolicy',
    },
  },
  {
    what: 'a MutatingAdmissionPolicy fails closed and matches like a webhook',
    ...mutatingPolicy,
    drift: { owned: ['f:spec', 'f:failurePolicy'], set: (o) => { at(o, 'spec').failurePolicy = 'Ignore'; }, path: 'spec.failurePolicy' },
  },
  {
    what: 'a MutatingAdmissionPolicyBinding’s matchResources match like a webhook',
    ...mutatingBinding,
    drift: {
      owned: ['f:spec', 'f:matchResources', 'f:matchPolicy'],
      set: (o) => { at(o, 'spec', 'matchResources').matchPolicy = 'Exact'; },
      path: 'spec.matchResources.matchPolicy',
    },
  },
  {
    what: 'a CSIDriver has the CSIDriverSpec defaults',
    ...csiDriver,
    drift: { owned: ['f:spec', 'f:fsGroupPolicy'], set: (o) => { at(o, 'spec').fsGroupPolicy = 'File'; }, path: 'spec.fsGroupPolicy' },
  },
];

describe('server defaults of objects just created, as a v1.37 API server stored them', () => {
  for (const c of CASES) {
    it(`${c.what}: in sync`, () => {
      const report = diffObjects(c.desired, c.live);
      expect(report.changes, describeChanges(report)).toEqual([]);
      expect(report.drift).toBe(false);
    });

    it(`${c.what}: another value written there is drift`, () => {
      const report = diffObjects(c.desired, editedBy(c.live, c.drift.owned, c.drift.set));
      expect(report.changes.map((x) => [x.path, x.op, x.manager?.name]), describeChanges(report)).toEqual([[c.drift.path, 'changed', EDITOR]]);
    });
  }

  it('fills in exactly the spec the server stored (admission policies, bindings, CSIDriver)', () => {
    for (const c of [validatingPolicy, validatingBinding, mutatingPolicy, mutatingBinding, csiDriver]) {
      const desired = structuredClone(c.desired);
      applyBuiltinDefaults(desired, String(desired.apiVersion), String(desired.kind), new SoftMarks());
      expect(desired.spec, String(desired.kind)).toEqual(c.live.spec);
    }
  });
});
