import {
  AppsV1Api,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testCluster, uniqueName } from './cluster-fixture';

const { kc } = testCluster();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const ns = uniqueName('tc');

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('test cluster control plane', () => {
  it('gives a new namespace its default ServiceAccount (serviceaccount controller runs)', async () => {
    const sa = await eventually(
      () => core.readNamespacedServiceAccount({ name: 'default', namespace: ns }),
      'default ServiceAccount',
    );
    expect(sa.metadata?.name).toBe('default');
  });

  it('turns a Deployment into a ReplicaSet and Pods with real owner references', async () => {
    const deployment: V1Deployment = {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
        },
      },
    };
    const created = await apps.createNamespacedDeployment({ namespace: ns, body: deployment });
    const deployUid = created.metadata?.uid;
    expect(deployUid).toBeTruthy();

    const rs = await eventually(async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace: ns });
      return list.items.find((r) => r.metadata?.ownerReferences?.some((o) => o.uid === deployUid));
    }, 'ReplicaSet owned by the Deployment');
    const rsOwner = rs.metadata?.ownerReferences?.[0];
    expect(rsOwner).toMatchObject({ kind: 'Deployment', name: 'web', controller: true });
    const hash = rs.metadata?.labels?.['pod-template-hash'];
    expect(hash).toMatch(/^[a-z0-9]+$/);

    const pods = await eventually(async () => {
      const list = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
      return list.items.length === 2 ? list.items : undefined;
    }, 'two Pods');
    for (const pod of pods) {
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({
        kind: 'ReplicaSet',
        name: rs.metadata?.name,
        uid: rs.metadata?.uid,
        controller: true,
      });
      expect(pod.metadata?.labels?.['pod-template-hash']).toBe(hash);
      // No scheduler or kubelet: Pods stay Pending, with the API server's defaults applied.
      expect(pod.status?.phase).toBe('Pending');
      expect(pod.spec?.containers[0]?.terminationMessagePath).toBe('/dev/termination-log');
      expect(pod.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-'))).toBe(true);
    }
  });

  it('garbage-collects a deleted Deployment’s ReplicaSet and Pods', async () => {
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: ns, propagationPolicy: 'Background' });
    await eventually(async () => {
      const [rs, pods] = await Promise.all([
        apps.listNamespacedReplicaSet({ namespace: ns }),
        core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' }),
      ]);
      return rs.items.length === 0 && pods.items.length === 0;
    }, 'ReplicaSet and Pods to be garbage-collected');
  });

  it('serves a CRD and lists its custom resources, with schema defaults applied', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const group = `${ns}.driftwatch.test`;
    const crdName = `widgets.${group}`;
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
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
                        size: { type: 'integer' },
                        color: { type: 'string', _default: 'blue' },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    });
    try {
      await eventually(async () => {
        const crd = await ext.readCustomResourceDefinition({ name: crdName });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      }, 'CRD to be established');
      const custom = kc.makeApiClient(CustomObjectsApi);
      await eventually(
        () =>
          custom.createNamespacedCustomObject({
            group,
            version: 'v1',
            namespace: ns,
            plural: 'widgets',
            body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } },
          }),
        'Widget to be created',
      );
      const list = (await custom.listNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural: 'widgets' })) as {
        items: { metadata: { name: string }; spec: { size: number; color: string } }[];
      };
      expect(list.items.map((i) => i.metadata.name)).toEqual(['w1']);
      expect(list.items[0]?.spec).toEqual({ size: 3, color: 'blue' });
    } finally {
      await ext.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
    }
  });
});
