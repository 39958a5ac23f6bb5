/**
 * Crash reports against the real API server: a Deployment's Pod on the test cluster's fake node
 * (test-cluster/kubelet.go), in CrashLoopBackOff, whose previous log holds a real Go panic. The
 * log reaches us as it would from a kubelet: pods/log -> spec.nodeName -> Node -> kubelet port.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { bindToFakeNode, setCrashLoopStatus } from '../../testing/crashing-pod';
import { setContainerLog } from '../../testing/fake-kubelet';
import { crashLine, runGoCrashes, type GoRun } from '../../testing/go-crash';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../../testing/kube-write';
import { viewerRole } from '../../testing/viewer-role';
import type { KubeObject } from './cache-diff';
import { getJson, KubeApiError } from './http';
import { objectCrashReport } from './pod-crash-report';
import { fetchContainerLog } from './pod-logs';

const { kc, state } = testCluster();
const ns = uniqueName('crash');
let panic: GoRun;
let podName = '';
const limits = { tailLines: 500, limitBytes: 256 * 1024, maxPods: 10, maxLogFetches: 4 };

beforeAll(async () => {
  panic = (await runGoCrashes(['nilmap'])).nilmap;
  await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await eventually(() => getJson(kc, `/api/v1/namespaces/${ns}/serviceaccounts/default`), 'default ServiceAccount');
  await kubeWrite(kc, 'POST', objectPath({ apiVersion: 'apps/v1', resource: 'deployments', namespace: ns }), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'operator' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'operator' } },
      template: { metadata: { labels: { app: 'operator' } }, spec: { containers: [{ name: 'manager', image: 'ghcr.io/acme/operator:1.2' }] } },
    },
  });
  const pod = await eventually(async () => {
    const l = await getJson<{ items: KubeObject[] }>(kc, objectPath({ apiVersion: 'v1', resource: 'pods', namespace: ns }, { labelSelector: 'app=operator' }));
    return l.items[0];
  }, 'the ReplicaSet’s Pod');
  podName = pod.metadata.name;
  await bindToFakeNode(kc, ns, podName);
  await setCrashLoopStatus(kc, ns, podName, { container: 'manager', image: 'ghcr.io/acme/operator:1.2', exitCode: panic.exitCode, finishedAt: new Date(), restarts: 3 });
  await setContainerLog(state, ns, podName, 'manager', panic.output, { previous: true });
}, 240_000);

afterAll(async () => {
  await kubeWrite(kc, 'DELETE', `/api/v1/namespaces/${ns}`, undefined).catch(() => undefined);
});

describe('previous-container logs through the API server', () => {
  it('reads the previous log of a Pod on the fake node, bounded by tailLines', async () => {
    const log = await fetchContainerLog(kc, ns, podName, { container: 'manager', previous: true, tailLines: 3, limitBytes: 4096 });
    expect(log.text.trimEnd().split('\n')).toHaveLength(3);
    expect(panic.output.endsWith(log.text)).toBe(true);
    expect(log.truncated).toBe(false);
  });

  it('stops at limitBytes, keeping the end of the log (where a crash is) rather than the start of the tail', async () => {
    const log = await fetchContainerLog(kc, ns, podName, { container: 'manager', previous: true, tailLines: 1000, limitBytes: 16 });
    expect(log.bytes).toBeGreaterThan(0);
    expect(log.bytes).toBeLessThanOrEqual(16);
    expect(log.truncated).toBe(true);
    expect(log.tailLines).toBeLessThan(1000);
    expect(log.text).not.toBe(panic.output.slice(0, 16));
    expect(panic.output.slice(-400)).toContain(log.text);
  });

  it('reports the API server’s error for a log that is not there', async () => {
    const err = await fetchContainerLog(kc, ns, podName, { container: 'manager', previous: false, tailLines: 10, limitBytes: 1024 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(404);
  });
});

describe('objectCrashReport', () => {
  it('a Deployment: its Pod, CrashLoopBackOff, the nil-map panic with file:line and exit code', async () => {
    const r = await objectCrashReport(kc, { group: 'apps', kind: 'Deployment', namespace: ns, name: 'operator' }, limits);
    expect(r.pods).toHaveLength(1);
    const p = r.pods[0]!;
    expect(p.name).toBe(podName);
    expect(p.owner?.kind).toBe('ReplicaSet');
    expect(p.health.verdict).toBe('degraded');
    expect(p.health.problems).toEqual(['CrashLoopBackOff']);
    expect(p.crashed).toHaveLength(1);
    const c = p.crashed[0]!;
    expect(c).toMatchObject({ container: 'manager', instance: 'previous', restarts: 3, termination: { exitCode: 2 } });
    expect(c.log).toMatchObject({ fetched: true, previous: true, truncated: false });
    expect(c.crash).toMatchObject({ kind: 'go-panic', message: 'assignment to entry in nil map', exitCode: 2, exitCodeFrom: 'status', frame: { file: 'main.go', line: crashLine('nilmap') } });
    // The summary is all that is returned: the masked token of the log's first line is not in it.
    expect(JSON.stringify(r)).not.toContain('s3cr3t-t0ken-value');
  });

  it('a Pod: its owners up to the Deployment', async () => {
    const r = await objectCrashReport(kc, { group: '', kind: 'Pod', namespace: ns, name: podName }, limits);
    expect(r.owners.map((o) => o.kind)).toEqual(['ReplicaSet', 'Deployment']);
    expect(r.pods[0]?.crashed[0]?.crash?.message).toBe('assignment to entry in nil map');
  });

  it('with no log budget left, the crash is reported from status alone', async () => {
    // A KubeConfig of its own: the logs the tests before read are remembered per KubeConfig.
    const fresh = new KubeConfig();
    fresh.loadFromFile(state.kubeconfig);
    const r = await objectCrashReport(fresh, { group: 'apps', kind: 'Deployment', namespace: ns, name: 'operator' }, { ...limits, maxLogFetches: 0 });
    const c = r.pods[0]!.crashed[0]!;
    expect(c.crash).toBeUndefined();
    expect(c.log.fetched).toBe(false);
    expect(c.log.error).toMatch(/at most 0 logs/);
    expect(c.termination.exitCode).toBe(2);
  });

  it("a CronJob: its Jobs' Pods, asked for by the Jobs' uids (not every Pod of the namespace)", async () => {
    const cron = await kubeWrite<KubeObject>(kc, 'POST', objectPath({ apiVersion: 'batch/v1', resource: 'cronjobs', namespace: ns }), {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly' },
      spec: { schedule: '0 0 1 1 *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'x' }] } } } } },
    });
    // As the CronJob controller would make it at the scheduled time.
    await kubeWrite(kc, 'POST', objectPath({ apiVersion: 'batch/v1', resource: 'jobs', namespace: ns }), {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'nightly-1', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: cron.metadata.uid, controller: true }] },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'x' }] } } },
    });
    const r = await eventually(async () => {
      const rep = await objectCrashReport(kc, { group: 'batch', kind: 'CronJob', namespace: ns, name: 'nightly' }, limits);
      return rep.pods.length > 0 ? rep : undefined;
    }, "the Job's Pod in the CronJob's report");
    expect(r.pods.map((p) => p.name)).toEqual([expect.stringMatching(/^nightly-1-/)]);
  });

  it('a Pod not on a node has no log to read', async () => {
    await kubeWrite(kc, 'POST', objectPath({ apiVersion: 'v1', resource: 'pods', namespace: ns }), {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unscheduled' }, spec: { containers: [{ name: 'c', image: 'x' }] },
    });
    await kubeWrite(kc, 'PATCH', `${objectPath({ apiVersion: 'v1', resource: 'pods', namespace: ns, name: 'unscheduled' })}/status`, {
      status: { containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: new Date().toISOString() } } }] },
    }, CONTENT_TYPE.merge);
    const r = await objectCrashReport(kc, { group: '', kind: 'Pod', namespace: ns, name: 'unscheduled' }, limits);
    expect(r.pods[0]?.crashed[0]?.log.error).toMatch(/not on a node/);
  });
});

describe('logs of finished instances, read once', () => {
  it('answers a crashed instance from what was read before, and reads again once the container restarted', async () => {
    const own = new KubeConfig();
    own.loadFromFile(state.kubeconfig);
    const report = () => objectCrashReport(own, { group: 'apps', kind: 'Deployment', namespace: ns, name: 'operator' }, limits);
    const first = (await report()).pods[0]!.crashed[0]!;
    expect(first.log).toMatchObject({ fetched: true });
    expect(first.log.cached).toBeUndefined();
    // The log changes behind the kubelet's back: an instance that has finished would not, so the
    // answer still shows what was read, without spending a log read.
    await setContainerLog(state, ns, podName, 'manager', panic.output.replace('assignment to entry in nil map', 'something else'), { previous: true });
    const again = await objectCrashReport(own, { group: 'apps', kind: 'Deployment', namespace: ns, name: 'operator' }, { ...limits, maxLogFetches: 0 });
    expect(again.pods[0]!.crashed[0]!.log).toMatchObject({ fetched: true, cached: true });
    expect(again.pods[0]!.crashed[0]!.crash?.message).toBe(first.crash?.message);
    // Restarted (and crashed) once more: a new previous instance, read anew.
    await setCrashLoopStatus(kc, ns, podName, { container: 'manager', image: 'ghcr.io/acme/operator:1.2', exitCode: 2, finishedAt: new Date(), restarts: 4 });
    const next = await eventually(async () => {
      const c = (await report()).pods[0]?.crashed[0];
      return c?.restarts === 4 ? c : undefined;
    }, 'the new restart count');
    expect(next.log.cached).toBeUndefined();
    expect(next.crash?.message).toBe('something else');
    await setContainerLog(state, ns, podName, 'manager', panic.output, { previous: true });
  });
});

describe('without pods/log permission', () => {
  it('reports the crash from status and the API server’s forbidden message as the reason there is no log', async () => {
    const { role, binding } = viewerRole(ns, 'read-no-logs', [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list'] },
    ]);
    await kubeWrite(kc, 'POST', objectPath({ apiVersion: role.apiVersion, resource: 'roles', namespace: ns }), role);
    await kubeWrite(kc, 'POST', objectPath({ apiVersion: binding.apiVersion, resource: 'rolebindings', namespace: ns }), binding);
    const viewer = new KubeConfig();
    viewer.loadFromFile(state.kubeconfig);
    viewer.setCurrentContext('test-cluster-viewer');
    const r = await eventually(async () => {
      const rep = await objectCrashReport(viewer, { group: 'apps', kind: 'Deployment', namespace: ns, name: 'operator' }, limits);
      return rep.pods.length > 0 ? rep : undefined;
    }, 'the RoleBinding to take effect');
    const c = r.pods.find((p) => p.name === podName)!.crashed[0]!;
    expect(c.termination.exitCode).toBe(2);
    expect(c.crash).toBeUndefined();
    expect(c.log.fetched).toBe(false);
    expect(c.log.error).toMatch(/forbidden/i);
  });
});
