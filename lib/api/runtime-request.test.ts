import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutDriftwatchEnv } from '../../testing/clean-env';
import { tempDirs } from '../../testing/temp-dirs';
import { GET as driftGet } from '../../app/api/v1/drift/route';
import { GET as objectGet } from '../../app/api/v1/drift/object/route';
import { GET as healthObjectGet } from '../../app/api/v1/health/object/route';
import { GET as historyObjectGet } from '../../app/api/v1/history/object/route';
import { POST as snapshotsPost } from '../../app/api/v1/snapshots/route';
import { GET as statusGet } from '../../app/api/v1/status/route';
import { GET as streamGet, HEAD as streamHead } from '../../app/api/v1/stream/route';
import { GROUPS_HEADER, USER_HEADER, VIA_HEADER } from '../auth/identity';
import type { LiveRuntime } from '../live/runtime';
import { currentRuntime, startServerRuntime } from '../live/server-runtime';
import { unknownClusterResponse } from './runtime-request';

const tempDir = tempDirs('dw-runtime-request-');

const message = async (res: Response | undefined) => ((await res?.json()) as { error: { status: number; message: string } } | undefined)?.error;

describe('a cluster filter that names no configured cluster', () => {
  const runtime = { clusterNames: () => ['staging', 'prod'] };
  const signedIn = new Headers({ [USER_HEADER]: 'alice', [GROUPS_HEADER]: 'team-a', [VIA_HEADER]: 'proxy' });
  const embed = new Headers({ [USER_HEADER]: 'embed', [VIA_HEADER]: 'embed-token' });

  it('is a 400 naming it and the configured clusters, sorted, in the API\'s error shape', async () => {
    const res = unknownClusterResponse(runtime, ['prod', 'prdo'], signedIn);
    expect(res?.status).toBe(400);
    expect(res?.headers.get('cache-control')).toBe('no-store');
    expect(await message(res)).toEqual({ status: 400, message: 'unknown cluster "prdo": the configured clusters are prod, staging' });
  });

  it('lets a filter of configured clusters, and no filter, through', () => {
    expect(unknownClusterResponse(runtime, ['prod', 'staging'], signedIn)).toBeUndefined();
    expect(unknownClusterResponse(runtime, undefined, signedIn)).toBeUndefined();
  });

  it('tells an embed token, which may read only its own view, no configured cluster', async () => {
    expect(await message(unknownClusterResponse(runtime, ['prdo'], embed))).toEqual({ status: 400, message: 'unknown cluster "prdo": no configured cluster has this name' });
    expect(unknownClusterResponse(runtime, ['prod'], embed)).toBeUndefined();
  });
});

describe('the live routes with a cluster filter (a runtime of two clusters, neither reachable)', () => {
  withoutDriftwatchEnv();
  let live: LiveRuntime | undefined;
  // A namespace-scoped user: they see every cluster's name in /api/v1/status, so the 400 may name them.
  const scoped = { [USER_HEADER]: 'bob', [GROUPS_HEADER]: 'team-a', [VIA_HEADER]: 'proxy' };
  const url = (path: string) => `http://driftwatch.test${path}`;

  beforeAll(() => {
    const dir = tempDir();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:9' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'prod-admin', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'prod-admin',
      }),
    );
    const config = join(dir, 'driftwatch.json');
    writeFileSync(
      config,
      JSON.stringify({
        // staging's kubeconfig does not exist: it is configured all the same, and its summary says why it is not watched.
        clusters: [{ name: 'prod', kubeconfig }, { name: 'staging', kubeconfig: join(dir, 'absent') }],
        watch: { pods: false, customResources: false, desiredKinds: false },
        auth: { mode: 'proxy', proxy: { trustedAddresses: ['127.0.0.2'] }, namespaceScopes: { 'team-a': ['a'] } },
        dataDir: join(dir, 'data'),
      }),
    );
    process.env.DRIFTWATCH_CONFIG = config;
    void startServerRuntime().catch(() => undefined);
    const rt = currentRuntime();
    if ('error' in rt) throw new Error(rt.error);
    live = rt.runtime;
  });

  afterAll(async () => {
    await live?.stop();
  });

  it('answers /api/v1/drift 400 for an unknown cluster, and 200 for configured ones, the unloaded one included', async () => {
    const res = driftGet(new NextRequest(url('/api/v1/drift?cluster=prod,nope')));
    expect(res.status).toBe(400);
    expect(await message(res)).toEqual({ status: 400, message: 'unknown cluster "nope": the configured clusters are prod, staging' });
    expect(driftGet(new NextRequest(url('/api/v1/drift?cluster=prod&cluster=staging'))).status).toBe(200);
    // An invalid query is said first, as before.
    expect(await message(driftGet(new NextRequest(url('/api/v1/drift?cluster=nope&limt=5'))))).toMatchObject({ status: 400, message: expect.stringMatching(/^invalid query: .*unknown key "limt"/) });
  });

  it('names the clusters to a namespace-scoped user, who sees them in /api/v1/status already', async () => {
    const status = (await statusGet(new NextRequest(url('/api/v1/status'), { headers: scoped })).json()) as { clusters: { name: string }[] };
    expect(status.clusters.map((c) => c.name).sort()).toEqual(['prod', 'staging']);
    expect(await message(driftGet(new NextRequest(url('/api/v1/drift?cluster=nope'), { headers: scoped })))).toEqual({ status: 400, message: 'unknown cluster "nope": the configured clusters are prod, staging' });
  });

  it('answers the stream 400 for an unknown cluster, on GET and HEAD alike, before it takes a slot', async () => {
    // (The handlers' inferred return type admits undefined, though no path returns it.)
    const get = streamGet(new NextRequest(url('/api/v1/stream?cluster=nope')));
    expect([get?.status, get?.headers.get('content-type')]).toEqual([400, 'application/json']);
    expect(await message(get)).toEqual({ status: 400, message: 'unknown cluster "nope": the configured clusters are prod, staging' });
    expect(streamHead(new NextRequest(url('/api/v1/stream?cluster=nope'), { method: 'HEAD' }))?.status).toBe(400);
    expect(streamHead(new NextRequest(url('/api/v1/stream?cluster=staging'), { method: 'HEAD' }))?.status).toBe(200);
  });

  it('keeps the 404 of one object asked for by an unknown cluster', async () => {
    const res = objectGet(new NextRequest(url('/api/v1/drift/object?cluster=nope&kind=ConfigMap&namespace=a&name=x')));
    expect(res.status).toBe(404);
    expect(await message(res)).toMatchObject({ status: 404, message: expect.stringMatching(/^no drift state for nope\/\/ConfigMap\/a\/x: /) });
  });

  it('answers 400, saying what an id looks like, for an id no object can have; a well-formed unknown one stays 404', async () => {
    const format = '<cluster>/<group>/<kind>/<namespace>/<name>, with the group empty for the core API group and the namespace empty for a cluster-scoped object';
    for (const id of ['garbage', 'prod/apps/Deployment/cart', 'prod/apps/Deployment/shop/cart/extra', 'prod//ConfigMap/shop/', '/apps/Deployment/shop/cart', 'prod/apps//shop/cart']) {
      const q = `id=${encodeURIComponent(id)}`;
      const said = { status: 400, message: `malformed object id ${JSON.stringify(id)}: expected ${format} (prod/apps/Deployment/shop/cart, prod//ConfigMap/shop/settings, prod//Namespace//shop)` };
      expect(await message(objectGet(new NextRequest(url(`/api/v1/drift/object?${q}`)))), id).toEqual(said);
      expect(await message(await historyObjectGet(new NextRequest(url(`/api/v1/history/object?${q}`)))), id).toEqual(said);
      expect(await message(await healthObjectGet(new NextRequest(url(`/api/v1/health/object?${q}`)))), id).toEqual(said);
      const snapshot = await snapshotsPost(new NextRequest(url('/api/v1/snapshots'), { method: 'POST', body: JSON.stringify({ id }), headers: { 'content-type': 'application/json' } }));
      expect(await message(snapshot), id).toEqual({ status: 400, message: `invalid body: id: ${said.message}` });
    }
    // By parts, only a '/' inside one can make the id unparsable.
    expect(await message(objectGet(new NextRequest(url('/api/v1/drift/object?cluster=prod&kind=ConfigMap&namespace=a/b&name=x'))))).toEqual({ status: 400, message: 'cluster, group, kind, namespace and name cannot contain "/"' });
    // Well-formed (core group and cluster scope written empty): not there is still a 404.
    for (const id of ['prod//ConfigMap/shop/settings', 'prod//Namespace//shop', 'prod/apps/Deployment/shop/cart']) {
      const res = objectGet(new NextRequest(url(`/api/v1/drift/object?id=${encodeURIComponent(id)}`)));
      expect(res.status, id).toBe(404);
      expect(await message(res), id).toMatchObject({ message: expect.stringMatching(/^no drift state for /) });
    }
  });
});
