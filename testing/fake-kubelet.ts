/**
 * Container logs for Pods on the test cluster's fake node. There is no kubelet: test-cluster/
 * kubelet.go registers a Node whose kubelet endpoint serves what is PUT here, and the API server
 * proxies `pods/log` to it exactly as it would to a kubelet (spec.nodeName -> Node -> TLS).
 */
import type { ClusterState } from './test-cluster';

/** A Pod is "on" the fake node when its spec.nodeName is this (set it at creation or via pods/binding). */
export const FAKE_NODE_NAME = 'driftwatch-fake-node';

export async function setContainerLog(
  state: Pick<ClusterState, 'kubeletControlUrl' | 'adminToken'>,
  namespace: string,
  pod: string,
  container: string,
  text: string | Buffer,
  opts: { previous?: boolean } = {},
): Promise<void> {
  if (!state.kubeletControlUrl) throw new Error('this test cluster has no fake kubelet (state.json lacks kubeletControlUrl): rebuild test-cluster/');
  const path = [namespace, pod, container].map(encodeURIComponent).join('/');
  const res = await fetch(`${state.kubeletControlUrl}/logs/${path}${opts.previous ? '?previous=true' : ''}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${state.adminToken}`, 'Content-Type': 'text/plain' },
    body: typeof text === 'string' ? text : new Uint8Array(text),
  });
  if (res.status !== 204) throw new Error(`fake kubelet: PUT ${path}: HTTP ${res.status} ${await res.text()}`);
}
