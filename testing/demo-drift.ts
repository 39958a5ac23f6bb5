/**
 * Ongoing drift for the demo: actors that keep changing the seeded shop (testing/demo-seed.ts) the
 * way real ones do, so the dashboard has something live to show within a minute of starting:
 *
 * - `cart-operator` rewrites the `cart` Deployment's pod template env var CART_MODE, alternating
 *   between its own value and the declared one (a flapping field, a reconcile loop);
 * - `hpa-controller` and `kubectl-scale` fight over the `shop-db` StatefulSet's spec.replicas;
 * - `cache-operator` keeps resizing the `sessions` Cache (a custom resource's spec);
 * - the `cart-operator` Deployment's Pod crashes: its status says CrashLoopBackOff with a growing
 *   restart count and a nil-map panic as the last termination (status is written here because the
 *   local cluster has no kubelet).
 *
 * Only for the local demo cluster: Driftwatch itself never writes to a cluster it watches.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { getJson } from '../lib/kube/http';
import { CONTENT_TYPE, kubeWrite, objectPath } from './kube-write';

export interface DemoDriftOptions {
  namespace: string;
  /** The custom resource group the seed used (`demo.driftwatch.io`). */
  crdGroup: string;
  /** Period of the fastest actor; the others are multiples of it (default 4,000 ms). */
  periodMs?: number;
  log?: (msg: string) => void;
}

export interface DemoDrift {
  /** Steps each actor has taken. */
  readonly steps: Readonly<Record<DemoActor, number>>;
  stop(): Promise<void>;
}

export type DemoActor = 'operator-env' | 'replica-fight' | 'cache-resize' | 'crashloop';

/** The values `cart-operator` writes in turn; the second is the declared one, so drift opens and closes. */
export const OPERATOR_MODES = ['turbo', 'standard'] as const;
export const CRASH_MESSAGE = 'panic: assignment to entry in nil map\n\ngoroutine 1 [running]:\nmain.(*Reconciler).cachePodSpec(...)\n\t/src/operator/reconcile.go:88';

export function startDemoDrift(kc: KubeConfig, opts: DemoDriftOptions): DemoDrift {
  const ns = opts.namespace;
  const period = opts.periodMs ?? 4000;
  const log = opts.log ?? (() => undefined);
  const steps: Record<DemoActor, number> = { 'operator-env': 0, 'replica-fight': 0, 'cache-resize': 0, crashloop: 0 };
  const merge = (apiVersion: string, resource: string, name: string, manager: string, patch: unknown, sub = '') =>
    kubeWrite(kc, 'PATCH', objectPath({ apiVersion, resource, namespace: ns, name: `${name}${sub}` }, { fieldManager: manager }), patch, CONTENT_TYPE.merge);

  const actors: Record<DemoActor, { every: number; run: (n: number) => Promise<void> }> = {
    'operator-env': {
      every: 2,
      run: async (n) => {
        const mode = OPERATOR_MODES[n % OPERATOR_MODES.length]!;
        await kubeWrite(
          kc,
          'PATCH',
          objectPath({ apiVersion: 'apps/v1', resource: 'deployments', namespace: ns, name: 'cart' }, { fieldManager: 'cart-operator' }),
          { spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'CART_MODE', value: mode }] }] } } } },
          CONTENT_TYPE.strategic,
        );
      },
    },
    'replica-fight': {
      every: 1,
      run: async (n) => {
        const [manager, replicas] = n % 2 === 0 ? ['hpa-controller', 3] : ['kubectl-scale', 2];
        await merge('apps/v1', 'statefulsets', 'shop-db', manager as string, { spec: { replicas } });
      },
    },
    'cache-resize': {
      every: 3,
      run: async (n) => {
        await merge(`${opts.crdGroup}/v1`, 'caches', 'sessions', 'cache-operator', { spec: { size: 4 + (n % 3) } });
      },
    },
    crashloop: {
      every: 2,
      run: async (n) => {
        const pods = await getJson<{ items: Array<{ metadata: { name: string } }> }>(
          kc,
          `${objectPath({ apiVersion: 'v1', resource: 'pods', namespace: ns })}?labelSelector=${encodeURIComponent('app=cart-operator')}`,
        );
        // Whole seconds, as the kubelet writes them.
        const now = new Date(Math.floor(Date.now() / 1000) * 1000);
        const started = new Date(now.getTime() - 2000);
        for (const p of pods.items) {
          await merge('v1', 'pods', p.metadata.name, 'demo-kubelet', crashStatus(n + 1, started, now), '/status');
        }
      },
    },
  };

  let tick = 0;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const runTick = async () => {
    const t = tick++;
    for (const [name, a] of Object.entries(actors) as Array<[DemoActor, (typeof actors)[DemoActor]]>) {
      if (stopped || t % a.every !== 0) continue;
      try {
        await a.run(steps[name]);
        steps[name]++;
      } catch (err) {
        // The cluster may be busy or restarting: the next tick tries again.
        log(`demo drift: ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  const timer = setInterval(() => {
    running = running.then(runTick);
  }, period);
  running = running.then(runTick);
  return {
    steps,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/** A container that panics on start and is being backed off, as the kubelet would report it. */
export function crashStatus(restarts: number, startedAt: Date, finishedAt: Date) {
  return {
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: finishedAt.toISOString() }],
      containerStatuses: [
        {
          name: 'operator',
          image: 'ghcr.io/example/cart-operator:0.9.1',
          imageID: 'ghcr.io/example/cart-operator@sha256:4f1c0de1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d',
          ready: false,
          started: false,
          restartCount: restarts,
          state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.min(300, 10 * 2 ** Math.min(restarts, 5))}s restarting failed container=operator` } },
          lastState: { terminated: { exitCode: 2, reason: 'Error', message: CRASH_MESSAGE, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString() } },
        },
      ],
    },
  };
}
