import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '@/testing/temp-dirs';
import { getJson, open } from './http';
import { within } from '../../testing/within';

describe('request timeouts before an answer', () => {
  // Accepts the TCP connection and never says a word: a middlebox that drops the TLS handshake.
  const silent = net.createServer((socket) => socket.on('data', () => undefined));
  let kc: KubeConfig;

  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'silent', server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'not-sent' }],
      contexts: [{ name: 'silent', cluster: 'silent', user: 'u' }],
      currentContext: 'silent',
    });
  });
  afterAll(() => new Promise<void>((resolve) => silent.close(() => resolve())));

  it('bounds an unanswered TLS handshake by the request timeout (Node\'s socket timeout alone fires after twice it)', async () => {
    // Only the handshake timer gives this message; the socket timeout would say "no answer".
    await expect(getJson(kc, '/api', { timeoutMs: 500 })).rejects.toThrow(/^127\.0\.0\.1:\d+: connected, but no TLS handshake within 500ms$/);
    // A second request opens a connection of its own (the first was destroyed) and fails alike.
    await expect(getJson(kc, '/api', { timeoutMs: 500 })).rejects.toThrow(/no TLS handshake within 500ms/);
  });
});

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return condition();
}

describe('kubeconfig credential plugins (exec)', () => {
  const tempDir = tempDirs('dw-http-exec-');
  /** A plain-HTTP API server (skipTLSVerify, as client-node requires for http:) that answers {} and records Authorization. */
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  let serverUrl = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A kubeconfig whose user's credentials come from `script` (a shell script run as the plugin). */
  function withPlugin(script: string): { kc: KubeConfig; dir: string } {
    const dir = tempDir();
    const command = join(dir, 'plugin.sh');
    writeFileSync(command, `#!/bin/sh\ncd ${JSON.stringify(dir)}\n${script}\n`);
    chmodSync(command, 0o755);
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: serverUrl, skipTLSVerify: true }],
      users: [{ name: 'u', exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command, args: [] } }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    return { kc, dir };
  }
  const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'from-plugin' } });

  it('fails a request whose plugin never answers within its timeout, and ends the plugin', async () => {
    const { kc, dir } = withPlugin('echo $$ > pid\nexec sleep 3600');
    const outcome = await within(getJson(kc, '/api', { timeoutMs: 500 }), 3_000);
    expect(outcome).not.toBe('pending');
    expect(outcome).toMatchObject({ error: { message: expect.stringMatching(/^127\.0\.0\.1:\d+: credential plugin did not answer within 0\.5 s \(command: .*plugin\.sh\)$/) } });
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    // Nobody waits for it any more: it must not stay behind, one more for every request.
    expect(await until(() => !running(pid), 5_000)).toBe(true);
  });

  it('gives up waiting for a plugin when the request is aborted (a watch has no timeout of its own)', async () => {
    const { kc } = withPlugin('exec sleep 3600');
    const ac = new AbortController();
    const request = open(kc, '/api/v1/pods?watch=true', { signal: ac.signal, watch: true });
    setTimeout(() => ac.abort(), 200);
    expect(await within(request, 3_000)).toMatchObject({ error: { message: expect.stringMatching(/request aborted/) } });
  });

  it('runs one plugin for concurrent requests, and again for a later one', async () => {
    const { kc, dir } = withPlugin(`echo run >> runs\nsleep 0.3\necho '${credential}'`);
    seen.length = 0;
    const answers = await Promise.all(Array.from({ length: 5 }, () => getJson(kc, '/api', { timeoutMs: 10_000 })));
    expect(answers).toHaveLength(5);
    expect(seen).toEqual(Array.from({ length: 5 }, () => 'Bearer from-plugin'));
    expect(readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n')).toHaveLength(1);
    // Shared only while it runs: a credential without an expiry is asked for again, as client-node does.
    await getJson(kc, '/api', { timeoutMs: 10_000 });
    expect(readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n')).toHaveLength(2);
  });
});

describe('kubeconfig proxy-url', () => {
  const tempDir = tempDirs('dw-http-proxy-');
  /** An HTTP CONNECT proxy that records each tunnel it opens. */
  const tunnels: string[] = [];
  /** Tunnelled sockets are no longer the server's: closeAllConnections() does not end them. */
  const tunnelSockets = new Set<net.Socket>();
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    tunnelSockets.add(client);
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const answer = (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"APIVersions"}');
  let httpsServer: https.Server;
  const plainServer = http.createServer(answer);
  const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;
  const listen = (s: net.Server) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const close = (s: net.Server) => new Promise<void>((resolve) => s.close(() => resolve()));

  beforeAll(async () => {
    const dir = tempDir();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=127.0.0.1', '-days', '1'], { stdio: 'ignore' });
    httpsServer = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, answer);
    await Promise.all([listen(proxy), listen(httpsServer), listen(plainServer)]);
  });
  afterAll(async () => {
    httpsServer.closeAllConnections();
    plainServer.closeAllConnections();
    proxy.closeAllConnections();
    for (const socket of tunnelSockets) socket.destroy();
    await Promise.all([close(proxy), close(httpsServer), close(plainServer)]);
  });

  function through(server: string): KubeConfig {
    const kc = new KubeConfig();
    // As a kubeconfig file says it.
    kc.loadFromString(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true, 'proxy-url': `http://127.0.0.1:${portOf(proxy)}` } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'c',
      }),
    );
    return kc;
  }

  it('sends HTTPS requests through the proxy, keeping the tunnel alive for the next ones', async () => {
    tunnels.length = 0;
    const kc = through(`https://127.0.0.1:${portOf(httpsServer)}`);
    expect(kc.getCurrentCluster()?.proxyUrl).toMatch(/^http:/);
    for (let i = 0; i < 3; i++) expect(await getJson(kc, '/api', { timeoutMs: 5_000 })).toEqual({ kind: 'APIVersions' });
    expect(tunnels).toEqual([`127.0.0.1:${portOf(httpsServer)}`]);
    // A watch has its own pool, through the proxy too.
    const res = await open(kc, '/api/v1/pods?watch=true', { watch: true });
    res.resume();
    expect(tunnels).toEqual([`127.0.0.1:${portOf(httpsServer)}`, `127.0.0.1:${portOf(httpsServer)}`]);
  });

  it('sends plain-HTTP requests through the proxy too', async () => {
    tunnels.length = 0;
    const kc = through(`http://127.0.0.1:${portOf(plainServer)}`);
    expect(await getJson(kc, '/api', { timeoutMs: 5_000 })).toEqual({ kind: 'APIVersions' });
    expect(tunnels).toEqual([`127.0.0.1:${portOf(plainServer)}`]);
  });
});
