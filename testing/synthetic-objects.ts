/**
 * Many realistic objects for benchmarks and load tests: Deployments, Services, bare Pods (with a
 * Running status as a kubelet would write it) and a custom resource with schema defaults, each
 * with the mutations another actor might make.
 */
import type { KubernetesObject } from '@kubernetes/client-node';

export type Manifest = KubernetesObject & Record<string, unknown>;

export interface SyntheticObject {
  manifest: Manifest;
  /** URL resource name (plural). */
  resource: string;
  /** Strategic-merge (built-ins) or merge (custom resources) patches, each drifting one field. */
  mutations: Record<string, unknown>[];
  contentType: 'application/strategic-merge-patch+json' | 'application/merge-patch+json';
}

const containers = (i: number) => [
  {
    name: 'app',
    image: `ghcr.io/example/svc-${i % 17}:1.${i % 9}.0`,
    args: ['--listen=:8080', `--shard=${i}`],
    ports: [
      { name: 'http', containerPort: 8080 },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ],
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'SHARD', value: String(i) },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '0.5Gi' } },
    readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 10 },
  },
];

export function syntheticCrd(group: string): Manifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    size: { type: 'integer', default: 1 },
                    tier: { type: 'string', default: 'standard' },
                    memory: { 'x-kubernetes-int-or-string': true },
                    owners: { type: 'array', items: { type: 'string' } },
                    backends: {
                      type: 'array',
                      'x-kubernetes-list-type': 'map',
                      'x-kubernetes-list-map-keys': ['name'],
                      items: {
                        type: 'object',
                        required: ['name'],
                        properties: { name: { type: 'string' }, weight: { type: 'integer', default: 100 } },
                      },
                    },
                  },
                },
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          },
        },
      ],
    },
  };
}

const labelsOf = (app: string, i: number) => ({ app, 'app.kubernetes.io/instance': `${app}-${i}`, tier: 'backend' });

export function syntheticDeployment(ns: string, i: number): SyntheticObject {
  const name = `web-${i}`;
  return {
    resource: 'deployments',
    contentType: 'application/strategic-merge-patch+json',
    manifest: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels: labelsOf('web', i), annotations: { 'example.com/team': 'payments' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web', instance: name } },
        template: { metadata: { labels: { app: 'web', instance: name } }, spec: { containers: containers(i) } },
      },
    },
    mutations: [
      { spec: { replicas: 5 } },
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'ghcr.io/example/hotfix:0.0.1' }] } } } },
      { spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'DEBUG', value: '1' }] }] } } } },
    ],
  };
}

export function syntheticService(ns: string, i: number): SyntheticObject {
  return {
    resource: 'services',
    contentType: 'application/strategic-merge-patch+json',
    manifest: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `web-${i}`, namespace: ns, labels: labelsOf('web', i) },
      spec: {
        selector: { app: 'web', instance: `web-${i}` },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'metrics', port: 9090, protocol: 'TCP' },
        ],
      },
    },
    mutations: [
      { spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 8081 }] } },
      { metadata: { labels: { tier: 'frontend' } } },
      { spec: { sessionAffinity: 'ClientIP' } },
    ],
  };
}

export function syntheticPod(ns: string, i: number): SyntheticObject {
  return {
    resource: 'pods',
    contentType: 'application/strategic-merge-patch+json',
    manifest: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `worker-${i}`, namespace: ns, labels: labelsOf('worker', i) },
      spec: { containers: containers(i), terminationGracePeriodSeconds: 20 },
    },
    mutations: [
      { spec: { containers: [{ name: 'app', image: 'ghcr.io/example/hotfix:0.0.1' }] } },
      { metadata: { labels: { tier: 'debug' } } },
      { spec: { activeDeadlineSeconds: 3600 } },
    ],
  };
}

export function syntheticWidget(ns: string, group: string, i: number): SyntheticObject {
  return {
    resource: 'widgets',
    contentType: 'application/merge-patch+json',
    manifest: {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: `widget-${i}`, namespace: ns, labels: labelsOf('widget', i) },
      spec: { size: 1 + (i % 5), memory: '512Mi', owners: ['team-a', 'team-b'], backends: [{ name: 'a' }, { name: 'b', weight: 50 }] },
    },
    mutations: [{ spec: { size: 42 } }, { spec: { tier: 'premium' } }, { metadata: { labels: { tier: 'frontend' } } }],
  };
}

/** A Running status as a kubelet would report it, so benchmarked Pods are as large as real ones. */
export function runningPodStatus(pod: Manifest, i: number, now = new Date()): Record<string, unknown> {
  const t = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const spec = pod.spec as { containers: { name: string; image: string }[] };
  return {
    phase: 'Running',
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
      type,
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: t,
    })),
    hostIP: `10.0.${i % 250}.1`,
    hostIPs: [{ ip: `10.0.${i % 250}.1` }],
    podIP: `10.244.${(i >> 8) % 250}.${i % 250}`,
    podIPs: [{ ip: `10.244.${(i >> 8) % 250}.${i % 250}` }],
    startTime: t,
    qosClass: 'Burstable',
    containerStatuses: spec.containers.map((c) => ({
      name: c.name,
      state: { running: { startedAt: t } },
      lastState: {},
      ready: true,
      restartCount: i % 3,
      image: c.image,
      imageID: `${c.image.split(':')[0]}@sha256:${'0123456789abcdef'.repeat(4)}`,
      containerID: `containerd://${'fedcba9876543210'.repeat(4)}`,
      started: true,
    })),
  };
}
