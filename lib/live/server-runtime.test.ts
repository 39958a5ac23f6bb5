import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../testing/temp-dirs';
import { parseDashboardConfig } from '../config/dashboard-config';
import { LiveRuntime, unknownManifestClusters } from './runtime';
import { currentRuntime, historyStoreTarget, startServerRuntime } from './server-runtime';

const tempDir = tempDirs('dw-server-runtime-');

/** A kubeconfig with one context, `context`, for a server nothing listens at. */
function kubeconfigIn(dir: string, context: string): string {
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:9' } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: context, context: { cluster: 'c', user: 'u' } }],
      'current-context': context,
    }),
  );
  return file;
}

describe('the server process\'s runtime', () => {
  const saved = process.env.DRIFTWATCH_CONFIG;
  afterAll(() => {
    if (saved === undefined) delete process.env.DRIFTWATCH_CONFIG;
    else process.env.DRIFTWATCH_CONFIG = saved;
  });

  it('reports a start that failed with its reason, not as a state that is still coming', async () => {
    const dir = tempDir();
    const kubeconfig = kubeconfigIn(dir, 'x');
    const config = join(dir, 'driftwatch.json');
    // Two clusters with one name: a configuration refused when the runtime starts.
    writeFileSync(config, JSON.stringify({ clusters: [{ name: 'same', kubeconfig }, { name: 'same', kubeconfig }], dataDir: join(dir, 'data') }));
    process.env.DRIFTWATCH_CONFIG = config;
    await expect(startServerRuntime()).rejects.toThrow(/clusters\[0\] and clusters\[1\] are both named same/);
    expect(currentRuntime()).toEqual({ error: expect.stringMatching(/both named same/) });
  });

  it('keeps history in PostgreSQL when DATABASE_URL is set, even beside a data directory (which then holds the audit log)', () => {
    expect(historyStoreTarget('/data', { DATABASE_URL: 'postgres://dw@db/dw' })).toEqual({ databaseUrl: 'postgres://dw@db/dw' });
    expect(historyStoreTarget('/data', {})).toEqual({ dataDir: '/data' });
    expect(historyStoreTarget(undefined, { DATABASE_URL: '' })).toEqual({});
  });

  it('says nothing is watched when no configured cluster could be loaded, and not when one could', async () => {
    const dir = tempDir();
    const kubeconfig = kubeconfigIn(dir, 'prod-admin');
    const runtimeFor = (clusters: object[]) =>
      new LiveRuntime({ config: parseDashboardConfig({ clusters, watch: { pods: false, customResources: false, desiredKinds: false } }, 'test'), log: () => undefined });
    const typo = runtimeFor([{ context: 'prod-admni', kubeconfig }, { name: 'gone', kubeconfig: join(dir, 'absent') }]);
    await typo.start();
    expect(typo.nothingWatched()).toMatch(/^no cluster is watched: cluster prod-admni: Context "prod-admni" is not in the kubeconfig .* \(known: prod-admin\); cluster gone: .*absent, which does not exist$/);
    await typo.stop();
    const one = runtimeFor([{ context: 'prod-admni', kubeconfig }, { context: 'prod-admin', kubeconfig }]);
    void one.start().catch(() => undefined);
    expect(one.nothingWatched()).toBeUndefined();
    await one.stop();
  });

  it('knows every configured cluster\'s name as soon as it starts, one that could not be loaded included: what a cluster filter may name', async () => {
    const dir = tempDir();
    const kubeconfig = kubeconfigIn(dir, 'arn:aws:eks:eu-west-1:111122223333:cluster/prod');
    const runtime = new LiveRuntime({
      config: parseDashboardConfig({ clusters: [{ kubeconfig }, { name: 'gone', kubeconfig: join(dir, 'absent') }], watch: { pods: false, customResources: false, desiredKinds: false } }, 'test'),
      log: () => undefined,
    });
    expect(runtime.clusterNames()).toEqual([]);
    // Not awaited: the names are there before the first list, for the first request.
    void runtime.start().catch(() => undefined);
    expect(runtime.clusterNames()).toEqual(['arn-aws-eks-eu-west-1-111122223333-cluster-prod', 'gone']);
    await runtime.stop();
  });

  it('reports a manifest directory limited to clusters that are not configured', () => {
    expect(unknownManifestClusters([{ path: '/m/all' }, { path: '/m/prod', clusters: ['prod'] }], ['prod', 'staging'])).toEqual([]);
    expect(unknownManifestClusters([{ path: '/m/prod', clusters: ['prdo'] }, { path: '/m/both', clusters: ['prod', 'stagign'] }], ['prod', 'staging'])).toEqual([
      { root: '/m/prod', severity: 'error', message: 'cluster prdo is not configured (clusters: prod, staging): this directory is compared with no cluster' },
      { root: '/m/both', severity: 'error', message: 'cluster stagign is not configured (clusters: prod, staging): not compared there' },
    ]);
  });
});
