import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDashboardConfig } from '../lib/config/dashboard-config';
import { DirectoryManifestFeed } from '../lib/live/manifest-feed';
import { LiveRuntime } from '../lib/live/runtime';
import { ownerTemplateBuilder } from '../lib/live/runtime-options';
import { getJson } from '../lib/kube/http';
import type { ObjectDriftState } from '../lib/live/types';
import { eventually, testCluster } from './cluster-fixture';
import { CRASH_MESSAGE, startDemoDrift, type DemoDrift } from './demo-drift';
import { DEMO_CRD_GROUP, DEMO_FIELD_MANAGER, DEMO_NAMESPACE, DEMO_REMOVED_LABEL, seedDemo } from './demo-seed';

describe('the demo seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-demo-seed-'));
  let rt: LiveRuntime | undefined;
  let drift: DemoDrift | undefined;
  afterAll(async () => {
    await drift?.stop();
    await rt?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the dashboard exactly the drift it announces, and can run twice', async () => {
    const { kc, state } = testCluster();
    await seedDemo(kc, join(dir, 'manifests'));
    const seeded = await seedDemo(kc, join(dir, 'manifests'));
    const config = parseDashboardConfig(
      { clusters: [{ name: 'demo', kubeconfig: state.kubeconfig }], manifests: [join(dir, 'manifests')], fieldManager: DEMO_FIELD_MANAGER, watch: { namespaces: [DEMO_NAMESPACE] } },
      'test',
    );
    rt = new LiveRuntime({ config, manifests: new DirectoryManifestFeed(config.manifests), ownerTemplate: ownerTemplateBuilder, log: () => undefined });
    await rt.start();
    await rt.ready(60_000);
    const names = (status: 'drifted' | 'missing') =>
      rt!
        .query({ limit: 100, status: [status], namespace: [DEMO_NAMESPACE] })
        .items.filter((s) => s.kind !== 'Pod')
        .map((s) => `${s.kind}/${s.name}`)
        .sort();
    await eventually(async () => names('drifted').length === seeded.drifted.length, 'the seeded drift', 30_000).catch(() => undefined);
    expect(names('drifted')).toEqual([...seeded.drifted].sort());
    expect(names('missing')).toEqual(seeded.missing);
    expect(rt.manifestProblems()).toEqual([]);
    // The `kubectl edit` of replicas and the label removed from the Service, each with its path.
    const changesOf = (kind: string, name: string) => rt!.get(`demo/${kind === 'Deployment' ? 'apps' : ''}/${kind}/${DEMO_NAMESPACE}/${name}`)?.state.changes ?? [];
    expect(changesOf('Deployment', 'shop')).toContainEqual(expect.objectContaining({ path: 'spec.replicas', live: 4, desired: 2, manager: expect.objectContaining({ name: 'kubectl-edit' }) }));
    expect(changesOf('Service', 'shop').map((c) => c.path)).toEqual([`metadata.labels["${DEMO_REMOVED_LABEL}"]`]);
  }, 120_000);

  it('keeps drifting: an operator rewriting an env var, two managers fighting over replicas, a resized custom resource, a Pod in CrashLoopBackOff', async () => {
    const { kc } = testCluster();
    expect(rt, 'the runtime of the first test').toBeDefined();
    drift = startDemoDrift(kc, { namespace: DEMO_NAMESPACE, crdGroup: DEMO_CRD_GROUP, periodMs: 400 });
    // What the dashboard's state shows over time, sampled faster than the actors change it.
    const seen = new Set<string>();
    const envPath = 'spec.template.spec.containers[name=app].env[name=CART_MODE].value';
    const sample = (s: ObjectDriftState | undefined, label: string) => {
      if (!s) return;
      seen.add(`${label} ${s.status}`);
      for (const c of s.changes) seen.add(`${label} ${c.path} ${c.manager?.name ?? '-'} ${JSON.stringify(c.live)}`);
    };
    const sampler = setInterval(() => {
      sample(rt!.get(`demo/apps/Deployment/${DEMO_NAMESPACE}/cart`)?.state, 'cart');
      sample(rt!.get(`demo/apps/StatefulSet/${DEMO_NAMESPACE}/shop-db`)?.state, 'db');
      sample(rt!.get(`demo/${DEMO_CRD_GROUP}/Cache/${DEMO_NAMESPACE}/sessions`)?.state, 'cache');
    }, 50);
    try {
      const want = [
        // The operator's value, then the declared one again: the field flaps.
        `cart ${envPath} cart-operator "turbo"`,
        'cart in-sync',
        'cart drifted',
        // Both sides of the fight, each as the field's owner.
        'db spec.replicas hpa-controller 3',
        'db spec.replicas kubectl-scale 2',
        'cache spec.size cache-operator 5',
        'cache spec.size cache-operator 6',
      ];
      await eventually(async () => want.every((w) => seen.has(w)), `ongoing drift (${want.join('; ')})`, 60_000).catch(() => undefined);
      expect(want.filter((w) => !seen.has(w)), [...seen].sort().join('\n')).toEqual([]);

      // The operator's Pod: CrashLoopBackOff, restarts counting up, the panic as its last termination.
      type PodList = { items: Array<{ status?: { containerStatuses?: Array<{ restartCount: number; state?: { waiting?: { reason?: string } }; lastState?: { terminated?: { message?: string } } }> } }> };
      const restarts = async () => {
        const pods = await getJson<PodList>(kc, `/api/v1/namespaces/${DEMO_NAMESPACE}/pods?labelSelector=app%3Dcart-operator`);
        const cs = pods.items[0]?.status?.containerStatuses?.[0];
        return cs?.state?.waiting?.reason === 'CrashLoopBackOff' && cs.lastState?.terminated?.message === CRASH_MESSAGE ? cs.restartCount : undefined;
      };
      const first = await eventually(restarts, 'the operator Pod in CrashLoopBackOff', 60_000);
      await eventually(async () => ((await restarts()) ?? 0) > first, 'another restart', 30_000);
      expect(drift.steps.crashloop).toBeGreaterThan(1);
    } finally {
      clearInterval(sampler);
    }
  }, 180_000);
});
