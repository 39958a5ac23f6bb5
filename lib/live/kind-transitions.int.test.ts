/**
 * A kind whose informer is replaced (its CRD's served version moves) or that comes back from
 * forbidden, on the real API server through the whole runtime: declared objects keep their state
 * and `since` meanwhile, and flash through no other status (drift-tracker-lifecycle.test.ts has
 * the tracker's side).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../../testing/kube-write';
import { tempDirs } from '../../testing/temp-dirs';
import { startLiveRuntime, type LiveRuntimeOptions } from '../../testing/live-runtime';
import { crdVersion, dialCrd } from '../../testing/dial-crd';
import { READ_CONFIGMAPS, viewerRole } from '../../testing/viewer-role';
import { objectDetail } from './object-detail';
import type { DriftEvent } from './types';

const tempDir = tempDirs('dw-kinds-');
const GITOPS = 'gitops';

const applySsa = (kc: KubeConfig, resource: string, m: { apiVersion: string; metadata: { name: string; namespace?: string } }) =>
  kubeWrite(kc, 'PATCH', objectPath({ apiVersion: m.apiVersion, resource, namespace: m.metadata.namespace, name: m.metadata.name }, { fieldManager: GITOPS, force: 'true' }), m, CONTENT_TYPE.apply);

const start = (kubeconfig: string, dir: string, extra: Omit<LiveRuntimeOptions, 'fieldManager'> = {}) => startLiveRuntime(kubeconfig, dir, { fieldManager: GITOPS, ...extra });

const historyOf = (events: DriftEvent[], id: string) =>
  events.flatMap((e) => (e.type === 'upsert' && e.state.id === id ? [e.state.status] : e.type === 'delete' && e.id === id ? ['deleted'] : []));

describe('declared objects while their kind is listed again', () => {
  const { kc, state } = testCluster();
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const s of stops) await s().catch(() => undefined);
  });

  it('a declared-but-missing custom resource stays missing (no delete, same since) while its CRD\'s served version moves', async () => {
    const ns = uniqueName('kinds-swap');
    const dir = tempDir();
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const group = `${ns}.v.example.com`;
    const dial = (name: string) => ({ apiVersion: `${group}/v1`, kind: 'Dial', metadata: { name, namespace: ns }, spec: { level: 3 } });
    await applySsa(kc, 'customresourcedefinitions', dialCrd(group, [crdVersion('v1', true, true)]));
    stops.push(() => kubeWrite(kc, 'DELETE', objectPath({ apiVersion: 'apiextensions.k8s.io/v1', resource: 'customresourcedefinitions', name: `dials.${group}` }), undefined).then(() => undefined));
    await eventually(async () => applySsa(kc, 'dials', dial('d1')).then(() => true, () => undefined), 'the CRD served');
    writeFileSync(join(dir, 'dials.yaml'), `${JSON.stringify(dial('d1'))}\n---\n${JSON.stringify(dial('absent'))}\n`);
    const rt = await start(state.kubeconfig, dir, { config: { watch: { namespaces: [ns], pods: false } } });
    stops.push(() => rt.runtime.stop());
    const id = `test/${group}/Dial/${ns}/absent`;
    await eventually(async () => rt.runtime.get(id)?.state.status === 'missing', 'absent missing', 20_000);
    const since = rt.runtime.get(id)?.state.since;
    const mark = rt.events.length;
    await new Promise((r) => setTimeout(r, 20));
    await applySsa(kc, 'customresourcedefinitions', dialCrd(group, [crdVersion('v1', false, false), crdVersion('v2', true, true)]));
    await eventually(async () => rt.runtime.resourceStates().some((r) => r.group === group && r.version === 'v2' && r.status === 'synced'), 'watched as v2', 20_000);
    await eventually(async () => rt.runtime.get(id)?.state.status === 'missing', 'absent missing again', 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(historyOf(rt.events.slice(mark), id)).toEqual([]);
    expect(rt.runtime.get(id)?.state.since).toBe(since);
    rmSync(join(dir, 'dials.yaml'), { force: true });
  });

  it('a kind recovering from forbidden does not flash a declared object created meanwhile as missing', async () => {
    const ns = uniqueName('kinds-rbac');
    const dir = tempDir();
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const { role, binding } = viewerRole(ns, 'cms', READ_CONFIGMAPS);
    await applySsa(kc, 'roles', role);
    await applySsa(kc, 'rolebindings', binding);
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { a: '1' } });
    await applySsa(kc, 'configmaps', cm('here'));
    writeFileSync(join(dir, 'cms.yaml'), `${JSON.stringify(cm('here'))}\n---\n${JSON.stringify(cm('later'))}\n`);
    const rt = await start(state.kubeconfig, dir, {
      context: 'test-cluster-viewer',
      config: { watch: { namespaces: [ns], pods: false, customResources: false } },
      informer: { watchTimeoutSeconds: 2, forbiddenRetryMs: 1000 },
    });
    stops.push(() => rt.runtime.stop());
    const id = `test//ConfigMap/${ns}/later`;
    expect(rt.runtime.get(id)?.state.status).toBe('missing');
    // RBAC revoked: the next watch (2 s) is refused, the informer says forbidden.
    await kubeWrite(kc, 'DELETE', objectPath({ apiVersion: 'rbac.authorization.k8s.io/v1', resource: 'rolebindings', namespace: ns, name: binding.metadata.name }), undefined);
    await eventually(async () => rt.runtime.get(id)?.state.status === 'error', 'later: error (forbidden)', 30_000);
    // The live one keeps its last verdict, and its page says the dashboard can no longer see it.
    const here = objectDetail(rt.runtime, `test//ConfigMap/${ns}/here`, { showIgnored: false });
    expect(here?.state).toMatchObject({ status: 'in-sync', warnings: [expect.stringMatching(/^the dashboard may no longer list ConfigMap \(.*forbidden.*\): this is the last state it saw$/)] });
    await applySsa(kc, 'configmaps', cm('later'));
    const mark = rt.events.length;
    await applySsa(kc, 'rolebindings', binding);
    await eventually(async () => rt.runtime.get(id)?.state.status === 'in-sync', 'later in sync', 30_000);
    expect(historyOf(rt.events.slice(mark), id)).toEqual(['in-sync']);
    expect(objectDetail(rt.runtime, `test//ConfigMap/${ns}/here`, { showIgnored: false })?.state.warnings).toEqual([]);
  });
});
