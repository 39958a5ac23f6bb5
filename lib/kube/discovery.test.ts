import http from 'node:http';
import type net from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverResources } from './discovery';

/** A discovery document of one group-version, resources named after their kinds (naively: "prometheuss"). */
function resourceList(groupVersion: string, kinds: string[]): unknown {
  return {
    kind: 'APIResourceList',
    groupVersion,
    resources: kinds.flatMap((kind) => [
      { name: `${kind.toLowerCase()}s`, kind, namespaced: true, verbs: ['get', 'list', 'watch'] },
      { name: `${kind.toLowerCase()}s/status`, kind, namespaced: true, verbs: ['get'] },
    ]),
  };
}

const gv = (groupVersion: string) => ({ groupVersion, version: groupVersion.split('/')[1] ?? groupVersion });

describe('discoverResources', () => {
  const documents = new Map<string, unknown>([
    ['/api/v1', resourceList('v1', ['ConfigMap'])],
    [
      '/apis',
      {
        kind: 'APIGroupList',
        groups: [
          // Prometheus Operator: AlertmanagerConfig is served in v1alpha1 only.
          { name: 'monitoring.coreos.com', versions: [gv('monitoring.coreos.com/v1'), gv('monitoring.coreos.com/v1alpha1')], preferredVersion: gv('monitoring.coreos.com/v1') },
          // The preferred version listed after another: preferred still wins for what both serve.
          { name: 'example.com', versions: [gv('example.com/v2'), gv('example.com/v1')], preferredVersion: gv('example.com/v1') },
          // An older version whose discovery fails (an aggregated API half down).
          { name: 'flaky.io', versions: [gv('flaky.io/v1'), gv('flaky.io/v1beta1')], preferredVersion: gv('flaky.io/v1') },
          // The preferred version fails: the group is left to the last answer, not moved to another version.
          { name: 'down.io', versions: [gv('down.io/v1'), gv('down.io/v1beta1')], preferredVersion: gv('down.io/v1') },
        ],
      },
    ],
    ['/apis/monitoring.coreos.com/v1', resourceList('monitoring.coreos.com/v1', ['Alertmanager', 'Prometheus'])],
    ['/apis/monitoring.coreos.com/v1alpha1', resourceList('monitoring.coreos.com/v1alpha1', ['Alertmanager', 'AlertmanagerConfig'])],
    ['/apis/example.com/v2', resourceList('example.com/v2', ['Widget', 'Gadget'])],
    ['/apis/example.com/v1', resourceList('example.com/v1', ['Widget'])],
    ['/apis/flaky.io/v1', resourceList('flaky.io/v1', ['Thing'])],
    ['/apis/down.io/v1beta1', resourceList('down.io/v1beta1', ['Box'])],
  ]);
  const server = http.createServer((req, res) => {
    const doc = documents.get(req.url ?? '');
    if (doc === undefined) {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', reason: 'ServiceUnavailable', message: `${req.url ?? ''} is unavailable` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
  });
  const kc = new KubeConfig();
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('finds resources served only in a non-preferred version, each once, in the preferred version where it is served', async () => {
    const { resources, failures, servedVersions } = await discoverResources(kc);
    expect(resources.map((r) => `${r.kind} ${r.apiVersion} ${r.name}`)).toEqual([
      'ConfigMap v1 configmaps',
      'Gadget example.com/v2 gadgets',
      'Widget example.com/v1 widgets',
      'Thing flaky.io/v1 things',
      'Alertmanager monitoring.coreos.com/v1 alertmanagers',
      'AlertmanagerConfig monitoring.coreos.com/v1alpha1 alertmanagerconfigs',
      'Prometheus monitoring.coreos.com/v1 prometheuss',
    ]);
    // Each failing group-version still makes the discovery incomplete.
    expect(failures.map((f) => f.groupVersion).sort()).toEqual(['down.io/v1', 'flaky.io/v1beta1']);
    expect(failures.find((f) => f.groupVersion === 'flaky.io/v1beta1')?.message).toMatch(/\/apis\/flaky\.io\/v1beta1 is unavailable/);
    expect(servedVersions?.get('monitoring.coreos.com')).toEqual(['v1', 'v1alpha1']);
  });
});
