import { renameSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDashboardConfig } from '../config/dashboard-config';
import { tempDirs } from '../../testing/temp-dirs';
import { DirectoryManifestFeed } from './manifest-feed';
import type { DriftStore, FirstSyncInput } from '../store';
import { LiveRuntime } from './runtime';

const tempDir = tempDirs('dw-runtime-start-');

describe('a runtime whose configuration points at nothing usable', () => {
  it('is not ready without any cluster loaded, and says in its log why its manifests are not read', async () => {
    const dir = tempDir();
    const config = parseDashboardConfig({ clusters: [{ name: 'gone', kubeconfig: join(dir, 'no-such-kubeconfig') }], manifests: [join(dir, 'no-such-manifests')] }, 'test');
    const logged: string[] = [];
    const feed = new DirectoryManifestFeed(config.manifests, { rescanIntervalMs: 0, gitPollMs: 0 });
    const runtime = new LiveRuntime({ config, manifests: feed, log: (m) => logged.push(m) });
    try {
      await runtime.start();
      expect(runtime.nothingWatched()).toMatch(/^no cluster is watched: cluster gone: /);
      expect(runtime.isReady()).toBe(false);
      expect(await runtime.whenReady(200)).toBe(false);
      expect(logged).toContainEqual(expect.stringMatching(/^manifests .*no-such-manifests: the manifest directory does not exist; until it can be read, its objects are compared with the other sources \(last-applied, owner-template\)$/));
    } finally {
      await runtime.stop();
    }
  });
});

describe('a cluster that cannot be reached at start', () => {
  it('is ready (done trying) but tells the history nothing of what went: its objects are unknown, not gone', async () => {
    const dir = tempDir();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      ['apiVersion: v1', 'kind: Config', 'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]', 'users: [{name: u, user: {token: x}}]', 'contexts: [{name: c, context: {cluster: c, user: u}}]', 'current-context: c'].join('\n'),
    );
    const sweeps: FirstSyncInput[] = [];
    // Only the sweep is looked at; every other record goes nowhere.
    const store = new Proxy({}, { get: (_t, k) => (k === 'recordFirstSync' ? (v: FirstSyncInput) => sweeps.push(v) : () => Promise.resolve()) }) as unknown as DriftStore;
    const config = parseDashboardConfig({ clusters: [{ name: 'prod', kubeconfig }] }, 'test');
    const runtime = new LiveRuntime({ config, store, log: () => undefined });
    try {
      void runtime.start();
      expect(await runtime.whenReady(20_000)).toBe(true);
      // A few ticks of the timer that sweeps (every 100 ms).
      await new Promise((r) => setTimeout(r, 500));
      expect(sweeps).toEqual([]);
    } finally {
      await runtime.stop();
    }
  });
});

describe('a cluster with an aggregated API whose backend is down', () => {
  it('is swept all the same, leaving the objects of that group alone, and its kinds once the group answers', async () => {
    // A stand-in for the API server: discovery, lists, quiet watches. The aggregated group answers 503.
    const down = new Set(['metrics.example.com/v1']);
    const served = new Map([
      ['v1', [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['list', 'watch'] }]],
      ['metrics.example.com/v1', [{ name: 'samples', kind: 'Sample', namespaced: true, verbs: ['list', 'watch'] }]],
    ]);
    const json = (res: ServerResponse, status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      if (path === '/apis') {
        return json(res, 200, { groups: [{ name: 'metrics.example.com', versions: [{ groupVersion: 'metrics.example.com/v1', version: 'v1' }], preferredVersion: { groupVersion: 'metrics.example.com/v1', version: 'v1' } }] });
      }
      const gv = path === '/api/v1' ? 'v1' : path.replace(/^\/apis\//, '');
      const resources = served.get(gv);
      if (resources) return down.has(gv) ? json(res, 503, { kind: 'Status', code: 503, message: 'service unavailable' }) : json(res, 200, { groupVersion: gv, resources });
      if (url.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        return;
      }
      if (path === '/api/v1/configmaps') return json(res, 200, { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '1' }, items: [{ metadata: { name: 'kept', namespace: 'shop', uid: 'u1', resourceVersion: '1' } }] });
      if (path.endsWith('/samples') || path.endsWith('/customresourcedefinitions')) return json(res, 200, { kind: 'List', metadata: { resourceVersion: '1' }, items: [] });
      json(res, 404, { kind: 'Status', code: 404, message: 'not found' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = tempDir();
    const kubeconfig = join(dir, 'kubeconfig');
    const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(kubeconfig, ['apiVersion: v1', 'kind: Config', `clusters: [{name: c, cluster: {server: "${address}", insecure-skip-tls-verify: true}}]`, 'users: [{name: u, user: {}}]', 'contexts: [{name: c, context: {cluster: c, user: u}}]', 'current-context: c'].join('\n'));
    const sweeps: FirstSyncInput[] = [];
    const store = new Proxy({}, { get: (_t, k) => (k === 'recordFirstSync' ? (v: FirstSyncInput) => sweeps.push(v) : () => Promise.resolve()) }) as unknown as DriftStore;
    const config = parseDashboardConfig({ clusters: [{ name: 'prod', kubeconfig }], watch: { pods: false, include: ['configmaps', 'samples.metrics.example.com'] } }, 'test');
    const runtime = new LiveRuntime({ config, store, log: () => undefined });
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      void runtime.start();
      await until('the first sweep', () => sweeps.length > 0);
      expect(sweeps[0]).toMatchObject({ cluster: 'prod', listed: new Set(['/ConfigMap']), unknownGroups: new Set(['metrics.example.com']) });
      expect(sweeps[0]?.kinds).toBeUndefined();
      expect(sweeps[0]?.present).toEqual(new Set(['/ConfigMap/shop/kept']));
      // Back: its kinds are watched and listed, and swept on their own (the discovery retry, ~2 s).
      down.clear();
      await until('the sweep of its kinds', () => sweeps.length > 1);
      expect(sweeps[1]).toMatchObject({ kinds: new Set(['metrics.example.com/Sample']), listed: new Set(['metrics.example.com/Sample']) });
      await new Promise((r) => setTimeout(r, 1_200));
      expect(sweeps).toHaveLength(2);
    } finally {
      await runtime.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('manifest problems in the server log', () => {
  const until = async (what: string, ok: () => boolean): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  // As editors save: whole, never half-written where the watcher could read it.
  const save = (file: string, text: string) => {
    writeFileSync(`${file}.tmp~`, text);
    renameSync(`${file}.tmp~`, file);
  };

  it('says each one once when it appears, also in a file saved while the dashboard runs, and when it is fixed', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ok.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  namespace: default\n');
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\ndata:\n  a: b\n');
    const config = parseDashboardConfig({ clusters: [{ name: 'gone', kubeconfig: join(dir, 'no-such-kubeconfig') }], manifests: [dir] }, 'test');
    const logged: string[] = [];
    const feed = new DirectoryManifestFeed(config.manifests, { rescanIntervalMs: 0, gitPollMs: 0, debounceMs: 20 });
    const runtime = new LiveRuntime({ config, manifests: feed, log: (m) => logged.push(m) });
    const about = (file: string) => logged.filter((l) => l.includes(` ${file}:`));
    try {
      await runtime.start();
      expect(about('bad.yaml')).toEqual([expect.stringMatching(new RegExp(`^manifests ${dir}: bad.yaml:3: document 1: .*the \\{ here is still open at line 4$`))]);
      save(join(dir, 'later.yaml'), 'kind: ConfigMap\nmetadata:\n  name: later\n');
      await until('the new problem in the log', () => about('later.yaml').length > 0);
      expect(about('later.yaml')).toEqual([`manifests ${dir}: later.yaml:1: document 1: missing apiVersion`]);
      // A line added above the mistake moves it: the same problem, not said again.
      save(join(dir, 'bad.yaml'), '# moved down\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\ndata:\n  a: b\n');
      await until('the problem seen on its new line', () => runtime.manifestProblems().some((p) => p.file === 'bad.yaml' && p.line === 4));
      expect(about('bad.yaml')).toHaveLength(1);
      save(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
      await until('the fix in the log', () => logged.some((l) => l === 'manifests: 1 problem fixed; 1 left'));
      // Each said once, whatever else changed meanwhile.
      expect(about('bad.yaml')).toHaveLength(1);
      expect(about('later.yaml')).toHaveLength(1);
    } finally {
      await runtime.stop();
    }
  });
});
