import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDashboardConfig, type DashboardConfig } from '../config/dashboard-config';
import { diffOptionsFromConfig } from '../config/drift-config';
import { Backoff } from '../kube/backoff';
import type { ApiResource } from '../kube/discovery';
import { ClusterWatcher, desiredKindVersions, CRD_DISCOVERY_RETRIES, FAST_DISCOVERY_RETRIES, refreshDueAt, REFRESH_MAX_WAIT_MS, withUnanswered } from './cluster-watcher';

const resource = (apiVersion: string, kind: string, name: string): ApiResource => {
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  return { group, version, apiVersion, kind, name, namespaced: true, verbs: ['list', 'watch'], shortNames: [] };
};

describe('withUnanswered', () => {
  const configmaps = resource('v1', 'ConfigMap', 'configmaps');
  const deployments = resource('apps/v1', 'Deployment', 'deployments');
  const widgetsV1 = resource('example.com/v1', 'Widget', 'widgets');

  it('keeps what the previous discovery found for a group that did not answer this time', () => {
    const now = withUnanswered([configmaps, widgetsV1], [configmaps, deployments, widgetsV1], [{ groupVersion: 'apps/v1' }]);
    expect(now.map((r) => `${r.apiVersion} ${r.name}`)).toEqual(['v1 configmaps', 'apps/v1 deployments', 'example.com/v1 widgets']);
  });

  it('drops a group that is gone from the answers, and keeps nothing twice', () => {
    // The CRD's group no longer listed at all: not a failure, gone.
    expect(withUnanswered([configmaps], [configmaps, widgetsV1], [{ groupVersion: 'apps/v1' }])).toEqual([configmaps]);
    // A group that answered in another version this time: the new answer stands alone.
    const widgetsV2 = resource('example.com/v2', 'Widget', 'widgets');
    expect(withUnanswered([configmaps, widgetsV2], [configmaps, widgetsV1], [{ groupVersion: 'example.com/v1' }])).toEqual([configmaps, widgetsV2]);
  });

  it('keeps a kind served only in a version that failed while the rest of its group answered', () => {
    const alertmanagers = resource('monitoring.coreos.com/v1', 'Alertmanager', 'alertmanagers');
    const configs = resource('monitoring.coreos.com/v1alpha1', 'AlertmanagerConfig', 'alertmanagerconfigs');
    const now = withUnanswered([alertmanagers], [alertmanagers, configs], [{ groupVersion: 'monitoring.coreos.com/v1alpha1' }]);
    expect(now.map((r) => `${r.apiVersion} ${r.name}`)).toEqual(['monitoring.coreos.com/v1 alertmanagers', 'monitoring.coreos.com/v1alpha1 alertmanagerconfigs']);
  });
});

describe('desiredKindVersions', () => {
  it('names each declared kind with the apiVersion most of its manifests use', () => {
    const m = (apiVersion: string, kind: string) => ({ manifest: { apiVersion, kind, metadata: { name: 'x' } } });
    const got = desiredKindVersions([
      m('autoscaling/v1', 'HorizontalPodAutoscaler'),
      m('autoscaling/v2', 'HorizontalPodAutoscaler'),
      m('autoscaling/v1', 'HorizontalPodAutoscaler'),
      m('v1', 'ConfigMap'),
      m('example.com/v1beta1', 'Widget'),
      m('example.com/v1', 'Widget'),
    ]);
    expect(Object.fromEntries(got)).toEqual({ 'HorizontalPodAutoscaler.autoscaling': 'autoscaling/v1', ConfigMap: 'v1', 'Widget.example.com': 'example.com/v1' });
  });
});

describe('refreshDueAt', () => {
  it('debounces a burst of CRD events, but runs a burst that does not end at most REFRESH_MAX_WAIT_MS after its first event', () => {
    let pending: { due: number; firstAt: number } | undefined;
    const ask = (now: number, delayMs = 1000) => {
      const due = refreshDueAt(now, delayMs, pending);
      pending = { due, firstAt: pending?.firstAt ?? now };
      return due;
    };
    expect(ask(0)).toBe(1000);
    expect(ask(400)).toBe(1400);
    // An event every 400 ms for ever: the refresh would never run, were each one to postpone it.
    let due = 1400;
    for (let t = 800; t < due && t < 60_000; t += 400) due = ask(t);
    expect(due).toBe(REFRESH_MAX_WAIT_MS);
  });

  it('never postpones a refresh already due sooner for a longer delay asked later, and brings a far one forward', () => {
    // A CRD event's refresh is due at 1 s; a discovery retry then asks for 30 s.
    expect(refreshDueAt(200, 30_000, { due: 1000, firstAt: 0 })).toBe(1000);
    // A discovery retry due in 30 s; a CRD event asks for 1 s.
    expect(refreshDueAt(500, 1000, { due: 30_000, firstAt: 0 })).toBe(1500);
    expect(refreshDueAt(500, 0, undefined)).toBe(500);
  });
});

/**
 * A stand-in for the API server, just enough for a ClusterWatcher: discovery (each group-version
 * answering or not), lists, watches that stay open (or end at once, with nothing), and an OpenAPI
 * v3 index. Unit tests only: what the real API server does is the integration tests' business.
 */
interface FakeApi {
  kc: KubeConfig;
  /** Resources by group-version (`v1`, `apps/v1`): what discovery says each serves. */
  served: Map<string, FakeResource[]>;
  /** Group-versions whose discovery answers 503 (an aggregated API whose backend is down). */
  failing: Set<string>;
  /** Objects by list path (`/api/v1/configmaps`). */
  objects: Map<string, object[]>;
  /** List paths whose watches end at once with nothing delivered (each one a restart and a relist). */
  flapping: Set<string>;
  /** Held before /apis answers. */
  apisDelayMs: number;
  /** The OpenAPI v3 index's answer: 404 (refused for good: no retry) unless set, after its delay. */
  openApi: { status: number; delayMs: number };
  /** Every request's path, in order. */
  requests: string[];
  close(): Promise<void>;
}

interface FakeResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

const listVerbs = ['get', 'list', 'watch'];

async function fakeApi(): Promise<FakeApi> {
  const api: Omit<FakeApi, 'kc' | 'close'> = {
    served: new Map([
      ['v1', [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }, { name: 'pods', kind: 'Pod', namespaced: true }]],
      ['apps/v1', [{ name: 'replicasets', kind: 'ReplicaSet', namespaced: true }]],
      ['apiextensions.k8s.io/v1', [{ name: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false }]],
      ['metrics.k8s.io/v1beta1', [{ name: 'pods', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'] }]],
    ]),
    failing: new Set(),
    objects: new Map(),
    flapping: new Set(),
    apisDelayMs: 0,
    openApi: { status: 404, delayMs: 0 },
    requests: [],
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const statusBody = (code: number, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    api.requests.push(path);
    if (path === '/apis') {
      const groups = [...api.served.keys()].filter((gv) => gv !== 'v1').map((gv) => {
        const [name = '', version = ''] = gv.split('/');
        return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
      });
      setTimeout(() => json(res, 200, { kind: 'APIGroupList', groups }), api.apisDelayMs);
      return;
    }
    const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice('/apis/'.length) : undefined;
    const resources = gv === undefined ? undefined : api.served.get(gv);
    if (gv !== undefined && resources) {
      if (api.failing.has(gv)) return json(res, 503, statusBody(503, 'the server is currently unable to handle the request'));
      return json(res, 200, { kind: 'APIResourceList', groupVersion: gv, resources: resources.map((r) => ({ verbs: listVerbs, ...r })) });
    }
    if (path === '/openapi/v3') {
      const { status, delayMs } = api.openApi;
      setTimeout(() => json(res, status, status === 200 ? { paths: {} } : statusBody(status, 'no OpenAPI here')), delayMs);
      return;
    }
    const list = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))\/([^/]+)$/.exec(path);
    if (!list) return json(res, 404, statusBody(404, `${path} not found`));
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Held open, as a quiet resource's watch is, until the client goes.
      if (api.flapping.has(path)) res.end();
      else res.flushHeaders();
      return;
    }
    const [, group, version, name = ''] = list;
    const served = api.served.get(group ? `${group}/${version ?? ''}` : 'v1')?.find((r) => r.name === name);
    json(res, 200, { apiVersion: group ? `${group}/${version ?? ''}` : 'v1', kind: `${served?.kind ?? 'Unknown'}List`, metadata: { resourceVersion: '1' }, items: api.objects.get(path) ?? [] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return {
    ...api,
    kc,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const crd = (group: string, plural: string, kind: string, established = true) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}`, resourceVersion: '1', uid: `uid-${plural}` },
  spec: { group, names: { plural, kind }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] },
  status: { conditions: [{ type: 'Established', status: established ? 'True' : 'False' }] },
});

const configMap = (name: string) => ({ metadata: { name, namespace: 'default', resourceVersion: '1', uid: `uid-${name}` }, data: {} });

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a ClusterWatcher against a stand-in API server', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    while (cleanups.length > 0) await cleanups.pop()?.();
  });

  async function setUp(o: { watch?: Partial<DashboardConfig['watch']>; rediscoverMs?: number } = {}) {
    const api = await fakeApi();
    const config = parseDashboardConfig({ watch: { pods: false, include: ['configmaps'], ...o.watch } }, 'test');
    // Replaced, never changed in place: the watcher compares the map it planned with against the next.
    let desired: ReadonlyMap<string, string> = new Map();
    const logged: string[] = [];
    const watcher = new ClusterWatcher({
      name: 'prod',
      kc: api.kc,
      watch: config.watch,
      tracker: { sources: config.sources, diffOptions: diffOptionsFromConfig(config), onEvent: () => undefined },
      desiredKinds: () => desired,
      informer: { backoff: { initialMs: 5, maxMs: 20 } },
      log: (m) => logged.push(m),
      ...(o.rediscoverMs === undefined ? {} : { rediscoverMs: o.rediscoverMs }),
    });
    cleanups.push(async () => {
      await watcher.stop();
      await api.close();
    });
    const setDesired = (kinds: ReadonlyMap<string, string>) => {
      desired = kinds;
      return watcher.desiredKindsChanged();
    };
    return { api, watcher, logged, setDesired };
  }

  const row = (watcher: ClusterWatcher, resource: string) => watcher.resourceStates().find((r) => r.resource === resource);

  describe('an aggregated API whose backend is down', () => {
    it('knows its objects all the same, and names the group that did not answer for the history to leave alone', async () => {
      const { api, watcher } = await setUp();
      api.failing.add('metrics.k8s.io/v1beta1');
      api.objects.set('/api/v1/configmaps', [configMap('a')]);
      await watcher.start();
      await watcher.ready(20_000);
      await until('its objects known', () => watcher.knowsItsObjects(), 3_000);
      const kinds = watcher.trackedKinds();
      expect(kinds.unknownGroups).toEqual(new Set(['metrics.k8s.io']));
      expect(kinds.listed).toEqual(new Set(['/ConfigMap']));
    });

    it("counts a kind of a group that stops answering as unknown, not listed, until its group answers again", async () => {
      const { api, watcher, logged } = await setUp({ watch: { include: ['configmaps', 'gadgets'] }, rediscoverMs: 1_500 });
      api.served.set('aggr.example.com/v1', [{ name: 'gadgets', kind: 'Gadget', namespaced: true }]);
      await watcher.start();
      await until('gadgets listed', () => watcher.trackedKinds().listed.has('aggr.example.com/Gadget'));
      api.failing.add('aggr.example.com/v1');
      await until('the failure seen', () => logged.some((l) => l.startsWith('discovery of aggr.example.com/v1 failed')));
      // Its informer, kept, still has what it listed; but discovery no longer says what the group serves.
      expect(row(watcher, 'gadgets')?.status).toBe('synced');
      expect(watcher.knowsItsObjects()).toBe(true);
      const kinds = watcher.trackedKinds();
      expect(kinds).toMatchObject({ unknownGroups: new Set(['aggr.example.com']), listed: new Set(['/ConfigMap']), unknown: new Set(['aggr.example.com/Gadget']) });
      api.failing.delete('aggr.example.com/v1');
      await until('the group answering again', () => watcher.trackedKinds().unknownGroups.size === 0);
      expect(watcher.trackedKinds().listed).toEqual(new Set(['/ConfigMap', 'aggr.example.com/Gadget']));
    });

    it(`asks a failing group-version again ${FAST_DISCOVERY_RETRIES} times, then only with the periodic rediscovery, and says so once`, async () => {
      // Retries at once, so that more than the allowed ones would show within the test.
      vi.spyOn(Backoff.prototype, 'next').mockReturnValue(10);
      const { api, watcher, logged } = await setUp({ rediscoverMs: 1_000 });
      api.failing.add('metrics.k8s.io/v1beta1');
      const asked = () => api.requests.filter((p) => p === '/apis/metrics.k8s.io/v1beta1').length;
      await watcher.start();
      await until('the retries', () => asked() >= FAST_DISCOVERY_RETRIES + 1);
      await new Promise((r) => setTimeout(r, 500));
      expect(asked()).toBe(FAST_DISCOVERY_RETRIES + 1);
      // The periodic rediscovery still asks; the log does not repeat itself.
      await until('two periodic rediscoveries', () => asked() >= FAST_DISCOVERY_RETRIES + 3);
      const about = () => logged.filter((l) => l.includes('metrics.k8s.io/v1beta1'));
      expect(about()).toEqual([
        ...Array.from({ length: FAST_DISCOVERY_RETRIES }, () => 'discovery of metrics.k8s.io/v1beta1 failed: Unavailable: the server is currently unable to handle the request'),
        expect.stringMatching(/^discovery of metrics\.k8s\.io\/v1beta1 failed 4 times in a row \(.*\): asked again only with the rediscovery every 1 s;/),
      ]);
      api.failing.delete('metrics.k8s.io/v1beta1');
      await until('the recovery said', () => about().length === FAST_DISCOVERY_RETRIES + 2);
      expect(about().at(-1)).toBe('discovery of metrics.k8s.io/v1beta1 answers again');
    });
  });

  describe('a CRD that discovery serves only some time after it is established', () => {
    const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

    it('is watched once discovery serves it, seconds later, without waiting for the periodic rediscovery', async () => {
      const { api, watcher } = await setUp();
      api.objects.set(crds, [crd('example.com', 'widgets', 'Widget')]);
      await watcher.start();
      // Longer than the one look start() used to give it.
      await new Promise((r) => setTimeout(r, 1_500));
      api.served.set('example.com/v1', [{ name: 'widgets', kind: 'Widget', namespaced: true }]);
      await until('widgets watched', () => row(watcher, 'widgets')?.status === 'synced', 10_000);
      expect(row(watcher, 'widgets')?.reasons).toEqual(['custom resource']);
    });

    it(`is asked for again ${CRD_DISCOVERY_RETRIES} times, then left to the periodic rediscovery; one not established, not at all`, async () => {
      vi.spyOn(Backoff.prototype, 'next').mockReturnValue(10);
      const { api, watcher } = await setUp();
      const discoveries = () => api.requests.filter((p) => p === '/apis').length;
      api.objects.set(crds, [crd('example.com', 'widgets', 'Widget'), crd('broken.example.com', 'things', 'Thing', false)]);
      await watcher.start();
      await until('the retries', () => discoveries() >= CRD_DISCOVERY_RETRIES + 1);
      await new Promise((r) => setTimeout(r, 500));
      expect(discoveries()).toBe(CRD_DISCOVERY_RETRIES + 1);
    });

    it('is not asked for again when it is not established (a name conflict: never served)', async () => {
      vi.spyOn(Backoff.prototype, 'next').mockReturnValue(10);
      const { api, watcher } = await setUp();
      api.objects.set(crds, [crd('broken.example.com', 'things', 'Thing', false)]);
      await watcher.start();
      await new Promise((r) => setTimeout(r, 500));
      expect(api.requests.filter((p) => p === '/apis')).toHaveLength(1);
    });
  });

  describe('stop() while start() is under way', () => {
    it('leaves no timer armed when discovery answers after it', async () => {
      const { api, watcher } = await setUp();
      api.apisDelayMs = 300;
      const starting = watcher.start();
      await until('discovery asked', () => api.requests.includes('/apis'));
      await new Promise((r) => setTimeout(r, 50));
      await watcher.stop();
      await starting;
      expect(watcher.armedTimers()).toEqual([]);
      // Nothing watched either: the plan came after stop().
      expect(watcher.resourceStates().filter((r) => r.resource === 'configmaps')).toEqual([]);
    });

    it('leaves no schema retry armed when an OpenAPI document fails after it', async () => {
      const { api, watcher } = await setUp();
      api.openApi = { status: 503, delayMs: 300 };
      const starting = watcher.start();
      await until('the OpenAPI index asked', () => api.requests.includes('/openapi/v3'));
      await watcher.stop();
      await starting;
      expect(watcher.armedTimers()).toEqual([]);
    });
  });

  describe('a resource watched again from scratch (its role changed)', () => {
    it('keeps counting its watch restarts and relists from where its old informers left them', async () => {
      const { api, watcher, setDesired } = await setUp({ watch: { pods: true, include: [] } });
      const replicasets = '/apis/apps/v1/replicasets';
      api.flapping.add(replicasets);
      await watcher.start();
      // Watched for the Pods' templates (owners) only; its watches end at once, each a restart and a relist.
      await until('restarts counted', () => (row(watcher, 'replicasets')?.watchRestarts ?? 0) >= 3 && (row(watcher, 'replicasets')?.relists ?? 0) >= 2);
      api.flapping.delete(replicasets);
      // Its last watch held open now: the counters stay.
      await new Promise((r) => setTimeout(r, 300));
      const before = row(watcher, 'replicasets');
      expect(before?.reasons).toEqual(['pod owners']);
      // The manifests now name ReplicaSets: tracked as well as owners, a new informer.
      await setDesired(new Map([['ReplicaSet.apps', 'apps/v1']]));
      await until('watched again', () => row(watcher, 'replicasets')?.reasons.includes('in desired manifests') === true && row(watcher, 'replicasets')?.status === 'synced');
      const after = row(watcher, 'replicasets');
      expect({ watchRestarts: after?.watchRestarts, relists: after?.relists }).toEqual({ watchRestarts: before?.watchRestarts, relists: before?.relists });
    });
  });
});
