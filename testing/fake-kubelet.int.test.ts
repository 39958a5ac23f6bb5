/** The test cluster's fake kubelet: its Node, its TLS endpoint and its control port. */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { getJson } from '../lib/kube/http';
import { testCluster } from './cluster-fixture';
import { FAKE_NODE_NAME } from './fake-kubelet';

const { kc, state } = testCluster();

interface NodeJson {
  spec?: { taints?: Array<{ key: string; effect: string }> };
  status?: { addresses?: Array<{ type: string; address: string }>; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

describe('fake kubelet', () => {
  it('is registered as a Node the API server can reach: InternalIP 127.0.0.1 and the kubelet port; tainted so nothing lands there unasked', async () => {
    expect(state.kubeletNodeName).toBe(FAKE_NODE_NAME);
    const node = await getJson<NodeJson>(kc, `/api/v1/nodes/${FAKE_NODE_NAME}`);
    expect(node.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(state.kubeletPort);
    expect(node.spec?.taints).toContainEqual({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
  });

  it('refuses log uploads without the admin token', async () => {
    const res = await fetch(`${state.kubeletControlUrl}/logs/ns/pod/c`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(401);
  });

  it('refuses kubelet requests without a client certificate, even from a client that trusts its CA', async () => {
    const ca = readFileSync(state.caCert);
    const err = await new Promise<unknown>((resolve) => {
      const req = https.get({ host: '127.0.0.1', port: state.kubeletPort, path: '/healthz', ca }, (res) => resolve(res.statusCode));
      req.on('error', resolve);
    });
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toMatch(/certificate required|alert|handshake|reset|socket hang up/i);
  });
});
