/**
 * One test per row of ../shared/research/false-positives.md (and the misses below the table),
 * on objects shaped like the ones in the linked reports.
 */
import { describe, expect, it } from 'vitest';
import { crdSchemaProvider, diffObjects, type DiffOptions, type DriftReport } from './index';

type Obj = Record<string, unknown>;

function entry(manager: string, operation: 'Apply' | 'Update', fieldsV1: Obj, extra: Obj = {}): Obj {
  return { apiVersion: 'v1', fieldsType: 'FieldsV1', manager, operation, time: '2025-03-01T10:00:00Z', fieldsV1, ...extra };
}

function paths(r: DriftReport): string[] {
  return r.changes.map((c) => c.path);
}

function expectInSync(r: DriftReport): void {
  expect(r.changes).toEqual([]);
  expect(r.drift).toBe(false);
}

const deploymentLiveMeta = {
  annotations: { 'deployment.kubernetes.io/revision': '3' },
  creationTimestamp: '2025-03-01T10:00:00Z',
  generation: 3,
  name: 'api',
  namespace: 'shop',
  resourceVersion: '918273',
  uid: '5b0c3c0e-7d7a-4a4e-9d0c-1c1f5f0b9a11',
};

function apiDeployment(container: Obj, extraSpec: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'shop', labels: { app: 'api' } },
    spec: {
      selector: { matchLabels: { app: 'api' } },
      template: { metadata: { labels: { app: 'api' } }, spec: { containers: [container] } },
      ...extraSpec,
    },
  };
}

/** The same Deployment as the API server returns it, with the given container as stored. */
function apiDeploymentLive(container: Obj, extraSpec: Obj = {}, managedFields: Obj[] = []): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...deploymentLiveMeta, labels: { app: 'api' }, managedFields },
    spec: {
      progressDeadlineSeconds: 600,
      replicas: 1,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'api' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'api' } },
        spec: {
          containers: [
            {
              imagePullPolicy: 'IfNotPresent',
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              ...container,
            },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
      ...extraSpec,
    },
    status: { observedGeneration: 3, replicas: 1, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1 },
  };
}

describe('false positives catalogue', () => {
  it('#1 creationTimestamp: null in the manifest against a server timestamp is equal', () => {
    const desired = apiDeployment({ name: 'api', image: 'ghcr.io/acme/api:2.3.1' });
    (desired.metadata as Obj).creationTimestamp = null;
    (((desired.spec as Obj).template as Obj).metadata as Obj).creationTimestamp = null;
    const live = apiDeploymentLive({ name: 'api', image: 'ghcr.io/acme/api:2.3.1' });
    expectInSync(diffObjects(desired, live));
  });

  it('#2 quantities are compared by value: 1000m = 1, 1000M = 1G, but 1001m is not 1', () => {
    const resources = { requests: { cpu: '1000m', memory: '1000M' }, limits: { cpu: 2, memory: '2048Mi' } };
    const desired = apiDeployment({ name: 'api', image: 'ghcr.io/acme/api:2.3.1', resources });
    const live = apiDeploymentLive({
      name: 'api',
      image: 'ghcr.io/acme/api:2.3.1',
      resources: { requests: { cpu: '1', memory: '1G' }, limits: { cpu: '2', memory: '2Gi' } },
    });
    expectInSync(diffObjects(desired, live));

    const off = apiDeployment({ name: 'api', image: 'ghcr.io/acme/api:2.3.1', resources: { ...resources, requests: { cpu: '1001m', memory: '1000M' } } });
    const r = diffObjects(off, live);
    expect(r.changes).toEqual([
      { path: 'spec.template.spec.containers[name=api].resources.requests.cpu', op: 'changed', desired: '1001m', live: '1' },
    ]);
  });

  it('#3 quantities inside a custom resource without schema (Argo Rollout): 100m = 0.1', () => {
    const rollout = (cpu: string, image: string): Obj => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'checkout', namespace: 'shop' },
      spec: {
        replicas: 3,
        strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '1h' } }] } },
        template: {
          metadata: { labels: { app: 'checkout' } },
          spec: { containers: [{ name: 'checkout', image, resources: { requests: { cpu, memory: '128Mi' } } }] },
        },
      },
    });
    const live = { ...rollout('0.1', 'acme/checkout:1.0'), status: { phase: 'Healthy' } };
    expectInSync(diffObjects(rollout('100m', 'acme/checkout:1.0'), live));
    // Containers of an unknown kind are still matched by name.
    expect(paths(diffObjects(rollout('100m', 'acme/checkout:1.1'), live))).toEqual(['spec.template.spec.containers[name=checkout].image']);
  });

  it('#4 an omitted port protocol is TCP and part of the list key', () => {
    const dns = (ports: Obj[]): Obj => apiDeployment({ name: 'api', image: 'coredns/coredns:1.11.1', ports });
    const desired = dns([
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
      { name: 'dns-tcp', containerPort: 53 },
    ]);
    const live = apiDeploymentLive({
      name: 'api',
      image: 'coredns/coredns:1.11.1',
      ports: [
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
      ],
    });
    expectInSync(diffObjects(desired, live));
    const tcpOnly = apiDeploymentLive({ name: 'api', image: 'coredns/coredns:1.11.1', ports: [{ name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }] });
    const r = diffObjects(desired, tcpOnly);
    expect(r.changes).toMatchObject([{ path: 'spec.template.spec.containers[name=api].ports[containerPort=53,protocol=UDP]', op: 'missing' }]);
  });

  it('#5 resources {requests: {}, limits: {}} equals the {} the server keeps', () => {
    const desired = apiDeployment({ name: 'api', image: 'acme/api:1', resources: { requests: {}, limits: {} } });
    expectInSync(diffObjects(desired, apiDeploymentLive({ name: 'api', image: 'acme/api:1' })));
  });

  it('#6 explicit [] and false equal the omitted fields, and never give drift without changes', () => {
    const desired = apiDeployment(
      { name: 'api', image: 'acme/api:1', args: [], stdin: false, tty: false, envFrom: [] },
      { paused: false },
    );
    const t = ((desired.spec as Obj).template as Obj).spec as Obj;
    t.initContainers = [];
    t.hostNetwork = false;
    t.imagePullSecrets = [];
    const r = diffObjects(desired, apiDeploymentLive({ name: 'api', image: 'acme/api:1' }));
    expectInSync(r);
    // A meaningful false against a different live value is still a change.
    const liveTty = apiDeploymentLive({ name: 'api', image: 'acme/api:1', tty: true });
    expect(diffObjects(desired, liveTty).changes).toMatchObject([{ path: 'spec.template.spec.containers[name=api].tty', op: 'changed', desired: false, live: true }]);
  });

  it('#7 absent annotations equal {} and vice versa', () => {
    const live = apiDeploymentLive({ name: 'api', image: 'acme/api:1' });
    ((live.metadata as Obj).annotations as Obj) = {};
    expectInSync(diffObjects(apiDeployment({ name: 'api', image: 'acme/api:1' }), live));
    const desired = apiDeployment({ name: 'api', image: 'acme/api:1' });
    (desired.metadata as Obj).annotations = {};
    delete (live.metadata as Obj).annotations;
    expectInSync(diffObjects(desired, live));
  });

  describe('#8 replicas written by the HPA', () => {
    const hpaEntry = entry('kube-controller-manager', 'Update', { 'f:spec': { 'f:replicas': {} } }, { subresource: 'scale', time: '2025-03-02T08:15:00Z' });
    const live = apiDeploymentLive({ name: 'api', image: 'acme/api:1' }, { replicas: 5 }, [
      entry('argocd-controller', 'Apply', { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"api"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } } }),
      hpaEntry,
    ]);

    it('is a real change, attributed to the controller that wrote it', () => {
      const r = diffObjects(apiDeployment({ name: 'api', image: 'acme/api:1' }, { replicas: 2 }), live);
      expect(r.changes).toEqual([
        {
          path: 'spec.replicas',
          op: 'changed',
          desired: 2,
          live: 5,
          manager: { name: 'kube-controller-manager', operation: 'Update', time: '2025-03-02T08:15:00Z' },
        },
      ]);
    });

    it('is ignored by a rule on the manager, and kept in ignored[]', () => {
      const options: DiffOptions = { ignoreRules: [{ path: 'spec.replicas', managers: ['kube-controller-manager'], kind: 'Deployment' }] };
      const r = diffObjects(apiDeployment({ name: 'api', image: 'acme/api:1' }, { replicas: 2 }), live, options);
      expectInSync(r);
      expect(r.ignored).toMatchObject([{ path: 'spec.replicas', live: 5 }]);
      // The same rule does not hide a change made by someone else.
      const edited = structuredClone(live);
      ((edited.metadata as Obj).managedFields as Obj[])[1] = entry('kubectl-edit', 'Update', { 'f:spec': { 'f:replicas': {} } });
      expect(paths(diffObjects(apiDeployment({ name: 'api', image: 'acme/api:1' }, { replicas: 2 }), edited, options))).toEqual(['spec.replicas']);
    });

    it('is not drift when the manifest leaves replicas to the HPA', () => {
      // The applier never owned replicas; the HPA's writes come from a cluster controller.
      const leftToHpa = structuredClone(live);
      const fields = (((leftToHpa.metadata as Obj).managedFields as Obj[])[0] as Obj).fieldsV1 as Obj;
      delete (fields['f:spec'] as Obj)['f:replicas'];
      expectInSync(diffObjects(apiDeployment({ name: 'api', image: 'acme/api:1' }), leftToHpa));
      // Had the applier applied replicas before, dropping them from the manifest would reset them.
      expect(diffObjects(apiDeployment({ name: 'api', image: 'acme/api:1' }), live, { fieldManager: 'argocd-controller' }).changes).toMatchObject([
        { path: 'spec.replicas', op: 'removed', desired: 1, live: 5 },
      ]);
    });

    // Once `kubectl apply`-ed with replicas: 2, now applied server-side by Argo CD from a manifest
    // that leaves replicas to the HPA: the annotation is kubectl's old record, not Argo CD's.
    const migrated = (extraAnnotationOwner?: string): Obj => {
      const m = structuredClone(live);
      const meta = m.metadata as Obj;
      meta.annotations = {
        ...(meta.annotations as Obj),
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(apiDeployment({ name: 'api', image: 'acme/api:1' }, { replicas: 2 })),
      };
      const argo = entry('argocd-controller', 'Apply', {
        ...(extraAnnotationOwner === 'argocd-controller' ? { 'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } } : {}),
        'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"api"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
      });
      const kubectl = entry('kubectl-client-side-apply', 'Update', { 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } }, { time: '2025-02-01T10:00:00Z' });
      meta.managedFields = extraAnnotationOwner === 'argocd-controller' ? [argo, hpaEntry] : [kubectl, argo, hpaEntry];
      return m;
    };

    it('is not drift under a stale client-side last-applied annotation when the manifest is applied server-side', () => {
      expectInSync(diffObjects(apiDeployment({ name: 'api', image: 'acme/api:1' }), migrated(), { fieldManager: 'argocd-controller' }));
      // kubectl apply --server-side keeps the annotation current, and owns it: then it is the applier's record.
      expect(diffObjects(apiDeployment({ name: 'api', image: 'acme/api:1' }), migrated('argocd-controller'), { fieldManager: 'argocd-controller' }).changes).toMatchObject([
        { path: 'spec.replicas', op: 'removed', live: 5 },
      ]);
      // The applier unknown: a client-side apply of this manifest would reset replicas.
      expect(paths(diffObjects(apiDeployment({ name: 'api', image: 'acme/api:1' }), migrated()))).toEqual(['spec.replicas']);
    });
  });

  describe('#9 HPA metrics', () => {
    const cpu = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } };
    const mem = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } };
    const rps = {
      type: 'Pods',
      pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '1k' } },
    };
    const hpa = (metrics: Obj[]): Obj => ({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api', namespace: 'shop' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 10, metrics },
    });

    it('reordered (and duplicated, k8s < 1.27) by the controller are equal', () => {
      const live: Obj = { ...hpa([mem, rps, cpu, mem]), status: { currentReplicas: 2, desiredReplicas: 2 } };
      const spec = live.spec as Obj;
      spec.metrics = [{ ...mem, resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '524288000' } } }, rps, cpu, mem];
      expectInSync(diffObjects(hpa([cpu, mem, rps]), live));
    });

    it('with a changed target are drift at spec.metrics', () => {
      const changed = { ...cpu, resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 90 } } };
      const r = diffObjects(hpa([cpu, mem]), hpa([mem, changed]));
      expect(paths(r)).toEqual(['spec.metrics']);
    });
  });

  const webhookConfig = (webhook: Obj): Obj => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'cert-manager-webhook', annotations: { 'cert-manager.io/inject-ca-from-secret': 'cert-manager/cert-manager-webhook-ca' } },
    webhooks: [
      {
        name: 'webhook.cert-manager.io',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        clientConfig: { service: { name: 'cert-manager-webhook', namespace: 'cert-manager', path: '/mutate' } },
        rules: [{ apiGroups: ['cert-manager.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['*/*'] }],
        ...webhook,
      },
    ],
  });
  const webhookLive = (webhook: Obj, managedFields: Obj[]): Obj => {
    const live = webhookConfig({
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      namespaceSelector: {},
      objectSelector: {},
      reinvocationPolicy: 'Never',
      timeoutSeconds: 10,
      ...webhook,
    });
    const wh = (live.webhooks as Obj[])[0] as Obj;
    ((wh.clientConfig as Obj).service as Obj).port = 443;
    ((wh.rules as Obj[])[0] as Obj).scope = '*';
    live.metadata = { ...(live.metadata as Obj), uid: 'u', resourceVersion: '77', generation: 2, managedFields };
    return live;
  };
  const cainjector = entry('cainjector', 'Update', {
    'f:webhooks': { 'k:{"name":"webhook.cert-manager.io"}': { 'f:clientConfig': { 'f:caBundle': {} } } },
  });

  it('#10 a caBundle left empty and injected by a CA injector is ignored, a set one is compared', () => {
    const withCa = (ca: string): Obj => {
      const w = webhookLive({}, [cainjector]);
      ((((w.webhooks as Obj[])[0] as Obj).clientConfig as Obj) as Obj).caBundle = ca;
      return w;
    };
    const live = withCa('LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=');
    const absent = diffObjects(webhookConfig({}), live);
    expectInSync(absent);
    expect(absent.ignored).toMatchObject([{ path: 'webhooks[name=webhook.cert-manager.io].clientConfig.caBundle', op: 'added', manager: { name: 'cainjector' } }]);
    const empty = webhookConfig({});
    (((empty.webhooks as Obj[])[0] as Obj).clientConfig as Obj).caBundle = '';
    expectInSync(diffObjects(empty, live));
    const pinned = webhookConfig({});
    (((pinned.webhooks as Obj[])[0] as Obj).clientConfig as Obj).caBundle = 'UElOTkVELUNB';
    expect(paths(diffObjects(pinned, live))).toEqual(['webhooks[name=webhook.cert-manager.io].clientConfig.caBundle']);
  });

  it('#11 a CRD conversion webhook caBundle injected after apply is ignored', () => {
    const crd = (): Obj => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'certificates.cert-manager.io', annotations: { 'cert-manager.io/inject-ca-from-secret': 'cert-manager/cert-manager-webhook-ca' } },
      spec: {
        group: 'cert-manager.io',
        names: { kind: 'Certificate', plural: 'certificates', shortNames: ['cert', 'certs'] },
        scope: 'Namespaced',
        conversion: {
          strategy: 'Webhook',
          webhook: { conversionReviewVersions: ['v1'], clientConfig: { service: { name: 'cert-manager-webhook', namespace: 'cert-manager', path: '/convert' } } },
        },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    const live = crd();
    const spec = live.spec as Obj;
    spec.names = { kind: 'Certificate', listKind: 'CertificateList', plural: 'certificates', shortNames: ['cert', 'certs'], singular: 'certificate' };
    const cc = ((spec.conversion as Obj).webhook as Obj).clientConfig as Obj;
    cc.caBundle = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t';
    (cc.service as Obj).port = 443;
    live.metadata = {
      ...(live.metadata as Obj),
      managedFields: [entry('cainjector', 'Update', { 'f:spec': { 'f:conversion': { 'f:webhook': { 'f:clientConfig': { 'f:caBundle': {} } } } } })],
    };
    live.status = { acceptedNames: { kind: 'Certificate', plural: 'certificates' }, storedVersions: ['v1'] };
    const r = diffObjects(crd(), live);
    expectInSync(r);
    expect(r.ignored.map((c) => c.path)).toEqual(['spec.conversion.webhook.clientConfig.caBundle']);
  });

  it('#12 failurePolicy changed by istiod is real drift, attributed', () => {
    const live = webhookLive({ failurePolicy: 'Fail' }, [
      entry('pilot-discovery', 'Update', { 'f:webhooks': { 'k:{"name":"webhook.cert-manager.io"}': { 'f:failurePolicy': {} } } }),
    ]);
    const r = diffObjects(webhookConfig({ failurePolicy: 'Ignore' }), live);
    expect(r.changes).toMatchObject([
      { path: 'webhooks[name=webhook.cert-manager.io].failurePolicy', op: 'changed', desired: 'Ignore', live: 'Fail', manager: { name: 'pilot-discovery' } },
    ]);
  });

  it('#13 webhook matchPolicy, selectors, rules[].scope and timeoutSeconds defaults are equal', () => {
    expectInSync(diffObjects(webhookConfig({}), webhookLive({}, [])));
    // v1beta1 has other defaults (Exact, 30s, Unknown side effects, Ignore).
    const beta = webhookConfig({});
    beta.apiVersion = 'admissionregistration.k8s.io/v1beta1';
    const betaLive = webhookLive({ matchPolicy: 'Exact', timeoutSeconds: 30, failurePolicy: 'Ignore' }, []);
    betaLive.apiVersion = 'admissionregistration.k8s.io/v1beta1';
    expectInSync(diffObjects(beta, betaLive));
  });

  describe('#14 an annotation added by an admission webhook', () => {
    const desired = apiDeployment({ name: 'api', image: 'acme/api:1' });
    const injected = (managedFields: Obj[], lastApplied?: string): Obj => {
      const live = apiDeploymentLive({ name: 'api', image: 'acme/api:1' }, {}, managedFields);
      const ann: Obj = { ...((live.metadata as Obj).annotations as Obj), 'policies.kyverno.io/last-applied-patches': 'add-labels.add-team.kyverno.io: added /metadata/labels/team' };
      if (lastApplied !== undefined) ann['kubectl.kubernetes.io/last-applied-configuration'] = lastApplied;
      (live.metadata as Obj).annotations = ann;
      return live;
    };

    it('is not reported without managedFields', () => {
      expectInSync(diffObjects(desired, injected([])));
    });

    it('is not reported when it came with the client-side applier’s own create', () => {
      const fields = {
        'f:metadata': {
          'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {}, 'f:policies.kyverno.io/last-applied-patches': {} },
        },
      };
      expectInSync(diffObjects(desired, injected([entry('kubectl-client-side-apply', 'Update', fields)], JSON.stringify(desired))));
    });

    it('is not reported when mutating admission ran during the desired side’s server-side apply', () => {
      const fields = { 'f:metadata': { 'f:annotations': { 'f:policies.kyverno.io/last-applied-patches': {} } } };
      const r = diffObjects(desired, injected([entry('argocd-controller', 'Update', fields)]), { fieldManager: 'argocd-controller' });
      expectInSync(r);
    });

    it('is reported when another actor wrote it, and can be ignored by path', () => {
      const fields = { 'f:metadata': { 'f:annotations': { 'f:policies.kyverno.io/last-applied-patches': {} } } };
      const live = injected([entry('kyverno', 'Update', fields)]);
      expect(paths(diffObjects(desired, live))).toEqual(['metadata.annotations["policies.kyverno.io/last-applied-patches"]']);
      const r = diffObjects(desired, live, { ignoreRules: [{ path: 'metadata.annotations["policies.kyverno.io/*"]' }] });
      expectInSync(r);
      expect(r.ignored).toHaveLength(1);
    });
  });

  it('#15 CRD preserveUnknownFields: false equals absent', () => {
    const crd: Obj = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        preserveUnknownFields: false,
        names: { kind: 'Widget', plural: 'widgets' },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      },
    };
    const live = structuredClone(crd);
    const spec = live.spec as Obj;
    delete spec.preserveUnknownFields;
    spec.conversion = { strategy: 'None' };
    spec.names = { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' };
    expectInSync(diffObjects(crd, live));
  });

  describe('#16 rules of an aggregated ClusterRole', () => {
    const role: Obj = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'monitoring-view', labels: { 'app.kubernetes.io/part-of': 'kube-prometheus' } },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }] },
    };
    const live: Obj = {
      ...role,
      metadata: {
        ...(role.metadata as Obj),
        uid: 'x',
        resourceVersion: '1',
        managedFields: [entry('clusterrole-aggregation-controller', 'Apply', { 'f:rules': {} })],
      },
      rules: [{ apiGroups: ['monitoring.coreos.com'], resources: ['prometheuses', 'alertmanagers'], verbs: ['get', 'list', 'watch'] }],
    };

    it('are written by the aggregation controller: ignored by default', () => {
      const r = diffObjects(role, live);
      expectInSync(r);
      expect(r.ignored).toMatchObject([{ path: 'rules', op: 'added', manager: { name: 'clusterrole-aggregation-controller' } }]);
    });

    it('are drift with ignoreAggregatedRoleRules: false', () => {
      expect(paths(diffObjects(role, live, { ignoreAggregatedRoleRules: false }))).toEqual(['rules']);
    });
  });

  describe('#17 Secret data', () => {
    const secret = (body: Obj): Obj => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, type: 'Opaque', ...body });
    const live = secret({ data: { username: 'c2hvcA==', password: 'czNjcjN0LXZhbHVl', empty: null } });

    it('stringData equals the base64 data the server stores; nil equals ""', () => {
      expectInSync(diffObjects(secret({ stringData: { username: 'shop', password: 's3cr3t-value' }, data: { empty: '' } }), live));
    });

    it('a changed value is drift with neither value in the report', () => {
      const r = diffObjects(secret({ stringData: { username: 'shop', password: 'another-value' } }), live);
      expect(r.drift).toBe(true);
      expect(r.changes).toMatchObject([{ path: 'data.password', op: 'changed', desired: { redacted: true }, live: { redacted: true } }]);
      const text = JSON.stringify(r);
      for (const s of ['another-value', 'YW5vdGhlci12YWx1ZQ==', 's3cr3t-value', 'czNjcjN0LXZhbHVl']) expect(text).not.toContain(s);
    });
  });

  describe('#18 Service nodePort, clusterIP(s) and other allocated values', () => {
    const svc = (spec: Obj): Obj => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec },
    });
    const live = (extra: Obj, managedFields: Obj[]): Obj => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop', uid: 'u', resourceVersion: '5', managedFields },
      spec: {
        clusterIP: '10.96.14.201',
        clusterIPs: ['10.96.14.201'],
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        ports: [{ name: 'http', nodePort: 31380, port: 80, protocol: 'TCP', targetPort: 8080 }],
        selector: { app: 'web' },
        sessionAffinity: 'None',
        type: 'NodePort',
        ...extra,
      },
      status: { loadBalancer: {} },
    });

    it('are not drift', () => {
      expectInSync(diffObjects(svc({ type: 'NodePort' }), live({}, [])));
    });

    it('are not drift even when managedFields attribute them to another writer', () => {
      const fields = { 'f:spec': { 'f:clusterIP': {}, 'f:clusterIPs': {}, 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { 'f:nodePort': {} } } } };
      expectInSync(diffObjects(svc({ type: 'NodePort' }), live({}, [entry('helm', 'Update', fields)])));
    });

    it('a LoadBalancer’s health check node port is allocated too', () => {
      const lb = live({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32110, allocateLoadBalancerNodePorts: true }, [
        entry('helm', 'Update', { 'f:spec': { 'f:healthCheckNodePort': {} } }),
      ]);
      expectInSync(diffObjects(svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' }), lb));
    });
  });

  it('#19 duplicate env names are a manifest warning, not drift', () => {
    const env = [
      { name: 'REPEATED', value: 'first' },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'REPEATED', value: 'second' },
    ];
    const desired = apiDeployment({ name: 'api', image: 'acme/api:1', env });
    const live = apiDeploymentLive({ name: 'api', image: 'acme/api:1', env: [env[1], env[2]] });
    const r = diffObjects(desired, live);
    expectInSync(r);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain('spec.template.spec.containers[name=api].env');
    expect(r.warnings[0]).toContain('name=REPEATED');
    // Created or replaced, the object keeps both: compared in order, so a change to either shows.
    const both = apiDeploymentLive({ name: 'api', image: 'acme/api:1', env });
    expectInSync(diffObjects(desired, both));
    const secondChanged = apiDeploymentLive({ name: 'api', image: 'acme/api:1', env: [env[0], env[1], { name: 'REPEATED', value: 'third' }] });
    expect(diffObjects(desired, secondChanged).changes).toMatchObject([{ path: 'spec.template.spec.containers[name=api].env[name=REPEATED].value', op: 'changed', desired: 'second', live: 'third' }]);
    // Live without any env: each missing key once, the duplicated one too.
    const bare = diffObjects(desired, apiDeploymentLive({ name: 'api', image: 'acme/api:1' }));
    expect(bare.changes.map((c) => c.path).sort()).toEqual(['spec.template.spec.containers[name=api].env[name=LOG_LEVEL]', 'spec.template.spec.containers[name=api].env[name=REPEATED]']);
  });

  describe('#20 Pod defaults', () => {
    /** The pod a Deployment's template stands for (desired source 3: owner template). */
    const podFromTemplate = (image: string, extra: Obj = {}): Obj => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { labels: { app: 'api', 'pod-template-hash': '7c9d8b5f4d' }, name: 'api-7c9d8b5f4d-x2k8q', namespace: 'shop' },
      spec: {
        containers: [
          {
            name: 'api',
            image,
            ports: [{ containerPort: 8080, name: 'http' }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
            resources: { limits: { cpu: '500m', memory: '256Mi' } },
          },
        ],
        ...extra,
      },
    });
    const livePod = (image: string, imagePullPolicy: string, managedFields: Obj[] = []): Obj => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        creationTimestamp: '2025-03-01T10:00:00Z',
        generateName: 'api-7c9d8b5f4d-',
        labels: { app: 'api', 'pod-template-hash': '7c9d8b5f4d' },
        managedFields,
        name: 'api-7c9d8b5f4d-x2k8q',
        namespace: 'shop',
        ownerReferences: [{ apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: 'ReplicaSet', name: 'api-7c9d8b5f4d', uid: 'r' }],
        resourceVersion: '1200',
        uid: 'p',
      },
      spec: {
        containers: [
          {
            image,
            imagePullPolicy,
            name: 'api',
            ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
            readinessProbe: { failureThreshold: 3, httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 },
            resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '500m', memory: '256Mi' } },
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            volumeMounts: [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: 'kube-api-access-8w7xz', readOnly: true }],
          },
        ],
        dnsPolicy: 'ClusterFirst',
        enableServiceLinks: true,
        nodeName: 'worker-2',
        preemptionPolicy: 'PreemptLowerPriority',
        priority: 0,
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        serviceAccount: 'default',
        serviceAccountName: 'default',
        terminationGracePeriodSeconds: 30,
        tolerations: [
          { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
          { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
        ],
        volumes: [
          {
            name: 'kube-api-access-8w7xz',
            projected: {
              defaultMode: 420,
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
                { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
              ],
            },
          },
        ],
      },
      status: { phase: 'Running', podIP: '10.244.1.17', qosClass: 'Guaranteed' },
    });

    it('(dnsPolicy, scheduler, probes, requests from limits, token volume, tolerations, nodeName) are equal', () => {
      expectInSync(diffObjects(podFromTemplate('ghcr.io/acme/api:2.3.1'), livePod('ghcr.io/acme/api:2.3.1', 'IfNotPresent')));
      expectInSync(diffObjects(podFromTemplate('ghcr.io/acme/api:latest'), livePod('ghcr.io/acme/api:latest', 'Always')));
      expectInSync(diffObjects(podFromTemplate('ghcr.io/acme/api'), livePod('ghcr.io/acme/api', 'Always')));
      // A digest pins the image (IfNotPresent), unless a latest tag stands beside it (Always).
      const digest = `sha256:${'0d17'.repeat(16)}`;
      expectInSync(diffObjects(podFromTemplate(`ghcr.io/acme/api@${digest}`), livePod(`ghcr.io/acme/api@${digest}`, 'IfNotPresent')));
      expectInSync(diffObjects(podFromTemplate(`ghcr.io/acme/api:2.3.1@${digest}`), livePod(`ghcr.io/acme/api:2.3.1@${digest}`, 'IfNotPresent')));
      expectInSync(diffObjects(podFromTemplate(`ghcr.io/acme/api:latest@${digest}`), livePod(`ghcr.io/acme/api:latest@${digest}`, 'Always')));
    });

    it('even when the creating controller’s managedFields name every defaulted field', () => {
      const all = {
        'f:metadata': {
          'f:generateName': {},
          'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} },
          'f:ownerReferences': { '.': {}, 'k:{"uid":"r"}': {} },
        },
        'f:spec': {
          'f:containers': { 'k:{"name":"api"}': { 'f:imagePullPolicy': {}, 'f:terminationMessagePath': {}, 'f:volumeMounts': { 'k:{"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}': { '.': {} } } } },
          'f:dnsPolicy': {},
          'f:enableServiceLinks': {},
          'f:nodeName': {},
          'f:tolerations': {},
          'f:volumes': { 'k:{"name":"kube-api-access-8w7xz"}': { '.': {}, 'f:projected': {} } },
        },
      };
      expectInSync(diffObjects(podFromTemplate('ghcr.io/acme/api:2.3.1'), livePod('ghcr.io/acme/api:2.3.1', 'IfNotPresent', [entry('some-operator', 'Update', all)])));
    });

    it('a default changed by someone else is drift against the default', () => {
      const edit = entry('kubectl-edit', 'Update', { 'f:spec': { 'f:containers': { 'k:{"name":"api"}': { 'f:imagePullPolicy': {} } } } });
      const r = diffObjects(podFromTemplate('ghcr.io/acme/api:latest'), livePod('ghcr.io/acme/api:latest', 'IfNotPresent', [edit]));
      expect(r.changes).toMatchObject([
        { path: 'spec.containers[name=api].imagePullPolicy', op: 'changed', desired: 'Always', live: 'IfNotPresent', manager: { name: 'kubectl-edit' } },
      ]);
    });

    it('a field the manifest sets is compared even when it equals another default', () => {
      expect(paths(diffObjects(podFromTemplate('ghcr.io/acme/api:2.3.1', { dnsPolicy: 'Default' }), livePod('ghcr.io/acme/api:2.3.1', 'IfNotPresent')))).toEqual([
        'spec.dnsPolicy',
      ]);
    });
  });

  describe('#21 StatefulSet volumeClaimTemplates', () => {
    const sts = (storage: string): Obj => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'pg', namespace: 'shop' },
      spec: {
        serviceName: 'pg',
        selector: { matchLabels: { app: 'pg' } },
        template: { metadata: { labels: { app: 'pg' } }, spec: { containers: [{ name: 'pg', image: 'postgres:16', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } }],
      },
    });
    const live = (): Obj => {
      const l = sts('10Gi');
      const spec = l.spec as Obj;
      Object.assign(spec, {
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        podManagementPolicy: 'OrderedReady',
        replicas: 1,
        revisionHistoryLimit: 10,
        updateStrategy: { rollingUpdate: { partition: 0 }, type: 'RollingUpdate' },
        volumeClaimTemplates: [
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: { creationTimestamp: null, name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, volumeMode: 'Filesystem' },
            status: { phase: 'Pending' },
          },
        ],
      });
      return l;
    };

    it('gain apiVersion, kind, volumeMode and status: equal', () => {
      expectInSync(diffObjects(sts('10Gi'), live()));
      expectInSync(diffObjects(sts('10240Mi'), live()));
    });

    it('are equal also when their creator owns the whole (atomic) list, server-filled fields and all', () => {
      const l = live();
      (l.metadata as Obj).managedFields = [entry('helm', 'Update', { 'f:spec': { 'f:volumeClaimTemplates': {}, 'f:serviceName': {} } })];
      expectInSync(diffObjects(sts('10Gi'), l));
    });

    it('a different size is reported inside the template', () => {
      expect(paths(diffObjects(sts('20Gi'), live()))).toEqual(['spec.volumeClaimTemplates[0].spec.resources.requests.storage']);
    });

    it('created by a plain POST (helm), the updateStrategy default maxUnavailable: 1 is its creator\'s but not an addition; another value is drift', () => {
      const created = (maxUnavailable: number, manager: string): Obj => {
        const l = live();
        const spec = l.spec as Obj;
        spec.updateStrategy = { rollingUpdate: { partition: 0, maxUnavailable }, type: 'RollingUpdate' };
        // Whoever writes the field last owns it: the API server takes it out of helm's set.
        const rolling = manager === 'helm' ? { '.': {}, 'f:maxUnavailable': {}, 'f:partition': {} } : { '.': {}, 'f:partition': {} };
        const fields = { 'f:spec': { 'f:updateStrategy': { 'f:rollingUpdate': rolling, 'f:type': {} } } };
        (l.metadata as Obj).managedFields = [entry('helm', 'Update', fields), ...(manager === 'helm' ? [] : [entry(manager, 'Update', { 'f:spec': { 'f:updateStrategy': { 'f:rollingUpdate': { 'f:maxUnavailable': {} } } } })])];
        return l;
      };
      // MaxUnavailableStatefulSet (on by default since it went beta) sets it on every create.
      expectInSync(diffObjects(sts('10Gi'), created(1, 'helm')));
      expect(diffObjects(sts('10Gi'), created(2, 'kubectl-edit')).changes).toMatchObject([{ path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', op: 'changed', desired: 1, live: 2, manager: { name: 'kubectl-edit' } }]);
    });
  });

  describe('#22 image rewritten by a policy engine', () => {
    const live = apiDeploymentLive({ name: 'api', image: 'registry.corp.example/mirror/acme/api:2.3.1' }, {}, [
      entry('kyverno', 'Update', { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"api"}': { 'f:image': {} } } } } } }),
    ]);
    const desired = apiDeployment({ name: 'api', image: 'acme/api:2.3.1' });

    it('is real drift, attributed to the policy engine', () => {
      expect(diffObjects(desired, live).changes).toMatchObject([
        { path: 'spec.template.spec.containers[name=api].image', op: 'changed', live: 'registry.corp.example/mirror/acme/api:2.3.1', manager: { name: 'kyverno' } },
      ]);
    });

    it('is ignorable by manager or by path', () => {
      expectInSync(diffObjects(desired, live, { ignoreRules: [{ managers: ['kyverno'] }] }));
      expectInSync(diffObjects(desired, live, { ignoreRules: [{ path: 'spec.template.spec.containers[*].image', kind: 'Deployment' }] }));
      // Scoped to another kind: not ignored.
      expect(diffObjects(desired, live, { ignoreRules: [{ managers: ['kyverno'], kind: 'StatefulSet' }] }).drift).toBe(true);
    });
  });

  describe('#23 apiVersion promotion / CRD conversion', () => {
    it('compares fields across versions and warns instead of reporting the version', () => {
      const v1beta1 = apiDeployment({ name: 'api', image: 'acme/api:1' });
      v1beta1.apiVersion = 'apps/v1beta2';
      const r = diffObjects(v1beta1, apiDeploymentLive({ name: 'api', image: 'acme/api:1' }));
      expectInSync(r);
      expect(r.warnings[0]).toContain('apps/v1beta2');
    });

    it('a custom resource written as v1beta1 and stored as v1 is compared in one schema', () => {
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'caches.example.com' },
        spec: {
          group: 'example.com',
          names: { kind: 'Cache', plural: 'caches' },
          scope: 'Namespaced',
          versions: ['v1beta1', 'v1'].map((name) => ({
            name,
            served: true,
            storage: name === 'v1',
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', default: 1 } } } } } },
          })),
        },
      };
      const desired = { apiVersion: 'example.com/v1beta1', kind: 'Cache', metadata: { name: 'sessions', namespace: 'shop' }, spec: {} };
      // spec.size written by someone else: drift unless it is the schema's default for the manifest's kind.
      const live = (size: number) => ({
        apiVersion: 'example.com/v1',
        kind: 'Cache',
        metadata: { name: 'sessions', namespace: 'shop', uid: 'c', managedFields: [entry('kubectl-edit', 'Update', { 'f:spec': { 'f:size': {} } }, { apiVersion: 'example.com/v1' })] },
        spec: { size },
      });
      const schema = crdSchemaProvider([crd]);
      expectInSync(diffObjects(desired, live(1), { schema }));
      // The v1beta1 manifest took its default from the CRD: without the schema the same size is drift,
      // and with it a size other than the default still is.
      expect(paths(diffObjects(desired, live(1)))).toEqual(['spec.size']);
      expect(diffObjects(desired, live(3), { schema }).changes).toMatchObject([{ path: 'spec.size', op: 'changed', live: 3, manager: { name: 'kubectl-edit' } }]);
    });
  });
});

describe('misses other tools have', () => {
  describe('a field inside an element of an atomic list, which only the desired side\'s fields were compared for', () => {
    const role = (rule: Obj, meta: Obj = {}): Obj => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'shop', ...meta }, rules: [rule] });
    const rule = { apiGroups: [''], resources: ['secrets'], verbs: ['get'] };
    const narrowed = { ...rule, resourceNames: ['app-tls'] };

    it('written by another actor (kubectl edit narrowing a Role rule): the list changed, by them', () => {
      const live = role(narrowed, { managedFields: [entry('helm', 'Update', { 'f:rules': {} }), entry('kubectl-edit', 'Update', { 'f:rules': {} }, { time: '2025-03-02T00:00:00Z' })] });
      expect(diffObjects(role(rule), live).changes).toMatchObject([{ path: 'rules', op: 'changed', desired: [rule], live: [narrowed], manager: { name: 'kubectl-edit' } }]);
      // Without managedFields nothing is attributable: not reported (DESIGN).
      expectInSync(diffObjects(role(rule), role(narrowed)));
    });

    it('applied before and dropped from the manifest since (client-side or server-side apply): the next apply removes it', () => {
      const applied = JSON.stringify(role(narrowed));
      const csa = role(narrowed, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied }, managedFields: [entry('kubectl-client-side-apply', 'Update', { 'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } }, 'f:rules': {} })] });
      expect(diffObjects(role(rule), csa).changes).toMatchObject([{ path: 'rules', op: 'changed', manager: { name: 'kubectl-client-side-apply' } }]);
      const ssa = role(narrowed, { managedFields: [entry('argocd-controller', 'Apply', { 'f:rules': {} })] });
      expect(diffObjects(role(rule), ssa, { fieldManager: 'argocd-controller' }).changes).toMatchObject([{ path: 'rules', op: 'changed', manager: { name: 'argocd-controller' } }]);
    });

    it('server defaults inside the elements are not: a webhook rule\'s scope, a NetworkPolicy port\'s protocol, written back by their creator', () => {
      const hook = (scope?: string): Obj => ({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: 'policy' },
        webhooks: [{ name: 'v.example.com', admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { url: 'https://hooks.example.com/v' }, rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], ...(scope ? { scope } : {}) }] }],
      });
      const creator = [entry('helm', 'Update', { 'f:webhooks': { 'k:{"name":"v.example.com"}': { '.': {}, 'f:rules': {} } } })];
      expectInSync(diffObjects(hook(), { ...hook('*'), metadata: { name: 'policy', managedFields: creator } }));
      const edited = [entry('kubectl-edit', 'Update', { 'f:webhooks': { 'k:{"name":"v.example.com"}': { 'f:rules': {} } } })];
      expect(diffObjects(hook(), { ...hook('Namespaced'), metadata: { name: 'policy', managedFields: edited } }).changes).toMatchObject([{ path: 'webhooks[name=v.example.com].rules', op: 'changed', manager: { name: 'kubectl-edit' } }]);
      const np = (protocol?: string): Obj => ({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 8080, ...(protocol ? { protocol } : {}) }] }] },
      });
      const npLive: Obj = { ...np('TCP'), metadata: { name: 'web', namespace: 'shop', managedFields: [entry('helm', 'Update', { 'f:spec': { 'f:ingress': {}, 'f:podSelector': {} } })] } };
      (npLive.spec as Obj).policyTypes = ['Ingress'];
      expectInSync(diffObjects(np(), npLive));
    });
  });

  it('a false or 0 the API keeps (pointer fields) taken away is missing; one it drops (omitempty) is not', () => {
    const hardened = { name: 'api', image: 'acme/api:1', stdin: false, securityContext: { allowPrivilegeEscalation: false, runAsUser: 0, runAsGroup: 0 } };
    const desired = apiDeployment(hardened);
    const t = ((desired.spec as Obj).template as Obj).spec as Obj;
    Object.assign(t, { automountServiceAccountToken: false, hostNetwork: false, securityContext: { fsGroup: 0 } });
    // What the API server returns for it: the pointers kept, the plain bool (stdin, hostNetwork) dropped.
    const live = apiDeploymentLive({ name: 'api', image: 'acme/api:1', securityContext: { allowPrivilegeEscalation: false, runAsUser: 0, runAsGroup: 0 } });
    const liveT = ((live.spec as Obj).template as Obj).spec as Obj;
    Object.assign(liveT, { automountServiceAccountToken: false, securityContext: { fsGroup: 0 } });
    expectInSync(diffObjects(desired, live));
    // Someone takes them out (kubectl edit, an operator rewriting the template): each is a change.
    const stripped = apiDeploymentLive({ name: 'api', image: 'acme/api:1', securityContext: {} });
    expect(diffObjects(desired, stripped).changes.map((c) => [c.path, c.op, c.desired])).toEqual([
      ['spec.template.spec.containers[name=api].securityContext.allowPrivilegeEscalation', 'missing', false],
      ['spec.template.spec.containers[name=api].securityContext.runAsUser', 'missing', 0],
      ['spec.template.spec.containers[name=api].securityContext.runAsGroup', 'missing', 0],
      ['spec.template.spec.automountServiceAccountToken', 'missing', false],
      ['spec.template.spec.securityContext.fsGroup', 'missing', 0],
    ]);
    // The same fields elsewhere: a ServiceAccount's, a Job's TTL, a budget that allows no eviction.
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'shop' } };
    expect(paths(diffObjects({ ...sa, automountServiceAccountToken: false }, sa))).toEqual(['automountServiceAccountToken']);
    const pdb = (spec: Obj): Obj => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'api' } }, ...spec } });
    expect(paths(diffObjects(pdb({ maxUnavailable: 0 }), pdb({})))).toEqual(['spec.maxUnavailable']);
    expectInSync(diffObjects(pdb({ maxUnavailable: 0 }), pdb({ maxUnavailable: 0 })));
    const job = (spec: Obj): Obj => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'shop' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'acme/m:1' }] } }, ...spec } });
    expect(paths(diffObjects(job({ ttlSecondsAfterFinished: 0 }), job({})))).toEqual(['spec.ttlSecondsAfterFinished']);
    // Not on other fields with the same names: a custom resource's own false stays omitempty-like.
    const cr = (spec: Obj): Obj => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec });
    expectInSync(diffObjects(cr({ automountServiceAccountToken: false, runAsUser: 0 }), cr({})));
  });

  it('a default overridden with 0 or false by another actor is a change (revisionHistoryLimit: 0 is not "absent")', () => {
    const ops = entry('ops', 'Update', { 'f:spec': { 'f:revisionHistoryLimit': {}, 'f:template': { 'f:spec': { 'f:enableServiceLinks': {}, 'f:terminationGracePeriodSeconds': {} } } } }, { time: '2025-03-03T09:00:00Z' });
    const live = apiDeploymentLive({ name: 'api', image: 'acme/api:1' }, {}, [ops]);
    const spec = live.spec as Obj;
    spec.revisionHistoryLimit = 0;
    Object.assign((spec.template as Obj).spec as Obj, { enableServiceLinks: false, terminationGracePeriodSeconds: 0 });
    const r = diffObjects(apiDeployment({ name: 'api', image: 'acme/api:1' }), live);
    expect(r.changes.map((c) => [c.path, c.op, c.desired, c.live, c.manager?.name])).toEqual([
      ['spec.revisionHistoryLimit', 'changed', 10, 0, 'ops'],
      ['spec.template.spec.enableServiceLinks', 'changed', true, false, 'ops'],
      ['spec.template.spec.terminationGracePeriodSeconds', 'changed', 30, 0, 'ops'],
    ]);
  });

  it('an empty list the API server defaults by its length (NetworkPolicy policyTypes: [], a CSIDriver\'s volumeLifecycleModes: []) is its default', () => {
    const np = (spec: Obj): Obj => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'shop' }, spec: { podSelector: {}, ...spec } });
    expectInSync(diffObjects(np({ policyTypes: [] }), np({ policyTypes: ['Ingress'] })));
    const csi = (spec: Obj): Obj => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'csi.example.com' }, spec });
    const stored = { attachRequired: true, podInfoOnMount: false, storageCapacity: false, fsGroupPolicy: 'ReadWriteOnceWithFSType', volumeLifecycleModes: ['Persistent'], requiresRepublish: false, seLinuxMount: false };
    expectInSync(diffObjects(csi({ volumeLifecycleModes: [] }), csi(stored)));
    // A default only explains the live value it equals: another one is still seen (attributed, with managedFields).
    const edited = np({ policyTypes: ['Ingress', 'Egress'] });
    (edited.metadata as Obj).managedFields = [entry('kubectl-edit', 'Update', { 'f:spec': { 'f:policyTypes': {} } })];
    expect(paths(diffObjects(np({ policyTypes: [] }), edited))).toEqual(['spec.policyTypes']);
  });

  it('an empty string in a label, a selector or a ConfigMap is a value: taken away or added, it is a change', () => {
    const svc = (labels: Obj, selector: Obj, managedFields: Obj[] = []): Obj => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop', labels, ...(managedFields.length > 0 ? { managedFields } : {}) },
      spec: { selector, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], type: 'ClusterIP', sessionAffinity: 'None' },
    });
    const desired = svc({ app: 'web', canary: '' }, { app: 'web', canary: '' });
    expectInSync(diffObjects(desired, svc({ app: 'web', canary: '' }, { app: 'web', canary: '' })));
    // The selector now matches every web Pod, canary or not: the same Service in name only.
    expect(diffObjects(desired, svc({ app: 'web' }, { app: 'web' })).changes.map((c) => [c.path, c.op])).toEqual([
      ['metadata.labels.canary', 'missing'],
      ['spec.selector', 'changed'],
    ]);
    // Added by someone else: on a selector (atomic) the whole map changed; a label is theirs.
    const label = entry('kubectl-label', 'Update', { 'f:metadata': { 'f:labels': { 'f:stable': {} } } });
    const added = diffObjects(svc({ app: 'web' }, { app: 'web' }), svc({ app: 'web', stable: '' }, { app: 'web', stable: '' }, [label]));
    expect(added.changes.map((c) => [c.path, c.op, c.manager?.name])).toEqual([
      ['spec.selector', 'changed', undefined],
      ['metadata.labels.stable', 'added', 'kubectl-label'],
    ]);
    const cm = (data: Obj): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags', namespace: 'shop' }, data });
    expect(paths(diffObjects(cm({ 'feature-x': '', other: '1' }), cm({ other: '1' })))).toEqual(['data.feature-x']);
    // Dropped from a manifest applied client-side: the next apply removes the key, as any other.
    const lastApplied = (m: Obj): Obj => ({ ...m, metadata: { ...(m.metadata as Obj), annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(m) } } });
    const before = svc({ app: 'web', canary: '' }, { app: 'web' });
    expect(diffObjects(svc({ app: 'web' }, { app: 'web' }), lastApplied(before)).changes.map((c) => [c.path, c.op])).toEqual([['metadata.labels.canary', 'removed']]);
    // The manifest without any labels now: both go.
    const unlabelled = { ...svc({}, { app: 'web' }), metadata: { name: 'web', namespace: 'shop' } };
    expect(diffObjects(unlabelled, lastApplied(before)).changes.map((c) => [c.path, c.op])).toEqual([
      ['metadata.labels.app', 'removed'],
      ['metadata.labels.canary', 'removed'],
    ]);
    // Where a string field is omitempty, "" is still the omitted field.
    const plain = apiDeployment({ name: 'api', image: 'acme/api:1', workingDir: '' });
    expectInSync(diffObjects(plain, apiDeploymentLive({ name: 'api', image: 'acme/api:1' })));
  });

  it('a Service port added by hand is reported as added (argo-cd#16771)', () => {
    const desired = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    };
    const live = {
      ...desired,
      metadata: {
        ...desired.metadata,
        managedFields: [
          entry('argocd-controller', 'Apply', { 'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:targetPort': {} } }, 'f:selector': {} } }),
          entry('kubectl-edit', 'Update', { 'f:spec': { 'f:ports': { 'k:{"port":8443,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:protocol': {}, 'f:targetPort': {} } } } }),
        ],
      },
      spec: {
        clusterIP: '10.96.0.12',
        clusterIPs: ['10.96.0.12'],
        ports: [
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
          { name: 'debug', port: 8443, protocol: 'TCP', targetPort: 8443 },
        ],
        selector: { app: 'web' },
        sessionAffinity: 'None',
        type: 'ClusterIP',
      },
    };
    const r = diffObjects(desired, live, { fieldManager: 'argocd-controller' });
    expect(r.changes).toMatchObject([
      { path: 'spec.ports[port=8443,protocol=TCP]', op: 'added', live: { name: 'debug', port: 8443 }, manager: { name: 'kubectl-edit', operation: 'Update' } },
    ]);
  });

  it('kubectl set env adding a variable is reported as added (argo-cd#4537)', () => {
    const desired = apiDeployment({ name: 'api', image: 'acme/api:1', env: [{ name: 'LOG_LEVEL', value: 'info' }] });
    const live = apiDeploymentLive(
      { name: 'api', image: 'acme/api:1', env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'DEBUG', value: '1' }] },
      {},
      [entry('kubectl-set', 'Update', { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"api"}': { 'f:env': { 'k:{"name":"DEBUG"}': { '.': {}, 'f:name': {}, 'f:value': {} } } } } } } } })],
    );
    expect(diffObjects(desired, live).changes).toMatchObject([
      { path: 'spec.template.spec.containers[name=api].env[name=DEBUG]', op: 'added', live: { name: 'DEBUG', value: '1' }, manager: { name: 'kubectl-set' } },
    ]);
  });

  it('a toleration added by hand to a template is a changed list, while appended ones on a Pod are not drift', () => {
    const dedicated = { key: 'dedicated', operator: 'Equal', value: 'api', effect: 'NoSchedule' };
    const gpu = { key: 'gpu', operator: 'Exists', effect: 'NoSchedule' };
    const withTolerations = (o: Obj, tolerations: Obj[]): Obj => {
      const spec = o.spec as { template: { spec: Obj } };
      return { ...o, spec: { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, tolerations } } } };
    };
    const desired = withTolerations(apiDeployment({ name: 'api', image: 'acme/api:1' }), [dedicated]);
    const live = (tolerations: Obj[]) =>
      withTolerations(
        apiDeploymentLive({ name: 'api', image: 'acme/api:1' }, {}, [entry('kubectl-edit', 'Update', { 'f:spec': { 'f:template': { 'f:spec': { 'f:tolerations': {} } } } })]),
        tolerations,
      );
    expectInSync(diffObjects(desired, live([dedicated])));
    // Tolerations are atomic: applying the manifest would drop gpu.
    expect(diffObjects(desired, live([dedicated, gpu])).changes).toMatchObject([
      { path: 'spec.template.spec.tolerations', op: 'changed', desired: [dedicated], live: [dedicated, gpu], manager: { name: 'kubectl-edit' } },
    ]);
    expect(paths(diffObjects(desired, live([gpu])))).toContain('spec.template.spec.tolerations[0].key');
    // A Pod's list is appended to by admission and the DaemonSet controller: those stay equal.
    const pod = (tolerations: Obj[]): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api', namespace: 'shop' }, spec: { containers: [{ name: 'api', image: 'acme/api:1' }], tolerations } });
    const appended = [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ];
    expectInSync(diffObjects(pod([dedicated]), pod([dedicated, ...appended])));
  });

  it('fields outside the manifest changed by someone else are seen (helm-controller#803)', () => {
    const desired = apiDeployment({ name: 'api', image: 'acme/api:1' });
    const live = apiDeploymentLive({ name: 'api', image: 'acme/api:1', resources: { limits: { memory: '4Gi' } } }, {}, [
      entry('kubectl-patch', 'Update', { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"api"}': { 'f:resources': { 'f:limits': { 'f:memory': {} } } } } } } } }),
    ]);
    expect(paths(diffObjects(desired, live))).toEqual(['spec.template.spec.containers[name=api].resources.limits.memory']);
  });
});
