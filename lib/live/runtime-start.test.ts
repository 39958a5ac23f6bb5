import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDashboardConfig } from '../config/dashboard-config';
import { tempDirs } from '../../testing/temp-dirs';
import { DirectoryManifestFeed } from './manifest-feed';
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
