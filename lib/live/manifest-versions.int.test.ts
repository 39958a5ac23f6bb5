/**
 * Manifests of one kind written for two versions (autoscaling/v2 HPAs and a legacy autoscaling/v1
 * one), on the real API server through the whole runtime: the kind is watched in the version most
 * are written for, and the other one is compared with the object as the API server converts it to
 * its manifest's version, not across versions (research/false-positives.md #23).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../../testing/kube-write';
import { tempDirs } from '../../testing/temp-dirs';
import { startLiveRuntime } from '../../testing/live-runtime';
import { objectDetail } from './object-detail';
import { renderMetrics } from './metrics';

const tempDir = tempDirs('dw-versions-');
const GITOPS = 'gitops';
const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

const hpaV2 = (name: string, namespace: string, cpu: number) => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name, namespace },
  spec: { scaleTargetRef: target, minReplicas: 1, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } }] },
});
const hpaV1 = (name: string, namespace: string, cpu: number) => ({
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name, namespace },
  spec: { scaleTargetRef: target, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: cpu },
});

describe('manifests of one kind in two versions', () => {
  const { kc, state } = testCluster();
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const s of stops) await s().catch(() => undefined);
  });

  it('compares the minority in its own version: in sync when equal, the change by its own name when changed', async () => {
    const ns = uniqueName('versions');
    const dir = tempDir();
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const manifests = [hpaV2('a', ns, 70), hpaV2('b', ns, 70), hpaV1('legacy', ns, 80)];
    for (const m of manifests) {
      await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: m.apiVersion, resource: 'horizontalpodautoscalers', namespace: ns, name: m.metadata.name }, { fieldManager: GITOPS, force: 'true' }), m, CONTENT_TYPE.apply);
    }
    writeFileSync(join(dir, 'hpas.yaml'), manifests.map((m) => JSON.stringify(m)).join('\n---\n'));
    const { runtime, events } = await startLiveRuntime(state.kubeconfig, dir, { fieldManager: GITOPS, config: { watch: { namespaces: [ns], pods: false, customResources: false } } });
    stops.push(() => runtime.stop());

    expect(runtime.resourceStates().find((r) => r.resource === 'horizontalpodautoscalers')).toMatchObject({ version: 'v2', status: 'synced' });
    const id = `test/autoscaling/HorizontalPodAutoscaler/${ns}/legacy`;
    // Complete at ready: its read in v1 was awaited, and its first verdict was the only one.
    expect(runtime.get(id)?.state).toMatchObject({ status: 'in-sync', version: 'v1', warnings: [], changes: [] });
    expect(objectDetail(runtime, id, { showIgnored: false })?.live?.object).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 80 } });
    for (const name of ['a', 'b']) expect(runtime.get(`test/autoscaling/HorizontalPodAutoscaler/${ns}/${name}`)?.state).toMatchObject({ status: 'in-sync', version: 'v2', warnings: [] });
    expect(events.filter((e) => e.type === 'upsert' && e.state.id === id).map((e) => e.type === 'upsert' && e.state.status)).toEqual(['in-sync']);

    // Someone changes the CPU target through v2: the v1 manifest's field is what changed.
    const edited = hpaV2('legacy', ns, 50);
    await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'autoscaling/v2', resource: 'horizontalpodautoscalers', namespace: ns, name: 'legacy' }, { fieldManager: 'kubectl-edit' }), { spec: { metrics: edited.spec.metrics } }, CONTENT_TYPE.merge);
    await eventually(async () => runtime.get(id)?.state.status === 'drifted', 'legacy drifted', 20_000);
    expect(runtime.get(id)?.state).toMatchObject({ version: 'v1', warnings: [], changes: [{ path: 'spec.targetCPUUtilizationPercentage', op: 'changed', desired: 80, live: 50 }] });
    // The others, in v2, were not touched.
    expect(runtime.get(`test/autoscaling/HorizontalPodAutoscaler/${ns}/a`)?.state.status).toBe('in-sync');

    // Reverted through v1: in sync again.
    await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'autoscaling/v1', resource: 'horizontalpodautoscalers', namespace: ns, name: 'legacy' }, { fieldManager: 'kubectl-edit' }), { spec: { targetCPUUtilizationPercentage: 80 } }, CONTENT_TYPE.merge);
    await eventually(async () => runtime.get(id)?.state.status === 'in-sync', 'legacy in sync again', 20_000);
    expect(runtime.get(id)?.state.warnings).toEqual([]);
    // Read at start and after each of the two changes; none failed.
    const reads = (result: string) => Number(new RegExp(`^driftwatch_version_reads_total\\{cluster="test",result="${result}"\\} (\\d+)$`, 'm').exec(renderMetrics(runtime))?.[1]);
    expect(reads('ok')).toBeGreaterThanOrEqual(3);
    expect(reads('failed')).toBe(0);
  });
});
