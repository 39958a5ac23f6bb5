import { renameSync, writeFileSync } from 'node:fs';
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
