import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson, KubeApiError } from '@/lib/kube/http';
import { startTestCluster, type TestCluster } from './test-cluster';
import { ConfigMap } from './test-kinds';

// A cluster of its own: this file restarts and compacts it, which the shared one must not see.
let cluster: TestCluster | undefined;
afterAll(async () => cluster?.stop());

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function clientFor(c: TestCluster) {
  const kc = new KubeConfig();
  kc.loadFromFile(c.kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api) };
}

describe('test cluster lifecycle', () => {
  it('restarts at the same address with its data, and compaction makes old resourceVersions 410 Gone', async () => {
    cluster = await startTestCluster({ log: () => undefined });
    const first = cluster.state;
    const { kc, core } = clientFor(cluster);
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: ConfigMap('survivor', { k: 'v' }) });
    const oldRV = cm.metadata?.resourceVersion;

    await cluster.restart();
    expect(cluster.state.server).toBe(first.server);
    expect(cluster.state.pid).not.toBe(first.pid);
    expect(processAlive(first.pid)).toBe(false);
    expect(processAlive(first.controllerManagerPid)).toBe(false);
    // The old kubeconfig (same CA, same token) still works and the data survived.
    const again = await core.readNamespacedConfigMap({ name: 'survivor', namespace: 'default' });
    expect(again.data).toEqual({ k: 'v' });

    await core.createNamespacedConfigMap({ namespace: 'default', body: ConfigMap('newer', {}) });
    await cluster.compact();
    // A list at an exact compacted revision must be refused with 410 Gone.
    const exact = await getJson(kc, `/api/v1/namespaces/default/configmaps?resourceVersion=${oldRV}&resourceVersionMatch=Exact`)
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(exact).toBeInstanceOf(KubeApiError);
    expect((exact as KubeApiError).status).toBe(410);
  });

  it('stops without leaving processes or its temporary state directory behind', async () => {
    if (!cluster) throw new Error('previous test did not start a cluster');
    const { pid, controllerManagerPid } = cluster.state;
    const dir = cluster.stateDir;
    await cluster.stop();
    cluster = undefined;
    expect(processAlive(pid)).toBe(false);
    expect(processAlive(controllerManagerPid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('leaves no control plane behind when the process that started it is killed with SIGKILL', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', 'testing/fixtures/start-cluster-and-wait.ts'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: parent.stdout }).once('line', resolve);
      parent.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
    });
    const started = JSON.parse(line) as { stateDir: string; pid: number; kcm: number };
    expect(processAlive(started.pid)).toBe(true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 30_000;
    while ((processAlive(started.pid) || processAlive(started.kcm)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(processAlive(started.pid)).toBe(false);
    expect(processAlive(started.kcm)).toBe(false);
    rmSync(started.stateDir, { recursive: true, force: true });
  });
});
