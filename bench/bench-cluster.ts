import { KubeConfig } from '@kubernetes/client-node';
import { readClusterState, startTestCluster, STATE_DIR_ENV, type ClusterState } from '../testing/test-cluster';
import { getJson } from '../lib/kube/http';
import { kubeWrite, objectPath, type ObjectRef } from '../testing/kube-write';

export interface BenchCluster {
  kc: KubeConfig;
  state: ClusterState;
  /** The state directory of a cluster left running (DRIFTWATCH_TEST_CLUSTER_STATE_DIR), undefined for one of our own. */
  stateDir?: string;
  stop(): Promise<void>;
}

/** Progress goes to stderr so that `--json` output on stdout stays machine-readable. */
export const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** The cluster named by DRIFTWATCH_TEST_CLUSTER_STATE_DIR (left running), or a fresh one of our own. */
export async function benchCluster(): Promise<BenchCluster> {
  const existing = process.env[STATE_DIR_ENV];
  const kc = new KubeConfig();
  if (existing) {
    const state = readClusterState(existing);
    kc.loadFromFile(state.kubeconfig);
    return { kc, state, stateDir: existing, stop: async () => undefined };
  }
  progress('starting a test cluster (set DRIFTWATCH_TEST_CLUSTER_STATE_DIR to reuse one)');
  const cluster = await startTestCluster({ log: (m) => progress(m) });
  kc.loadFromFile(cluster.kubeconfig);
  return { kc, state: cluster.state, stop: () => cluster.stop() };
}

/** Runs fn over items with at most `limit` in flight. */
export async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Creates a namespace; retries writes into it until its default ServiceAccount exists (Pods need it). */
export async function createNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const ref: ObjectRef = { apiVersion: 'v1', resource: 'serviceaccounts', namespace: name, name: 'default' };
  for (let i = 0; i < 200; i++) {
    try {
      await getJson(kc, objectPath(ref));
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`namespace ${name}: default ServiceAccount never appeared (is the controller manager running?)`);
}
