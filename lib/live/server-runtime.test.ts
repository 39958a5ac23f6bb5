import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../testing/temp-dirs';
import { currentRuntime, startServerRuntime } from './server-runtime';

const tempDir = tempDirs('dw-server-runtime-');

describe('the server process\'s runtime', () => {
  const saved = process.env.DRIFTWATCH_CONFIG;
  afterAll(() => {
    if (saved === undefined) delete process.env.DRIFTWATCH_CONFIG;
    else process.env.DRIFTWATCH_CONFIG = saved;
  });

  it('reports a start that failed with its reason, not as a state that is still coming', async () => {
    const dir = tempDir();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:9' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const config = join(dir, 'driftwatch.json');
    // Two clusters with one name: a configuration the runtime refuses when it starts.
    writeFileSync(config, JSON.stringify({ clusters: [{ name: 'same', kubeconfig }, { name: 'same', kubeconfig }], dataDir: join(dir, 'data') }));
    process.env.DRIFTWATCH_CONFIG = config;
    await expect(startServerRuntime()).rejects.toThrow(/two clusters are named same/);
    expect(currentRuntime()).toEqual({ error: expect.stringMatching(/two clusters are named same/) });
  });
});
