import { chmodSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '@/testing/temp-dirs';
import { SupervisedInformer, type InformerOptions, type InformerState } from './informer';
import { within } from '../../testing/within';

/*
 * Failure modes of the informer that a real API server cannot be made to show on demand: a watch
 * that never gets an answer, RBAC that allows list but not watch (the real server's version of
 * this is in informer.int.test.ts), a credential plugin that never returns. A small in-process
 * server stands in for the API server's list and watch answers.
 */

const tempDir = tempDirs('dw-informer-');

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

type WatchMode = 'silent' | 'forbidden' | 'open';

const fake = {
  watch: 'open' as WatchMode,
  names: ['a'],
  lists: 0,
  watches: 0,
  /** Watches answered with headers (mode 'open'). */
  opened: 0,
  /** How many watches had come when each list came. */
  watchesAtList: [] as number[],
  /** Watch requests left without an answer, ended when the test ends. */
  held: new Set<http.ServerResponse>(),
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (url.searchParams.get('watch') !== 'true') {
    fake.lists++;
    fake.watchesAtList.push(fake.watches);
    json(200, {
      kind: 'ConfigMapList',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(100 + fake.lists) },
      items: fake.names.map((name) => ({ metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '1' } })),
    });
    return;
  }
  fake.watches++;
  if (fake.watch === 'forbidden') {
    json(403, { kind: 'Status', reason: 'Forbidden', message: 'configmaps is forbidden: User "viewer" cannot watch resource "configmaps" in API group "" at the cluster scope', code: 403 });
    return;
  }
  fake.held.add(res);
  res.on('close', () => fake.held.delete(res));
  if (fake.watch === 'open') {
    fake.opened++;
    res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
  }
});

let serverUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const informers: SupervisedInformer[] = [];
afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
  for (const res of fake.held) res.destroy();
  Object.assign(fake, { watch: 'open', names: ['a'], lists: 0, watches: 0, opened: 0, watchesAtList: [] });
});

function kubeconfig(user: Record<string, unknown> = { name: 'u', token: 't' }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: serverUrl, skipTLSVerify: true }],
    users: [user],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

/** A user whose token comes from `script`, run as the kubeconfig's credential plugin. */
function pluginUser(script: string): Record<string, unknown> {
  const dir = tempDir();
  const command = join(dir, 'plugin.sh');
  writeFileSync(command, `#!/bin/sh\ncd ${JSON.stringify(dir)}\n${script}\n`);
  chmodSync(command, 0o755);
  return { name: 'u', exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command, args: [] } };
}

function informer(kc: KubeConfig, opts: Partial<InformerOptions> = {}): { informer: SupervisedInformer; states: InformerState[] } {
  const i = new SupervisedInformer(kc, {
    resource: { group: '', version: 'v1', name: 'configmaps', namespaced: true, kind: 'ConfigMap' },
    backoff: { initialMs: 10, maxMs: 20 },
    random: () => 0.5,
    ...opts,
  });
  informers.push(i);
  const states: InformerState[] = [];
  i.onState((s) => void states.push(s));
  return { informer: i, states };
}

describe('a watch that never gets an answer', () => {
  it('is an error, not silently `synced`, and from the second in a row the resource is listed again, staying an error', async () => {
    fake.watch = 'silent';
    const { informer: i, states } = informer(kubeconfig(), { watchdogMs: 300 });
    i.start();
    await i.synced();
    await until(() => fake.lists >= 3);
    // The first unanswered watch is reopened from the resume point; from the second each is followed by a list.
    expect(fake.watchesAtList.slice(0, 3)).toEqual([0, 2, 3]);
    // The lists that work do not make it `synced` in between: one state per step, not one per watchdog period.
    const statuses = states.map((s) => `${s.status}${s.message ? `: ${s.message}` : ''}`);
    expect(statuses).toEqual([
      'synced',
      'error: no answer to the watch within 0.3 s',
      'error: watches get no answer within 0.3 s while lists do (a proxy that holds streamed responses?): listing again after each instead',
    ]);
    expect(i.getState().counters).toMatchObject({ errors: 3, watchdogTimeouts: 3 });
    // A watch that opens ends the error for good.
    fake.watch = 'open';
    await until(() => fake.opened === 1 && i.getState().status === 'synced');
    const seen = states.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(states.slice(seen)).toEqual([]);
    expect(i.getState().status).toBe('synced');
  });
});

describe('RBAC that allows list but not watch', () => {
  it('stays `forbidden` with one message while listing again, and still delivers what the lists find', async () => {
    fake.watch = 'forbidden';
    const { informer: i, states } = informer(kubeconfig(), { forbiddenRetryMs: 150 });
    const added: string[] = [];
    i.onEvent((e) => void (e.type === 'added' && added.push(e.object.metadata.name)));
    i.start();
    await i.synced();
    fake.names = ['a', 'b'];
    await until(() => fake.lists >= 4);
    const message = 'may list but not watch v1/configmaps: listing again every 0.15 s (Forbidden: configmaps is forbidden: User "viewer" cannot watch resource "configmaps" in API group "" at the cluster scope)';
    expect(states.map((s) => [s.status, s.message])).toEqual([
      ['synced', undefined],
      ['forbidden', message],
    ]);
    expect(added).toEqual(['a', 'b']);
    expect(i.getState()).toMatchObject({ status: 'forbidden', objects: 2 });
    // Watch granted: synced once a watch opens.
    fake.watch = 'open';
    await until(() => i.getState().status === 'synced');
    expect(states.map((s) => s.status)).toEqual(['synced', 'forbidden', 'synced']);
  });
});

describe('a credential plugin that never answers', () => {
  it('makes the resource an error with the reason, and stop() returns', async () => {
    const { informer: i } = informer(kubeconfig(pluginUser('exec sleep 3600')), { requestTimeoutMs: 500 });
    i.start();
    await until(() => i.getState().status === 'error');
    expect(i.getState().message).toMatch(/^127\.0\.0\.1:\d+: credential plugin did not answer within 0\.5 s \(command: .*plugin\.sh\)$/);
    expect(await within(i.stop(), 3_000)).not.toBe('pending');
  });

  it('does not keep stop() waiting while the plugin runs', async () => {
    const { informer: i } = informer(kubeconfig(pluginUser('exec sleep 3600')));
    i.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(await within(i.stop(), 3_000)).not.toBe('pending');
  });

  it('ends a watch waiting for its credentials by the watchdog, as a watch with no answer', async () => {
    // Answers once (the list), then hangs (the watch).
    const { informer: i } = informer(kubeconfig(pluginUser(`if [ -e answered ]; then exec sleep 3600; fi\ntouch answered\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}'`)), { watchdogMs: 500 });
    i.start();
    await i.synced();
    await until(() => i.getState().status === 'error');
    expect(i.getState().message).toBe('no answer to the watch within 0.5 s');
    expect(fake.watches).toBe(0);
    expect(await within(i.stop(), 3_000)).not.toBe('pending');
  });
});
