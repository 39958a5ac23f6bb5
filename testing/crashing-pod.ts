/**
 * Puts a Pod into the state a kubelet would report after a crash. There is no kubelet in the test
 * cluster: the Pod is placed on the fake node (so pods/log reaches the fake kubelet) and its
 * status is written through the status subresource.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { FAKE_NODE_NAME } from './fake-kubelet';
import { CONTENT_TYPE, kubeWrite, objectPath } from './kube-write';

export interface CrashLoopOptions {
  container: string;
  image: string;
  exitCode: number;
  /** When the crashed instance ended. */
  finishedAt: Date;
  restarts: number;
  reason?: string;
}

/** Binds a Pending Pod to the fake node as the scheduler would (pods/binding). */
export async function bindToFakeNode(kc: KubeConfig, namespace: string, pod: string): Promise<void> {
  await kubeWrite(kc, 'POST', `${objectPath({ apiVersion: 'v1', resource: 'pods', namespace, name: pod })}/binding`, {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: pod, namespace },
    target: { apiVersion: 'v1', kind: 'Node', name: FAKE_NODE_NAME },
  });
}

/** status: Running, the container waiting in CrashLoopBackOff, its previous instance terminated. */
export async function setCrashLoopStatus(kc: KubeConfig, namespace: string, pod: string, o: CrashLoopOptions): Promise<void> {
  const finished = o.finishedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const started = new Date(o.finishedAt.getTime() - 2_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await kubeWrite(
    kc,
    'PATCH',
    `${objectPath({ apiVersion: 'v1', resource: 'pods', namespace, name: pod })}/status`,
    {
      status: {
        phase: 'Running',
        hostIP: '127.0.0.1',
        podIP: '10.244.0.7',
        startTime: started,
        conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: started }],
        containerStatuses: [
          {
            name: o.container,
            image: o.image,
            imageID: '',
            ready: false,
            started: false,
            restartCount: o.restarts,
            state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 40s restarting failed container=${o.container} pod=${pod}` } },
            lastState: { terminated: { exitCode: o.exitCode, reason: o.reason ?? 'Error', startedAt: started, finishedAt: finished, containerID: 'containerd://fake' } },
          },
        ],
      },
    },
    CONTENT_TYPE.merge,
  );
}
