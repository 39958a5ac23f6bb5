import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterState } from './test-cluster';

/**
 * What to do with one request: rewrite the API server's JSON answer (a function), answer a watch
 * with these events and end it (`watchEvents`), answer with an error status of the API's shape
 * (`status`), or undefined to leave it alone.
 */
export type ResponseRewrite = (request: {
  method: string;
  path: string;
}) => ((body: Record<string, unknown>) => unknown) | { watchEvents: unknown[] } | { status: number; message: string } | undefined;

/**
 * An HTTPS proxy in front of the test cluster's API server that can rewrite its JSON answers or
 * end watches with events of its choosing, for what a real API server does only in conditions a
 * test cannot arrange (an ERROR event from a watch cache behind the list's, as after an etcd
 * restore). Everything else is the real API server's: it serves with the server's own certificate
 * (the cluster's CA trusts it for 127.0.0.1) and forwards the client's headers, bearer token
 * included, so the server sees the client as it is.
 */
export interface HttpsRewriteProxy {
  port: number;
  /** A copy of `kc` whose current cluster is reached through the proxy. */
  kubeconfigThrough(kc: KubeConfig): KubeConfig;
  rewrite: ResponseRewrite | undefined;
  close(): Promise<void>;
}

export async function startHttpsRewriteProxy(stateDir: string, state: ClusterState): Promise<HttpsRewriteProxy> {
  const upstream = new https.Agent({ keepAlive: true, ca: readFileSync(state.caCert) });
  const proxy: HttpsRewriteProxy = {
    port: 0,
    rewrite: undefined,
    kubeconfigThrough(kc) {
      const current = kc.getCurrentCluster();
      if (!current) throw new Error('kubeconfig has no current cluster');
      const copy = new KubeConfig();
      copy.loadFromOptions({
        clusters: kc.clusters.map((c) => (c.name === current.name ? { ...c, server: `https://127.0.0.1:${proxy.port}` } : c)),
        users: kc.users,
        contexts: kc.contexts,
        currentContext: kc.currentContext,
      });
      return copy;
    },
    close: async () => {
      server.closeAllConnections();
      upstream.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = https.createServer({ cert: readFileSync(join(stateDir, 'pki', 'apiserver.crt')), key: readFileSync(join(stateDir, 'pki', 'apiserver.key')) }, (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const rewrite = proxy.rewrite?.({ method, path });
    if (rewrite !== undefined && 'status' in rewrite) {
      req.resume();
      res.writeHead(rewrite.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: rewrite.status, message: rewrite.message }));
      return;
    }
    if (rewrite !== undefined && typeof rewrite !== 'function') {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(rewrite.watchEvents.map((e) => `${JSON.stringify(e)}\n`).join(''));
      return;
    }
    const up = https.request({ host: '127.0.0.1', port: state.apiServerPort, path, method, headers: req.headers, agent: upstream }, (ur) => {
      if (rewrite === undefined || ur.statusCode !== 200) {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        // A watch's headers come at once and its body only with an event: pass them on as the
        // API server sends them, not with the first event.
        res.flushHeaders();
        ur.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        const body = JSON.stringify(rewrite(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>));
        const headers = { ...ur.headers, 'content-length': String(Buffer.byteLength(body)) };
        delete headers['transfer-encoding'];
        res.writeHead(200, headers);
        res.end(body);
      });
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  proxy.port = (server.address() as AddressInfo).port;
  return proxy;
}
