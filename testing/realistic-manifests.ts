import type { KubernetesObject } from '@kubernetes/client-node';

/** A manifest as a user would keep it in git, plus how one test changes it behind git's back. */
export interface ManifestCase {
  manifest: KubernetesObject & Record<string, unknown>;
  /** A strategic-merge (built-ins) or merge (custom resources) patch another actor applies. */
  mutation: Record<string, unknown>;
  /** The one path the engine must then report, in DESIGN's notation. */
  expectPath: string;
  expectOp: 'changed' | 'added';
}

const labels = { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/part-of': 'driftwatch-test' };

/**
 * What a team deploys: workloads with probes, ports, env and resources, a StatefulSet with volume
 * claim templates, networking, config, a Secret, RBAC, and a CRD with schema defaults plus a CR.
 * Everything is namespaced to `ns`; the CRD's group is unique per call so calls do not collide.
 */
export function realisticManifests(ns: string, crdGroup: string): { crd: ManifestCase; cases: ManifestCase[] } {
  const podSpec = {
    containers: [
      {
        name: 'app',
        image: 'ghcr.io/example/shop:1.4.2',
        args: ['--listen=:8080', '--log-format=json'],
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
        ],
        env: [
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } },
        ],
        resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
        readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 10 },
        volumeMounts: [{ name: 'config', mountPath: '/etc/shop' }],
      },
    ],
    volumes: [{ name: 'config', configMap: { name: 'shop-config' } }],
  };
  const crd: ManifestCase = {
    manifest: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `caches.${crdGroup}` },
      spec: {
        group: crdGroup,
        scope: 'Namespaced',
        names: { plural: 'caches', singular: 'cache', kind: 'Cache', listKind: 'CacheList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      size: { type: 'integer', default: 1 },
                      engine: { type: 'string', default: 'redis' },
                      memory: { 'x-kubernetes-int-or-string': true },
                      evictionPolicy: { type: 'string', default: 'allkeys-lru' },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
    mutation: { metadata: { labels: { owner: 'someone-else' } } },
    expectPath: 'metadata.labels.owner',
    expectOp: 'added',
  };
  const cases: ManifestCase[] = [
    {
      manifest: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'shop', namespace: ns, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'shop' } },
          template: { metadata: { labels: { app: 'shop' } }, spec: podSpec },
        },
      },
      mutation: { spec: { template: { spec: { containers: [{ name: 'app', image: 'ghcr.io/example/shop:1.4.3-hotfix' }] } } } },
      expectPath: 'spec.template.spec.containers[name=app].image',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'shop-db', namespace: ns, labels },
        spec: {
          serviceName: 'shop-db',
          replicas: 1,
          selector: { matchLabels: { app: 'shop-db' } },
          template: {
            metadata: { labels: { app: 'shop-db' } },
            spec: {
              containers: [
                {
                  name: 'postgres',
                  image: 'postgres:16',
                  ports: [{ containerPort: 5432, name: 'pg' }],
                  env: [{ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }],
                  resources: { requests: { cpu: '500m', memory: '1Gi' } },
                  volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
                },
              ],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
            },
          ],
        },
      },
      mutation: { spec: { replicas: 3 } },
      expectPath: 'spec.replicas',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'shop', namespace: ns, labels },
        spec: {
          selector: { app: 'shop' },
          ports: [
            { name: 'http', port: 80, targetPort: 8080 },
            { name: 'metrics', port: 9090, protocol: 'TCP' },
          ],
        },
      },
      mutation: { spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 8081 }] } },
      expectPath: 'spec.ports[port=80,protocol=TCP].targetPort',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'shop', namespace: ns, labels, annotations: { 'example.com/team': 'checkout' } },
        spec: {
          ingressClassName: 'nginx',
          tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
          rules: [
            {
              host: 'shop.example.com',
              http: {
                paths: [
                  { path: '/', pathType: 'Prefix', backend: { service: { name: 'shop', port: { name: 'http' } } } },
                ],
              },
            },
          ],
        },
      },
      mutation: { spec: { ingressClassName: 'traefik' } },
      expectPath: 'spec.ingressClassName',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'shop-config', namespace: ns, labels },
        data: { LOG_LEVEL: 'info', 'config.yaml': 'cache:\n  ttl: 30s\n' },
      },
      mutation: { data: { LOG_LEVEL: 'debug' } },
      expectPath: 'data.LOG_LEVEL',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'shop-db', namespace: ns, labels },
        type: 'Opaque',
        stringData: { password: 'canary-secret-value-1', username: 'shop' },
      },
      mutation: { data: { password: Buffer.from('canary-secret-value-2').toString('base64') } },
      expectPath: 'data.password',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'shop', namespace: ns, labels },
        automountServiceAccountToken: false,
      },
      mutation: { automountServiceAccountToken: true },
      expectPath: 'automountServiceAccountToken',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'shop-reader', namespace: ns, labels },
        rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'watch'] }],
      },
      mutation: { metadata: { labels: { 'app.kubernetes.io/part-of': 'something-else' } } },
      expectPath: 'metadata.labels["app.kubernetes.io/part-of"]',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'shop-reader', namespace: ns, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'shop-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'shop', namespace: ns }],
      },
      mutation: { metadata: { annotations: { 'example.com/reviewed-by': 'oncall' } } },
      expectPath: 'metadata.annotations["example.com/reviewed-by"]',
      expectOp: 'added',
    },
    {
      manifest: {
        apiVersion: `${crdGroup}/v1`,
        kind: 'Cache',
        metadata: { name: 'sessions', namespace: ns, labels },
        spec: { size: 3, memory: '512Mi' },
      },
      mutation: { spec: { evictionPolicy: 'volatile-ttl' } },
      expectPath: 'spec.evictionPolicy',
      expectOp: 'changed',
    },
  ];
  return { crd, cases };
}

/**
 * More kinds a team keeps in git, each with API-server defaults of its own: a DaemonSet, a
 * (suspended) Job and CronJob, an HPA, a PodDisruptionBudget, a NetworkPolicy (policyTypes is
 * defaulted), a PersistentVolumeClaim and a NodePort Service (the port is allocated on create).
 * Kept apart from realisticManifests, which the demo also deploys.
 */
export function moreRealisticManifests(ns: string): ManifestCase[] {
  const container = (name: string, image: string) => ({ name, image, resources: { requests: { cpu: '50m', memory: '64Mi' } } });
  return [
    {
      manifest: {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'node-agent', namespace: ns, labels },
        spec: {
          selector: { matchLabels: { app: 'node-agent' } },
          template: { metadata: { labels: { app: 'node-agent' } }, spec: { containers: [container('agent', 'ghcr.io/example/agent:0.9.1')], tolerations: [{ operator: 'Exists' }] } },
        },
      },
      mutation: { spec: { template: { spec: { containers: [{ name: 'agent', image: 'ghcr.io/example/agent:0.9.2' }] } } } },
      expectPath: 'spec.template.spec.containers[name=agent].image',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'migrate', namespace: ns, labels },
        spec: { suspend: true, backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [container('migrate', 'ghcr.io/example/shop-migrate:1.4.2')] } } },
      },
      mutation: { spec: { parallelism: 2 } },
      expectPath: 'spec.parallelism',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'nightly-report', namespace: ns, labels },
        spec: {
          schedule: '0 3 * * *',
          suspend: true,
          jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [container('report', 'ghcr.io/example/report:2.0.0')] } } } },
        },
      },
      mutation: { spec: { schedule: '0 4 * * *' } },
      expectPath: 'spec.schedule',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'shop', namespace: ns, labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
          minReplicas: 2,
          maxReplicas: 6,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
        },
      },
      mutation: { spec: { maxReplicas: 12 } },
      expectPath: 'spec.maxReplicas',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'shop', namespace: ns, labels },
        spec: { minAvailable: 1, selector: { matchLabels: { app: 'shop' } } },
      },
      mutation: { spec: { minAvailable: 2 } },
      expectPath: 'spec.minAvailable',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'shop-ingress', namespace: ns, labels },
        spec: {
          podSelector: { matchLabels: { app: 'shop' } },
          ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ port: 8080 }] }],
        },
      },
      mutation: { metadata: { annotations: { 'example.com/exception': 'INC-1234' } } },
      expectPath: 'metadata.annotations["example.com/exception"]',
      expectOp: 'added',
    },
    {
      manifest: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'uploads', namespace: ns, labels },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
      },
      mutation: { metadata: { labels: { 'app.kubernetes.io/name': 'uploads' } } },
      expectPath: 'metadata.labels["app.kubernetes.io/name"]',
      expectOp: 'changed',
    },
    {
      manifest: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'shop-nodeport', namespace: ns, labels },
        spec: { type: 'NodePort', selector: { app: 'shop' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      },
      mutation: { spec: { externalTrafficPolicy: 'Local' } },
      expectPath: 'spec.externalTrafficPolicy',
      expectOp: 'changed',
    },
  ];
}
