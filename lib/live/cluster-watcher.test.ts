import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterWatcher } from './cluster-watcher';

// Nothing listens on port 1 of loopback: every request fails at once, which is all this needs.
function unreachable(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const watchers: ClusterWatcher[] = [];
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop()));
});

function watcher(exclude: string[]): ClusterWatcher {
  const w = new ClusterWatcher({
    name: 'test',
    kc: unreachable(),
    watch: { pods: true, customResources: true, desiredKinds: true, include: [], exclude },
    desiredKinds: () => new Set(),
    tracker: { sources: ['manifest-dir'], diffOptions: {}, onEvent: () => undefined },
    informer: { requestTimeoutMs: 1_000 },
    log: () => undefined,
  });
  watchers.push(w);
  return w;
}

describe('ClusterWatcher start', () => {
  it('lists Pods from the start, before discovery has answered', () => {
    const w = watcher([]);
    void w.start().catch(() => undefined);
    expect(w.resourceStates().map((r) => [r.resource, r.reasons])).toEqual([['pods', ['pods']]]);
  });

  it('does not when the configuration excludes them', () => {
    const w = watcher(['pods']);
    void w.start().catch(() => undefined);
    expect(w.resourceStates()).toEqual([]);
  });
});
