import net from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from './http';

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
