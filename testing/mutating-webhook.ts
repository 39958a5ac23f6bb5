import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeWrite, objectPath } from './kube-write';
import type { ClusterState } from './test-cluster';

/** One RFC 6902 operation, as a webhook answers with them. */
export interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

export interface PodMutatingWebhook {
  /** Pods the API server sent for admission (their names as created, generateName's included). */
  admitted: string[];
  close(): Promise<void>;
}

const WEBHOOKS = { apiVersion: 'admissionregistration.k8s.io/v1', resource: 'mutatingwebhookconfigurations' } as const;

/**
 * A real mutating admission webhook for Pods created in one namespace, as sidecar injectors and
 * policy engines are: the test cluster's API server calls it over HTTPS (served with the API
 * server's own certificate, which the cluster's CA vouches for at 127.0.0.1) for each Pod
 * created there, and applies the JSON patch `mutate` returns, before the Pod is stored. It is the
 * only way a Pod's containers can differ from its controller's template on a real cluster: a
 * running Pod's env cannot be patched at all.
 */
export async function startPodMutatingWebhook(
  kc: KubeConfig,
  stateDir: string,
  state: ClusterState,
  namespace: string,
  mutate: (pod: Record<string, unknown>) => JsonPatchOp[],
): Promise<PodMutatingWebhook> {
  const admitted: string[] = [];
  const server = https.createServer({ cert: readFileSync(join(stateDir, 'pki', 'apiserver.crt')), key: readFileSync(join(stateDir, 'pki', 'apiserver.key')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: { uid: string; object: Record<string, unknown> } };
      const pod = review.request.object;
      const meta = (pod.metadata ?? {}) as { name?: string; generateName?: string };
      admitted.push(meta.name ?? `${meta.generateName ?? ''}*`);
      const ops = mutate(pod);
      const response = {
        uid: review.request.uid,
        allowed: true,
        ...(ops.length > 0 ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') } : {}),
      };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const name = `driftwatch-test-${namespace}`;
  await kubeWrite(kc, 'POST', objectPath(WEBHOOKS), {
    apiVersion: WEBHOOKS.apiVersion,
    kind: 'MutatingWebhookConfiguration',
    metadata: { name },
    webhooks: [
      {
        name: 'pods.driftwatch.test',
        clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: readFileSync(state.caCert).toString('base64') },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        // Only this namespace: other tests share the cluster.
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
      },
    ],
  });
  return {
    admitted,
    close: async () => {
      await kubeWrite(kc, 'DELETE', objectPath({ ...WEBHOOKS, name }), undefined).catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
