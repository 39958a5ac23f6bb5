/**
 * Findings from real API-server behaviour: writes go to the test cluster, a minimal pipeline (GET
 * after each write, the drift engine, managedFields) feeds the store the way lib/live does.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffObjects, ownerOf, parsePath } from '../drift';
import { getJson } from '../kube/http';
import { testCluster, uniqueName } from '../../testing/cluster-fixture';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../../testing/kube-write';
import { openStore } from './open-store';
import type { DriftStore, ObjectRef } from './types';
import { tempDirs } from '../../testing/temp-dirs';

// Made while the file is collected, removed after it even when a filter skips their describe block.
const tempDir = tempDirs('driftwatch-store-cluster-');

interface LiveObject {
  metadata: { resourceVersion: string; uid: string; managedFields?: unknown };
  spec?: unknown;
}

describe('findings from a real API server', () => {
  const { kc } = testCluster();
  const ns = uniqueName('store-findings');
  const dir = tempDir();
  let store: DriftStore;
  const deployment = (replicas: number) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.9' }] },
      },
    },
  });
  const desired = deployment(2);
  const apiRef = { apiVersion: 'apps/v1', resource: 'deployments', namespace: ns, name: 'web' };
  const ref: ObjectRef & { version: string } = { cluster: 'test', group: 'apps', version: 'v1', kind: 'Deployment', namespace: ns, name: 'web' };
  // Whether an update changed the spec: compared, as the pipeline does (a Deployment's generation
  // also moves on annotation changes, so it cannot tell).
  let lastSpec = '';

  beforeAll(async () => {
    store = await openStore({ dataDir: dir, retention: { intervalMs: 0 }, log: () => undefined });
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  });
  afterAll(async () => {
    await store.close();
    await kubeWrite(kc, 'DELETE', `/api/v1/namespaces/${ns}`, undefined).catch(() => undefined);
  });

  /** What the live pipeline does on a watch event of the object. */
  async function observe(writerPath: string): Promise<void> {
    const live = await getJson<LiveObject>(kc, objectPath(apiRef));
    const at = new Date();
    const spec = JSON.stringify(live.spec);
    const manager = ownerOf(live.metadata.managedFields, parsePath(writerPath))?.name;
    store.recordObjectWrite({
      ref,
      at,
      resourceVersion: live.metadata.resourceVersion,
      specChanged: spec !== lastSpec,
      ...(manager !== undefined ? { manager } : {}),
    });
    lastSpec = spec;
    const report = diffObjects(desired, live, { fieldManager: 'gitops' });
    store.recordObjectState({
      ...ref,
      uid: live.metadata.uid,
      at,
      status: report.drift ? 'drifted' : 'in-sync',
      source: 'test',
      resourceVersion: live.metadata.resourceVersion,
      changes: report.changes,
    });
  }

  const apply = (manager: string, body: unknown) =>
    kubeWrite(kc, 'PATCH', objectPath(apiRef, { fieldManager: manager, force: 'true' }), body, CONTENT_TYPE.apply);

  it('flags two field managers alternately writing spec.replicas as a fight naming both', async () => {
    await apply('gitops', desired);
    await observe('spec.replicas');
    for (let i = 0; i < 4; i++) {
      await apply('hpa-controller', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 5 + i } });
      await observe('spec.replicas');
      await apply('gitops', desired);
      await observe('spec.replicas');
    }
    await store.flush();
    const fights = await store.listFindings({ kind: 'fight', namespace: ns });
    expect(fights).toHaveLength(1);
    expect(fights[0]).toMatchObject({ path: 'spec.replicas', managers: ['gitops', 'hpa-controller'], object: { kind: 'Deployment', name: 'web' } });
    const h = await store.objectHistory(ref);
    const episodes = h?.episodes.filter((e) => e.path === 'spec.replicas') ?? [];
    expect(episodes).toHaveLength(4);
    expect(episodes.every((e) => e.closedAt !== undefined)).toBe(true);
    expect(episodes.map((e) => e.transitions[0]?.live)).toEqual([5, 6, 7, 8]);
    expect(episodes[0]?.transitions[0]?.manager?.name).toBe('hpa-controller');
    expect(h?.findings.map((f) => f.kind)).toContain('fight');
  });

  it('flags an object rewritten 50 times in a minute without a spec change as a reconcile loop', async () => {
    const started = Date.now();
    for (let i = 0; i < 50; i++) {
      await kubeWrite(
        kc,
        'PATCH',
        objectPath(apiRef, { fieldManager: 'busy-operator' }),
        { metadata: { annotations: { 'example.com/reconciled': String(i) } } },
        CONTENT_TYPE.merge,
      );
      await observe('metadata.annotations["example.com/reconciled"]');
    }
    expect(Date.now() - started).toBeLessThan(60_000);
    await store.flush();
    const loops = await store.listFindings({ kind: 'reconcile-loop', namespace: ns });
    expect(loops).toHaveLength(1);
    expect(loops[0]?.managers).toEqual(['busy-operator']);
    expect(loops[0]?.count).toBeGreaterThanOrEqual(50);
    const h = await store.objectHistory(ref, { limit: 1_000 });
    expect(h?.writes.filter((w) => !w.specChanged && w.manager === 'busy-operator')).toHaveLength(50);
  });
});
