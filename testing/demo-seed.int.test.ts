import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDashboardConfig } from '../lib/config/dashboard-config';
import { DirectoryManifestFeed } from '../lib/live/manifest-feed';
import { LiveRuntime } from '../lib/live/runtime';
import { ownerTemplateBuilder } from '../lib/live/runtime-options';
import { eventually, testCluster } from './cluster-fixture';
import { DEMO_FIELD_MANAGER, DEMO_NAMESPACE, seedDemo } from './demo-seed';

describe('the demo seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-demo-seed-'));
  let rt: LiveRuntime | undefined;
  afterAll(async () => {
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
  }, 120_000);
});
