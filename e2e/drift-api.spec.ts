import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../testing/kube-write';
import { E2E_FIELD_MANAGER, expect, test } from './fixtures';
import { connectSse } from './sse-client';

const SECRET_VALUE = 'e2e-secret-canary-7f3a';

test.describe('drift API and stream', () => {
  test('a change by another manager shows up in the API and on the stream, resumable, and clears on revert', async ({ request, kc, baseURL }) => {
    const ns = `e2e-api-${Date.now().toString(36)}`;
    const dir = process.env.DRIFTWATCH_E2E_MANIFESTS;
    if (!dir) throw new Error('DRIFTWATCH_E2E_MANIFESTS is not set');
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'safe' } };
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: ns }, stringData: { token: SECRET_VALUE } };
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const [resource, m] of [['configmaps', cm], ['secrets', secret]] as const) {
      await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'v1', resource, namespace: ns, name: m.metadata.name }, { fieldManager: E2E_FIELD_MANAGER }), m, CONTENT_TYPE.apply);
    }
    writeFileSync(join(dir, `${ns}.yaml`), `${JSON.stringify(cm)}\n---\n${JSON.stringify(secret)}\n`);

    const list = async () => {
      const res = await request.get(`/api/v1/drift?namespace=${ns}`);
      expect(res.status()).toBe(200);
      return (await res.json()) as { items: { name: string; kind: string; status: string; id: string }[]; lastEventId: number };
    };
    // (kube-root-ca.crt, which the controller manager puts in every namespace, is there too: unmanaged.)
    const declared = async () => (await list()).items.filter((i) => i.name !== 'kube-root-ca.crt').map((i) => `${i.kind}/${i.name}=${i.status}`).sort();
    expect((await list()).items.find((i) => i.name === 'kube-root-ca.crt')?.status ?? 'unmanaged').toBe('unmanaged');
    await expect.poll(declared, { timeout: 30_000 }).toEqual([
      'ConfigMap/settings=in-sync',
      'Secret/creds=in-sync',
    ]);

    const stream = await connectSse(`${baseURL}/api/v1/stream`);
    const hello = await stream.waitFor((e) => e.event === 'hello', 'hello');
    expect(JSON.parse(hello.data)).toHaveProperty('lastEventId');

    const patch = (data: Record<string, string>) =>
      kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name: 'settings' }, { fieldManager: 'kubectl-edit' }), { data }, CONTENT_TYPE.merge);
    await patch({ mode: 'unsafe' });
    const drift = await stream.waitFor((e) => e.event === 'drift' && e.data.includes(`"namespace":"${ns}"`) && e.data.includes('"drifted"'), 'the drift event');
    const body = JSON.parse(drift.data) as { state: { changes: { path: string; op: string; live: unknown; manager: { name: string } }[] } };
    expect(body.state.changes).toEqual([expect.objectContaining({ path: 'data.mode', op: 'changed', live: 'unsafe', manager: expect.objectContaining({ name: 'kubectl-edit' }) })]);

    const detail = await request.get(`/api/v1/drift/object?cluster=${encodeURIComponent(JSON.parse(drift.data).state.cluster)}&kind=ConfigMap&namespace=${ns}&name=settings`);
    expect(detail.status()).toBe(200);
    const d = await detail.json();
    expect(d.state.status).toBe('drifted');
    expect(d.live.object.data).toEqual({ mode: 'unsafe' });
    expect(d.desired.object.data).toEqual({ mode: 'safe' });
    expect(d.live.volatilePaths).toContain('metadata.managedFields');
    // The kind in the wrong case: a 404 that names the object meant.
    const cluster = JSON.parse(drift.data).state.cluster as string;
    const wrongCase = await request.get(`/api/v1/drift/object?cluster=${encodeURIComponent(cluster)}&kind=configmap&namespace=${ns}&name=settings`);
    expect(wrongCase.status()).toBe(404);
    expect((await wrongCase.json()).error.message).toContain(`did you mean ${cluster}//ConfigMap/${ns}/settings?`);

    // Disconnected while the drift is reverted: resuming with Last-Event-ID delivers exactly that.
    stream.close();
    await patch({ mode: 'safe' });
    await expect.poll(async () => (await list()).items.find((i) => i.name === 'settings')?.status, { timeout: 30_000 }).toBe('in-sync');
    const resumed = await connectSse(`${baseURL}/api/v1/stream`, { 'Last-Event-ID': drift.id ?? '' });
    const missed = await resumed.waitFor((e) => e.event === 'drift' && e.data.includes(`"namespace":"${ns}"`), 'the missed revert');
    expect(JSON.parse(missed.data)).toMatchObject({ type: 'upsert', state: { name: 'settings', status: 'in-sync', changes: [] } });
    expect(resumed.events.some((e) => e.event === 'hello' || e.event === 'reset')).toBe(false);
    resumed.close();

    // An id from another server process cannot be resumed: the client is told to reload.
    const stale = await connectSse(`${baseURL}/api/v1/stream`, { 'Last-Event-ID': 'zzzz.5' });
    await stale.waitFor((e) => e.event === 'reset', 'reset');
    stale.close();

    // The documented way to catch up after loading the state: the list's streamId as ?since=.
    const { streamId } = (await (await request.get(`/api/v1/drift?namespace=${ns}`)).json()) as { streamId: string };
    expect(streamId).toMatch(/^[a-z0-9]+\.\d+$/);
    await patch({ mode: 'after-the-list' });
    const caughtUp = await connectSse(`${baseURL}/api/v1/stream?since=${encodeURIComponent(streamId)}`);
    const after = await caughtUp.waitFor((e) => e.event === 'drift' && e.data.includes(`"namespace":"${ns}"`), 'the change made after the list');
    expect(JSON.parse(after.data)).toMatchObject({ state: { name: 'settings', status: 'drifted' } });
    expect(caughtUp.events.some((e) => e.event === 'reset')).toBe(false);
    caughtUp.close();
    await patch({ mode: 'safe' });

    // The Secret's value is nowhere: not in the list, the detail (live data and last-applied), or the metrics.
    const secretDetail = await request.get(`/api/v1/drift/object?cluster=${encodeURIComponent(JSON.parse(drift.data).state.cluster)}&kind=Secret&namespace=${ns}&name=creds`);
    const everything = [await secretDetail.text(), JSON.stringify(await list()), await (await request.get('/api/metrics')).text()].join('\n');
    expect(everything).not.toContain(SECRET_VALUE);
    expect(everything).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
    expect((await secretDetail.json()).live.object.data.token).toMatchObject({ redacted: true });
  });

  test('records the drift episode in the history store, with its manager, and closes it on revert', async ({ request, kc }) => {
    const ns = `e2e-hist-${Date.now().toString(36)}`;
    const dir = process.env.DRIFTWATCH_E2E_MANIFESTS;
    if (!dir) throw new Error('DRIFTWATCH_E2E_MANIFESTS is not set');
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'quota', namespace: ns }, data: { cpu: '4' } };
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const path = (q: Record<string, string>) => objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name: 'quota' }, q);
    await kubeWrite(kc, 'PATCH', path({ fieldManager: E2E_FIELD_MANAGER }), cm, CONTENT_TYPE.apply);
    writeFileSync(join(dir, `${ns}.yaml`), JSON.stringify(cm));
    const statusOf = async () => {
      const res = await request.get(`/api/v1/drift?namespace=${ns}&kind=ConfigMap`);
      return ((await res.json()).items as { name: string; status: string; cluster: string }[]).find((i) => i.name === 'quota');
    };
    await expect.poll(async () => (await statusOf())?.status, { timeout: 30_000 }).toBe('in-sync');
    await kubeWrite(kc, 'PATCH', path({ fieldManager: 'kubectl-edit' }), { data: { cpu: '16' } }, CONTENT_TYPE.merge);
    await expect.poll(async () => (await statusOf())?.status, { timeout: 30_000 }).toBe('drifted');
    await kubeWrite(kc, 'PATCH', path({ fieldManager: 'kubectl-edit' }), { data: { cpu: '4' } }, CONTENT_TYPE.merge);
    await expect.poll(async () => (await statusOf())?.status, { timeout: 30_000 }).toBe('in-sync');
    const cluster = (await statusOf())?.cluster ?? '';
    const id = `${cluster}//ConfigMap/${ns}/quota`;
    type Episode = { path: string; closedAt?: string; transitions: { live: unknown; manager?: { name: string } }[] };
    await expect
      .poll(
        async () => {
          const res = await request.get(`/api/v1/history/object?id=${encodeURIComponent(id)}`);
          if (res.status() !== 200) return `HTTP ${res.status()}: ${await res.text()}`;
          const e = ((await res.json()).episodes as Episode[]).find((x) => x.path === 'data.cpu');
          return e ? { closed: Boolean(e.closedAt), transitions: e.transitions.map((t) => [t.live, t.manager?.name]) } : 'no episode yet';
        },
        { timeout: 30_000 },
      )
      .toEqual({ closed: true, transitions: [['16', 'kubectl-edit']] });
    const chart = await request.get(`/api/v1/history/chart?from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date().toISOString()}&bucketMs=60000&groupBy=namespace`);
    expect(chart.status()).toBe(200);
    expect((await chart.json()).series.map((x: { group: string }) => x.group)).toContain(ns);
    const bad = await request.get('/api/v1/history/chart?from=yesterday&to=now&bucketMs=5');
    expect(bad.status()).toBe(400);
  });

  test('rejects bad input with a JSON error naming the problem', async ({ request }) => {
    const bad = await request.get('/api/v1/drift?status=bogus');
    expect(bad.status()).toBe(400);
    expect((await bad.json()).error.message).toMatch(/status/);
    const unknown = await request.get('/api/v1/drift?colour=red');
    expect(unknown.status()).toBe(400);
    expect((await unknown.json()).error.message).toMatch(/colour/);
    const selector = await request.get('/api/v1/drift?labelSelector=' + encodeURIComponent('a in (b'));
    expect(selector.status()).toBe(400);
    const cursor = await request.get('/api/v1/drift?cursor=forged');
    expect(cursor.status()).toBe(400);
    // Numbers in digits only; a single-valued parameter once; endpoints without parameters take none.
    for (const [path, says] of [
      ['/api/v1/drift?limit=0x10', /limit: a whole number from 1 to 1000/],
      ['/api/v1/drift?limit=10&limit=20', /limit: given 2 times, once expected/],
      ['/api/v1/status?verbose=1', /unknown key "verbose"/],
      ['/api/v1/resources?cluster=x', /unknown key "cluster"/],
      ['/api/v1/drift?labelSelector=' + encodeURIComponent('app===web'), /invalid label selector/],
    ] as const) {
      const res = await request.get(path);
      expect(res.status(), path).toBe(400);
      expect((await res.json()).error.message, path).toMatch(says);
    }
    const missing = await request.get('/api/v1/drift/object?cluster=nope&kind=ConfigMap&name=x');
    expect(missing.status()).toBe(404);
    expect((await missing.json()).error.message).toMatch(/no drift state/);
    // An id no object can have is a 400 that says what an id looks like, not a 404 "not watched".
    for (const id of ['garbage', 'test-cluster/apps/Deployment/cart']) {
      const malformed = await request.get(`/api/v1/drift/object?id=${encodeURIComponent(id)}`);
      expect(malformed.status(), id).toBe(400);
      expect((await malformed.json()).error.message, id).toMatch(/^malformed object id .*: expected <cluster>\/<group>\/<kind>\/<namespace>\/<name>, with the group empty for the core API group/);
    }
    // A method a route does not serve: 405 with Allow, in the same shape.
    const wrongMethod = await request.post('/api/v1/drift', { data: {} });
    expect(wrongMethod.status()).toBe(405);
    expect(wrongMethod.headers()['allow']).toBe('GET, HEAD, OPTIONS');
    expect((await wrongMethod.json()).error.message).toBe('POST is not served here; this endpoint takes GET');
    // A path no route serves: the API's JSON error, not an HTML page, whatever the method.
    for (const res of [await request.get('/api/v1/drfit'), await request.post('/api/nope/deeper', { data: {} })]) {
      expect(res.status()).toBe(404);
      expect(res.headers()['content-type']).toContain('application/json');
      expect((await res.json()).error.message).toMatch(/^no such API endpoint: (GET \/api\/v1\/drfit|POST \/api\/nope\/deeper)/);
    }
  });

  test('serves readiness, resources and Prometheus metrics', async ({ request }) => {
    // One request held until the first lists are in, instead of polling.
    const ready = await request.get('/api/readyz?wait=45', { timeout: 50_000 });
    expect(ready.status(), await ready.text()).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    for (const bad of ['wait=soon', 'wait=61', 'wait=-1', 'wait=', 'wait=0x10', 'wait=1e1', 'wait=%205', 'colour=red']) {
      const res = await request.get(`/api/readyz?${bad}`);
      expect(res.status(), bad).toBe(400);
      expect((await res.json()).error.message, bad).toMatch(/invalid query/);
    }
    const resources = (await (await request.get('/api/v1/resources')).json()).resources as { resource: string; status: string; reasons: string[] }[];
    expect(resources.find((r) => r.resource === 'pods')).toMatchObject({ status: 'synced', reasons: ['pods'] });
    const metrics = await (await request.get('/api/metrics')).text();
    expect(metrics).toMatch(/^driftwatch_objects\{cluster="[^"]+",status="in-sync"\} \d+$/m);
    expect(metrics).toMatch(/^driftwatch_watched_objects\{cluster="[^"]+",group="",version="v1",resource="pods"\} \d+$/m);
    expect(metrics).toContain('# TYPE driftwatch_event_lag_seconds histogram');
    // The server's own memory, in the families Prometheus users know.
    const rss = Number(/^process_resident_memory_bytes (\d+)$/m.exec(metrics)?.[1]);
    const heapUsed = Number(/^nodejs_heap_size_used_bytes (\d+)$/m.exec(metrics)?.[1]);
    expect(rss).toBeGreaterThan(20 * 2 ** 20);
    expect(heapUsed).toBeGreaterThan(0);
    expect(heapUsed).toBeLessThan(rss);
  });
});
