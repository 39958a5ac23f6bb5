/**
 * A cluster configured without a name is named after its kubeconfig context; the contexts
 * `aws eks update-kubeconfig` writes (`arn:aws:eks:<region>:<account>:cluster/<name>`) hold a
 * `/`, which would split object ids (`cluster/group/kind/namespace/name`) in the wrong place.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unknownClusterResponse } from '../api/runtime-request';
import { parseDashboardConfig } from '../config/dashboard-config';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { kubeWrite } from '../../testing/kube-write';
import { tempDirs } from '../../testing/temp-dirs';
import { namespaceOfEvent } from './event-log';
import { objectDetail } from './object-detail';
import { LiveRuntime } from './runtime';
import { parseObjectId, type DriftEvent } from './types';

const tempDir = tempDirs('dw-cluster-name-');
const EKS_CONTEXT = 'arn:aws:eks:eu-west-1:111122223333:cluster/prod';

describe('a cluster named after an EKS context (with `:` and `/`)', () => {
  const { kc, state } = testCluster();
  const ns = uniqueName('clname');
  let runtime: LiveRuntime;
  const events: DriftEvent[] = [];
  const logged: string[] = [];

  beforeAll(async () => {
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await kubeWrite(kc, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: ns }, data: { a: 'b' } });
    const kubeconfig = join(tempDir(), 'kubeconfig');
    const original = readFileSync(state.kubeconfig, 'utf8');
    // The admin context renamed (the cluster entry keeps its name).
    const renamed = original.replace(/^- name: test-cluster\n  context:/m, `- name: "${EKS_CONTEXT}"\n  context:`).replace(/^current-context: .*$/m, `current-context: "${EKS_CONTEXT}"`);
    expect(renamed).not.toBe(original);
    writeFileSync(kubeconfig, renamed);
    const config = parseDashboardConfig({ clusters: [{ kubeconfig }], watch: { pods: false, customResources: false, desiredKinds: false, include: ['configmaps'], namespaces: [ns] } }, 'test');
    runtime = new LiveRuntime({ config, log: (m) => logged.push(m) });
    runtime.events.subscribe((e) => events.push(e));
    await runtime.start();
    await runtime.ready(60_000);
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await kubeWrite(kc, 'DELETE', `/api/v1/namespaces/${ns}`, undefined).catch(() => undefined);
  });

  it('names it with dashes for the other characters, says so, and finds its objects by the ids it hands out', () => {
    const s = [...runtime.states()].find((x) => x.name === 'cm1');
    expect(s?.cluster).toBe('arn-aws-eks-eu-west-1-111122223333-cluster-prod');
    expect(logged).toContain(`cluster arn-aws-eks-eu-west-1-111122223333-cluster-prod: named after context ${EKS_CONTEXT} (set clusters[].name to choose the name)`);
    const id = s?.id ?? '';
    expect(runtime.get(id)?.state.name).toBe('cm1');
    expect(objectDetail(runtime, id, { showIgnored: false })).toBeDefined();
    expect(parseObjectId(id)).toMatchObject({ cluster: s?.cluster, group: '', kind: 'ConfigMap', namespace: ns, name: 'cm1' });
  });

  it('takes a cluster filter by that name, and answers the name a person would type with the one to use', async () => {
    const name = 'arn-aws-eks-eu-west-1-111122223333-cluster-prod';
    expect(runtime.clusterNames()).toEqual([name]);
    expect(unknownClusterResponse(runtime, [name], new Headers())).toBeUndefined();
    expect((JSON.parse(runtime.driftListJson({ cluster: [name], namespace: [ns], limit: 10 })) as { items: { name: string }[] }).items.map((i) => i.name)).toContain('cm1');
    const res = unknownClusterResponse(runtime, ['prod'], new Headers());
    expect(res?.status).toBe(400);
    expect(await res?.json()).toEqual({ error: { status: 400, message: `unknown cluster "prod": the configured cluster is ${name}` } });
  });

  it('scopes its delete events by their namespace', async () => {
    await kubeWrite(kc, 'DELETE', `/api/v1/namespaces/${ns}/configmaps/cm1`, undefined);
    const del = await eventually(async () => events.find((e) => e.type === 'delete'), 'the delete event');
    expect(namespaceOfEvent(del)).toBe(ns);
  });
});
