import { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { readClusterState, type ClusterState } from './test-cluster';

/** The running test cluster, for integration tests: its state and an admin KubeConfig. */
export function testCluster(): { state: ClusterState; kc: KubeConfig; stateDir: string } {
  const stateDir = inject('testClusterStateDir');
  const state = readClusterState(stateDir);
  const kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  return { state, kc, stateDir };
}

/** A namespace name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
