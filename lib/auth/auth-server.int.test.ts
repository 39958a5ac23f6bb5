/**
 * Authentication, limits, headers and the Secret canary through the real production server
 * (scripts/serve.ts, what `npm start` runs) on a Next build of its own (.next-auth), watching the
 * real test cluster; and the one other thing only that server does, parsing a large YAML manifest
 * tree on worker threads. Set DRIFTWATCH_AUTH_TEST_SKIP_BUILD=1 to reuse an existing .next-auth build.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testCluster, uniqueName } from '../../testing/cluster-fixture';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../../testing/kube-write';
import { freePort } from '../../testing/free-port';
import { buildNext, startNextServer, type NextServer } from '../../testing/next-server';
import { tempDirs } from '../../testing/temp-dirs';
import { READ_CONFIGMAPS, viewerRole } from '../../testing/viewer-role';
import { createEmbedToken } from '../share/embed-token';

// Each block's working directory; all removed after the file, once every block's server has stopped.
const tempDir = tempDirs('dw-auth-server-');
const DIST = '.next-auth';
const TOKEN = 'auth-test-token-0123456789abcdef';
const EMBED_SECRET = 'auth-test-embed-secret-0123456789abcdef';
// Known values put into a Secret: none may ever leave the server, in any form.
const CANARY = {
  data: 'canary-data-3d9f1c',
  stringData: 'canary-stringdata-a81e44',
  lastApplied: 'canary-lastapplied-77b2e0',
  desired: 'canary-desired-c4d5e6',
  changed: 'canary-changed-9a0b1c',
};
const b64 = (s: string) => Buffer.from(s).toString('base64');
const needles = Object.values(CANARY).flatMap((v) => [v, b64(v), b64(v).replace(/=+$/, '')]);

const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: 'production',
  DRIFTWATCH_NEXT_DIST_DIR: DIST,
  ...extra,
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request, optionally from another loopback address (127.0.0.2 plays a trusted proxy). */
function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** An open event stream: its status, and everything received until close(). */
function openStream(url: string, headers: Record<string, string>): Promise<{ status: number; body: string; text: () => string; close: () => void }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = http.get(`${url}/api/v1/stream`, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      res.setEncoding('utf8');
      let body = '';
      res.on('data', (c: string) => {
        text += c;
        body += c;
      });
      res.on('error', () => undefined);
      const done = () => resolve({ status: res.statusCode ?? 0, body, text: () => text, close: () => req.destroy() });
      if (res.statusCode === 200) done();
      else res.on('end', done);
    });
    req.on('error', (err) => (text ? undefined : reject(err)));
  });
}

let built = false;
async function ensureBuild(): Promise<void> {
  if (built) return;
  if (!(process.env.DRIFTWATCH_AUTH_TEST_SKIP_BUILD === '1' && existsSync(join(DIST, 'BUILD_ID')))) {
    await buildNext({ ...process.env, DRIFTWATCH_NEXT_DIST_DIR: DIST });
  }
  built = true;
}

describe('token mode, limits, headers and the Secret canary (real server, real cluster)', () => {
  const { kc, state } = testCluster();
  const ns = uniqueName('auth');
  const work = tempDir();
  const dataDir = join(work, 'data');
  const manifests = join(work, 'manifests');
  let server: NextServer;
  let secretId = '';
  const bearer = { Authorization: `Bearer ${TOKEN}` };
  /** Every body the server answered in this suite, searched for the canaries at the end. */
  const seen: string[] = [];
  const get = async (path: string, headers: Record<string, string> = bearer) => {
    const r = await request(`${server.url}${path}`, { headers });
    seen.push(r.body, JSON.stringify(r.headers));
    return r;
  };

  beforeAll(async () => {
    await ensureBuild();
    mkdirSync(manifests, { recursive: true });
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'canary', namespace: ns }, stringData: { la: CANARY.lastApplied } });
    await kubeWrite(kc, 'POST', objectPath({ apiVersion: 'v1', resource: 'secrets', namespace: ns }), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'canary', namespace: ns, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
      data: { d: b64(CANARY.data) },
      stringData: { s: CANARY.stringData },
    });
    writeFileSync(join(manifests, 'secret.yaml'), JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'canary', namespace: ns }, stringData: { s: CANARY.desired, d: CANARY.data } }));
    const config = join(work, 'driftwatch.yaml');
    writeFileSync(config, JSON.stringify({ watch: { namespaces: [ns], pods: false, customResources: false }, limits: { maxStreamsPerUser: 2 } }));
    server = await startNextServer({
      driftwatchServer: true,
      env: env({
        DRIFTWATCH_CONFIG: config,
        DRIFTWATCH_KUBECONFIG: state.kubeconfig,
        DRIFTWATCH_MANIFESTS: manifests,
        DRIFTWATCH_DATA_DIR: dataDir,
        DRIFTWATCH_AUTH_MODE: 'token',
        DRIFTWATCH_AUTH_TOKEN: TOKEN,
        DRIFTWATCH_EMBED_TOKEN_SECRET: EMBED_SECRET,
      }),
    });
    const secret = await eventually(async () => {
      const r = await get(`/api/v1/drift?namespace=${ns}&kind=Secret`);
      const body = JSON.parse(r.body) as { items: { id: string; status: string }[] };
      return body.items.find((i) => i.status === 'drifted');
    }, 'the Secret reported as drifted');
    secretId = secret.id;
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
    await kubeWrite(kc, 'DELETE', `/api/v1/namespaces/${ns}`, undefined).catch(() => undefined);
  });

  it('listens on the address it was given in token mode, and says which mode', () => {
    expect(server.output()).toContain('auth mode token: listening on 127.0.0.1');
  });

  it('refuses pages, API, stream, snapshots and embeds without credentials', async () => {
    const none = {};
    for (const path of ['/', '/drift', `/objects?id=${encodeURIComponent(secretId)}`, '/s/AAAAAAAAAAAAAAAAAAAAAA', '/embed/drift', '/embed/overview']) {
      const r = await get(path, none);
      expect(r.status, path).toBe(303);
      expect(r.headers.location, path).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    for (const path of ['/api/v1/drift', '/api/v1/stream', '/api/v1/status', '/api/v1/resources', `/api/v1/drift/object?id=${encodeURIComponent(secretId)}`, '/api/v1/snapshots/AAAAAAAAAAAAAAAAAAAAAA', '/api/metrics']) {
      const r = await get(path, none);
      expect(r.status, path).toBe(401);
      expect(r.headers['www-authenticate'], path).toContain('Bearer');
      expect(JSON.parse(r.body), path).toMatchObject({ error: { status: 401 } });
    }
    const post = await request(`${server.url}/api/v1/snapshots`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: secretId }) });
    expect(post.status).toBe(401);
    // Headers that only the gate may set are ignored when a client sends them.
    const spoof = await get('/api/v1/drift', { 'x-driftwatch-user': 'admin', 'x-driftwatch-auth-via': 'session', 'x-driftwatch-peer': 'x 127.0.0.1' });
    expect(spoof.status).toBe(401);
    // The mark the server puts on API requests it has gated (proxy.ts then skips them) is removed
    // from what clients send: claiming it passes neither the API nor the pages.
    for (const path of ['/api/v1/drift', '/api/v1/status', '/api/metrics']) expect((await get(path, { 'x-driftwatch-gated': '1', 'x-driftwatch-user': 'admin' })).status, path).toBe(401);
    for (const path of ['/drift', '/embed/drift']) expect((await get(path, { 'x-driftwatch-gated': '1' })).status, path).toBe(303);
    // Paths that read differently once normalised are left to the proxy: a public probe's name does not open the API.
    for (const path of ['/api/healthz/../v1/drift', '//x/api/healthz', '/api/healthz/%2E%2E/v1/status']) expect((await get(path, none)).status, path).not.toBe(200);
    expect((await get('/api/v1/drift', { Authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    // Probes and the login page stay reachable.
    expect((await get('/api/healthz', none)).status).toBe(200);
    expect((await get('/login', none)).status).toBe(200);
  });

  it('signs in through the form: HttpOnly, SameSite=Strict session cookie (not Secure over http), then pages and API work', async () => {
    const wrong = await request(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'token=nope&next=%2Fdrift' });
    expect(wrong.status).toBe(303);
    expect(wrong.headers.location).toContain('/login?error=1');
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const evil = await request(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `token=${TOKEN}&next=${encodeURIComponent('//evil.example/x')}` });
    expect(evil.headers.location).toBe('/');

    const ok = await request(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `token=${TOKEN}&next=%2Fdrift` });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/drift');
    const cookie = ok.headers['set-cookie']?.[0] ?? '';
    const attrs = cookie.split(';').map((a) => a.trim());
    expect(attrs[0]).toMatch(/^driftwatch_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(attrs).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=43200']));
    expect(attrs).not.toContain('Secure');
    // Behind a TLS-terminating ingress (X-Forwarded-Proto: https) the cookie is Secure.
    const tls = await request(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-Proto': 'https' }, body: `token=${TOKEN}&next=%2F` });
    expect(tls.headers['set-cookie']?.[0]?.split(';').map((a) => a.trim())).toContain('Secure');

    const session = { Cookie: attrs[0] ?? '' };
    expect((await get('/api/v1/drift', session)).status).toBe(200);
    const page = await get('/drift', session);
    expect(page.status).toBe(200);
    // Tampered or foreign cookies are worthless.
    const [payload, mac] = (attrs[0] ?? '').split('=')[1]?.split('.') ?? [];
    const forged = Buffer.from(JSON.stringify({ u: 'admin', g: [], exp: 4102444800 })).toString('base64url');
    expect((await get('/api/v1/drift', { Cookie: `driftwatch_session=${forged}.${mac}` })).status).toBe(401);
    expect((await get('/api/v1/drift', { Cookie: `driftwatch_session=${payload}.AAAA` })).status).toBe(401);

    const audit = readFileSync(join(dataDir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'sign-in-refused', via: 'login-form' }), expect.objectContaining({ event: 'sign-in', user: 'token-user', via: 'login-form' })]));
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it('pages carry a strict CSP with a per-request nonce on every script, nosniff and a referrer policy', async () => {
    const a = await get('/drift');
    const b = await get('/drift');
    const csp = String(a.headers['content-security-policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("script-src 'self' 'nonce-");
    expect(csp).toContain("'strict-dynamic'");
    expect(csp).not.toContain('unsafe-inline\' \'strict');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(String(b.headers['content-security-policy'])).not.toContain(`'nonce-${nonce}'`);
    const scripts = [...a.body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(s).toContain(`nonce="${nonce}"`);
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.headers['referrer-policy']).toBe('same-origin');
    const api = await get('/api/v1/status');
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(String(api.headers['content-security-policy'])).toContain("default-src 'none'");
  });

  it('an embed with a valid signed token needs no session; a bad token is refused', async () => {
    const token = createEmbedToken(EMBED_SECRET, { view: 'overview', ttlMs: 3_600_000 });
    const ok = await get(`/embed/overview?token=${encodeURIComponent(token)}`, {});
    expect(ok.status).toBe(200);
    expect(String(ok.headers['content-security-policy'])).toContain("frame-ancestors 'self'");
    expect(String(ok.headers['content-security-policy'])).toContain("'nonce-");
    const bad = await get(`/embed/overview?token=${encodeURIComponent(`${token}x`)}`, {});
    expect(bad.status).toBe(303);

    // The embed's own data reads carry the token in a header (lib/client/api.ts): allowed for
    // that view's reads only, and only for what the token pins.
    const header = (t: string) => ({ 'x-driftwatch-embed-token': t });
    // An overview reads counts, never the objects themselves (their changes, values, managers).
    const counts = await get('/api/v1/drift/counts', header(token));
    expect(counts.status).toBe(200);
    expect(Object.keys(JSON.parse(counts.body) as object).sort()).toEqual(['counts', 'lastEventId', 'ready', 'total']);
    expect((await get('/api/v1/drift?limit=1', header(token))).status).toBe(401);
    expect((await get('/api/v1/drift?limit=1000&status=in-sync,drifted,missing,unmanaged,error', header(token))).status).toBe(401);
    // A token that pins how the panel draws still reads its data.
    const pinned = createEmbedToken(EMBED_SECRET, { view: 'overview', params: { range: '7d', stack: 'namespace' }, ttlMs: 3_600_000 });
    expect((await get('/api/v1/drift/counts', header(pinned))).status).toBe(200);
    // A locked range pins from/to: the chart reads them, the counts (now's) do not.
    const locked = createEmbedToken(EMBED_SECRET, { view: 'overview', params: { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' }, ttlMs: 3_600_000 });
    expect((await get('/api/v1/drift/counts', header(locked))).status).toBe(200);
    const driftToken = createEmbedToken(EMBED_SECRET, { view: 'drift', ttlMs: 3_600_000 });
    expect((await get('/api/v1/drift?limit=1', header(driftToken))).status).toBe(200);
    // The drift panel shows paths and managers: its token reads no value, label or ignored change.
    const listed = JSON.parse((await get('/api/v1/drift?limit=1000&status=drifted', header(driftToken))).body) as { items: Array<{ labels: object; ignored: unknown[]; source?: unknown; changes: object[] }> };
    expect(listed.items.some((i) => i.changes.length > 0)).toBe(true);
    for (const i of listed.items) {
      expect([i.labels, i.ignored, i.source]).toEqual([{}, [], undefined]);
      for (const c of i.changes) expect(Object.keys(c).filter((k) => !['path', 'op', 'manager'].includes(k))).toEqual([]);
    }
    // Past the gate (the route itself then wants its chart parameters).
    expect((await get('/api/v1/history/chart', header(token))).status).not.toBe(401);
    expect((await get('/api/v1/history/chart', {})).status).toBe(401);
    expect((await get('/api/v1/drift?limit=1', header(`${token}x`))).status).toBe(401);
    expect((await get('/api/v1/status', header(token))).status).toBe(401);
    expect((await get(`/api/v1/drift/object?id=${encodeURIComponent(secretId)}`, header(token))).status).toBe(401);
    const objectToken = createEmbedToken(EMBED_SECRET, { view: 'object', params: { id: secretId }, ttlMs: 3_600_000 });
    expect((await get(`/api/v1/drift/object?id=${encodeURIComponent(secretId)}`, header(objectToken))).status).toBe(200);
    expect((await get(`/api/v1/drift/object?id=${encodeURIComponent(`${secretId}-other`)}`, header(objectToken))).status).toBe(401);
    expect((await get(`/api/v1/history/object?id=${encodeURIComponent(secretId)}`, header(objectToken))).status).toBe(401);
    const withIgnored = JSON.parse((await get(`/api/v1/drift/object?id=${encodeURIComponent(secretId)}&showIgnored=true`, header(objectToken))).body) as { ignored?: unknown; state: { source?: { file?: string; root?: string } } };
    expect(withIgnored.ignored).toBeUndefined();
    // The panel names the manifest file; the directory on the dashboard's host stays with signed-in users.
    expect(withIgnored.state.source?.file).toBeDefined();
    expect(withIgnored.state.source?.root).toBeUndefined();
    const signedIn = JSON.parse((await get(`/api/v1/drift/object?id=${encodeURIComponent(secretId)}`, bearer)).body) as { state: { source?: { root?: string } } };
    expect(signedIn.state.source?.root).toBeDefined();
    const post = await request(`${server.url}/api/v1/snapshots`, { method: 'POST', headers: { ...header(objectToken), 'Content-Type': 'application/json' }, body: JSON.stringify({ id: secretId }) });
    expect(post.status).toBe(401);
  });

  it('caps event streams per user: over the cap answers 429 with a JSON error; closing one frees a slot', async () => {
    const s1 = await openStream(server.url, bearer);
    const s2 = await openStream(server.url, bearer);
    expect([s1.status, s2.status]).toEqual([200, 200]);
    const s3 = await openStream(server.url, bearer);
    expect(s3.status).toBe(429);
    expect(JSON.parse(s3.body)).toMatchObject({ error: { status: 429, message: expect.stringContaining('too many open event streams') } });
    s1.close();
    const s4 = await eventually(async () => {
      const s = await openStream(server.url, bearer);
      if (s.status === 200) return s;
      return undefined;
    }, 'a free stream slot after closing one');
    // While streams are open, the Secret changes: its events go into the canary search.
    await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'v1', resource: 'secrets', namespace: ns, name: 'canary' }, { fieldManager: 'kubectl-edit' }), { stringData: { s: CANARY.changed } }, CONTENT_TYPE.merge);
    await eventually(async () => s4.text().includes('canary') && s4.text().includes('event: drift'), 'a drift event for the Secret', 30_000);
    s2.close();
    s4.close();
    seen.push(s1.text(), s2.text(), s4.text());
  });

  it('answers HEAD on the stream with its headers and no stream: probes take no slot', async () => {
    for (let i = 0; i < 5; i++) {
      const head = await request(`${server.url}/api/v1/stream`, { method: 'HEAD', headers: bearer });
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(head.body).toBe('');
    }
    expect((await request(`${server.url}/api/v1/stream?limit=1`, { method: 'HEAD', headers: bearer })).status).toBe(400);
    // Both of the user's slots are still free (the previous test's streams are closed by now).
    const both = await eventually(async () => {
      const a = await openStream(server.url, bearer);
      const b = await openStream(server.url, bearer);
      if (a.status === 200 && b.status === 200) return [a, b];
      a.close();
      b.close();
      return undefined;
    }, 'two streams after five HEADs');
    for (const s of both) s.close();
  });

  it('refuses oversized bodies (413) and query strings (414)', async () => {
    const big = await request(`${server.url}/api/v1/snapshots`, { method: 'POST', headers: { ...bearer, 'Content-Type': 'application/json' }, body: JSON.stringify({ id: secretId, pad: 'x'.repeat(70_000) }) });
    expect(big.status).toBe(413);
    const longQuery = await get(`/api/v1/drift?q=${'a'.repeat(9000)}`);
    expect(longQuery.status).toBe(414);
  });

  it('snapshot creation is audited (without the link); the Secret canary appears in no response, stream, page, snapshot, embed, log or database file', async () => {
    const created = await request(`${server.url}/api/v1/snapshots`, { method: 'POST', headers: { ...bearer, 'Content-Type': 'application/json' }, body: JSON.stringify({ id: secretId }) });
    expect(created.status).toBe(201);
    seen.push(created.body);
    const snap = JSON.parse(created.body) as { id: string; url: string };
    const audit = readFileSync(join(dataDir, 'audit.log'), 'utf8');
    expect(audit).toContain('"event":"snapshot-created"');
    expect(audit).not.toContain(snap.id);

    const enc = encodeURIComponent(secretId);
    for (const path of [
      '/api/v1/drift',
      `/api/v1/drift?namespace=${ns}`,
      `/api/v1/drift/object?id=${enc}`,
      `/api/v1/drift/object?id=${enc}&showIgnored=true`,
      `/api/v1/history/object?id=${enc}`,
      '/api/v1/history/findings',
      '/api/v1/resources',
      '/api/v1/status',
      '/api/metrics',
      `/api/v1/snapshots/${snap.id}`,
      snap.url,
      // Escapes that do not decode, or decode to one: the unknown link's 404, not a 500.
      '/s/%25',
      '/s/%E0%A4',
      `/objects?id=${enc}`,
      '/',
      '/drift',
      `/embed/object?id=${enc}&token=${encodeURIComponent(createEmbedToken(EMBED_SECRET, { view: 'object', params: { id: secretId }, ttlMs: 3_600_000 }))}`,
      `/embed/drift?namespace=${ns}`,
    ]) {
      const r = await get(path);
      expect(r.status, `${path}: ${r.body.slice(0, 200)}`).toBeLessThan(500);
    }
    // The object answer shows the Secret changed, value hidden.
    expect(seen.join('\n')).toContain('"drifted"');

    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name)));
    };
    walk(dataDir);
    expect(files.some((f) => f.endsWith('history.db'))).toBe(true);
    const haystacks: [string, string][] = [
      ...seen.map((s, i) => [`response ${i}`, s] as [string, string]),
      ['server log', server.output()],
      ...files.map((f) => [f, readFileSync(f).toString('latin1')] as [string, string]),
    ];
    const hits = haystacks.flatMap(([where, text]) => needles.filter((n) => text.includes(n)).map((n) => `${n} in ${where}`));
    expect(hits).toEqual([]);
  });
});

describe('proxy mode: trusted addresses, allowed groups and namespace scoping (real server)', () => {
  const { kc, state } = testCluster();
  const work = tempDir();
  const nsA = uniqueName('scope-a');
  const nsB = uniqueName('scope-b');
  let server: NextServer;
  const proxyHeaders = (user: string, groups: string) => ({ 'X-Forwarded-User': user, 'X-Forwarded-Groups': groups });
  const lastApplied = (ns: string) => {
    const m = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scoped', namespace: ns }, data: { v: '1' } };
    return { ...m, metadata: { ...m.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(m) } } };
  };

  beforeAll(async () => {
    await ensureBuild();
    for (const ns of [nsA, nsB]) {
      await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      await kubeWrite(kc, 'POST', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns }), lastApplied(ns));
    }
    const config = join(work, 'driftwatch.yaml');
    mkdirSync(work, { recursive: true });
    writeFileSync(config, JSON.stringify({ watch: { namespaces: [nsA, nsB], pods: false, customResources: false, include: ['configmaps'] }, auth: { namespaceScopes: { sre: ['*'], 'team-a': [nsA] } } }));
    server = await startNextServer({
      driftwatchServer: true,
      env: env({
        DRIFTWATCH_CONFIG: config,
        DRIFTWATCH_KUBECONFIG: state.kubeconfig,
        DRIFTWATCH_DATA_DIR: join(work, 'data'),
        DRIFTWATCH_AUTH_MODE: 'proxy',
        // Only 127.0.0.2 is the proxy; the tests' own 127.0.0.1 is "someone else".
        DRIFTWATCH_TRUSTED_PROXIES: '127.0.0.2',
        DRIFTWATCH_ALLOWED_GROUPS: 'sre,platform,team-a',
      }),
    });
    await eventually(async () => (await viaProxy('/api/v1/drift', proxyHeaders('alice@example.com', 'sre'))).status === 200, 'the runtime started');
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
    for (const ns of [nsA, nsB]) await kubeWrite(kc, 'DELETE', `/api/v1/namespaces/${ns}`, undefined).catch(() => undefined);
  });

  const viaProxy = (path: string, headers: Record<string, string>) => request(`${server.url}${path}`, { headers, localAddress: '127.0.0.2' });
  const direct = (path: string, headers: Record<string, string>) => request(`${server.url}${path}`, { headers });

  it('lets a user in an allowed group in through the proxy, everywhere', async () => {
    for (const path of ['/', '/api/v1/drift', '/api/v1/status', '/drift']) {
      expect((await viaProxy(path, proxyHeaders('alice@example.com', 'dev, sre'))).status, path).toBe(200);
    }
    const s = await openStream(server.url, proxyHeaders('alice@example.com', 'sre')).catch(() => undefined);
    // From 127.0.0.1 the headers are ignored: no stream.
    expect(s?.status).toBe(401);
    s?.close();
  });

  it('refuses a user in no allowed group (403) and a request without a user (401)', async () => {
    const wrong = await viaProxy('/api/v1/drift', proxyHeaders('mallory@example.com', 'dev,interns'));
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.body)).toMatchObject({ error: { message: expect.stringContaining('not in a group allowed') } });
    expect((await viaProxy('/', proxyHeaders('mallory@example.com', 'dev'))).status).toBe(403);
    expect((await viaProxy('/api/v1/drift', {})).status).toBe(401);
    expect((await viaProxy('/embed/overview', {})).status).toBe(401);
    expect((await viaProxy('/s/AAAAAAAAAAAAAAAAAAAAAA', {})).status).toBe(401);
  });

  it('ignores proxy headers from an address that is not a configured proxy, even with a forged peer header', async () => {
    for (const path of ['/', '/api/v1/drift', '/api/v1/stream', '/embed/overview', '/api/v1/snapshots/AAAAAAAAAAAAAAAAAAAAAA']) {
      const r = await direct(path, { ...proxyHeaders('alice@example.com', 'sre'), 'X-Forwarded-For': '127.0.0.2', 'x-driftwatch-peer': 'guess 127.0.0.2' });
      expect(r.status, path).toBe(401);
    }
  });

  it('namespace scoping: a team-a user sees only team-a objects in lists, counts, object reads, streams, snapshots, charts, findings and histories', async () => {
    const sre = proxyHeaders('root@example.com', 'sre');
    const bob = proxyHeaders('bob@example.com', 'team-a');
    type List = { items: { id: string; namespace: string }[]; total: number; counts: Record<string, number> };
    const list = async (h: Record<string, string>, q = '') => JSON.parse((await viaProxy(`/api/v1/drift?status=in-sync,drifted&limit=1000${q}`, h)).body) as List;
    const all = await eventually(async () => {
      const l = await list(sre);
      return [nsA, nsB].every((ns) => l.items.some((i) => i.namespace === ns)) ? l : undefined;
    }, 'both namespaces listed for sre');
    const idB = all.items.find((i) => i.namespace === nsB)?.id ?? '';
    const idA = all.items.find((i) => i.namespace === nsA)?.id ?? '';

    const mine = await list(bob);
    expect(new Set(mine.items.map((i) => i.namespace))).toEqual(new Set([nsA]));
    // Counts (all statuses) are nsA's alone: what an unscoped user sees when filtering to nsA.
    expect(mine.counts).toEqual((await list(sre, `&namespace=${nsA}`)).counts);
    expect(mine.counts).not.toEqual(all.counts);
    expect((await list(bob, `&namespace=${nsB}`)).items).toEqual([]);
    // The drift table's compact rows: the same objects as the list, nothing of nsB.
    const rowsRes = await viaProxy('/api/v1/drift/rows', bob);
    expect(rowsRes.status).toBe(200);
    const rows = JSON.parse(rowsRes.body) as { rows: [string, ...unknown[]][]; total: number };
    const rowIds = rows.rows.map((r) => r[0]);
    expect(new Set(rowIds.map((id) => id.split('/')[3]))).toEqual(new Set([nsA]));
    expect(rowIds).toEqual(expect.arrayContaining(mine.items.map((i) => i.id)));
    expect(rows.total).toBe(rowIds.length);
    expect((await viaProxy(`/api/v1/drift/object?id=${encodeURIComponent(idB)}`, bob)).status).toBe(404);
    expect((await viaProxy(`/api/v1/drift/object?id=${encodeURIComponent(idA)}`, bob)).status).toBe(200);
    const snapB = await request(`${server.url}/api/v1/snapshots`, { method: 'POST', headers: { ...bob, 'Content-Type': 'application/json' }, body: JSON.stringify({ id: idB }), localAddress: '127.0.0.2' });
    expect(snapB.status).toBe(404);
    // Endpoints that do not filter by namespace yet are refused rather than leak.
    for (const path of ['/api/metrics', '/embed/overview']) {
      expect((await viaProxy(path, bob)).status, path).toBe(403);
    }
    // Status and sync states (every page's banner reads them): counts of bob's objects only, no manifest problems.
    type Status = { clusters: { objects: number }[]; manifestProblems: unknown[]; manifestProblemsHidden?: boolean };
    const bobStatus = JSON.parse((await viaProxy('/api/v1/status', bob)).body) as Status;
    const bobObjects = Object.values(mine.counts).reduce((a, b) => a + b, 0);
    expect(bobStatus.clusters.map((c) => c.objects)).toEqual([bobObjects]);
    expect(bobStatus).toMatchObject({ manifestProblems: [], manifestProblemsHidden: true });
    const sreStatus = JSON.parse((await viaProxy('/api/v1/status', sre)).body) as Status;
    expect(sreStatus.clusters[0]?.objects).toBeGreaterThan(bobObjects);
    expect(sreStatus.manifestProblemsHidden).toBeUndefined();
    type Resources = { resources: { resource: string; objects: number }[] };
    const configmaps = async (h: Record<string, string>) => (JSON.parse((await viaProxy('/api/v1/resources', h)).body) as Resources).resources.find((r) => r.resource === 'configmaps')?.objects;
    expect(await configmaps(bob)).toBe(bobObjects);
    expect(await configmaps(sre)).toBeGreaterThan(bobObjects);
    // The cluster page's namespaces: bob's only.
    type Cluster = { namespaces: { name: string }[] };
    const clusterNs = async (h: Record<string, string>) => (JSON.parse((await viaProxy('/api/v1/cluster', h)).body) as Cluster).namespaces.map((n) => n.name);
    expect(await clusterNs(bob)).toEqual([nsA]);
    expect(await clusterNs(sre)).toEqual(expect.arrayContaining([nsA, nsB]));
    // A user in no mapped group sees nothing at all.
    expect((await list(proxyHeaders('carol@example.com', 'platform'))).items).toEqual([]);

    // Streams: bob's carries nsA's change and not nsB's.
    const text = await new Promise<string>((resolve, reject) => {
      let got = '';
      const req = http.get(`${server.url}/api/v1/stream`, { headers: { ...bob, Accept: 'text/event-stream' }, localAddress: '127.0.0.2' }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          got += c;
          if (got.includes(`${nsA}/scoped`) && got.includes('event: drift')) {
            // nsB was changed first: had it been sent, it would already be here.
            req.destroy();
            resolve(got);
          }
        });
        void (async () => {
          await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: nsB, name: 'scoped' }, { fieldManager: 'kubectl-edit' }), { data: { v: 'b' } }, CONTENT_TYPE.merge);
          await eventually(async () => (await list(sre, `&namespace=${nsB}`)).items.some((i) => i.id === idB && JSON.stringify(i).includes('drifted')), 'nsB drifted');
          await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: nsA, name: 'scoped' }, { fieldManager: 'kubectl-edit' }), { data: { v: 'a' } }, CONTENT_TYPE.merge);
        })().catch(reject);
      });
      req.on('error', () => undefined);
    });
    expect(text).toContain(nsA);
    expect(text).not.toContain(nsB);

    // History: both objects have drifted now. Charts, findings and object histories show bob only nsA.
    type Chart = { series: { group: string; opened: number[] }[] };
    const hour = 3_600_000;
    const chartPath = `/api/v1/history/chart?from=${new Date(Date.now() - hour).toISOString()}&to=${new Date(Date.now() + hour).toISOString()}&bucketMs=${hour}&groupBy=namespace`;
    const chart = async (h: Record<string, string>, extra = '') => {
      const r = await viaProxy(`${chartPath}${extra}`, h);
      expect(r.status).toBe(200);
      return JSON.parse(r.body) as Chart;
    };
    const opened = (c: Chart, ns: string) => c.series.find((x) => x.group === ns)?.opened.reduce((a, b) => a + b, 0) ?? 0;
    await eventually(async () => {
      const c = await chart(sre);
      return opened(c, nsA) > 0 && opened(c, nsB) > 0;
    }, 'both drift episodes in the history chart');
    const bobChart = await chart(bob);
    expect(bobChart.series.map((x) => x.group)).toEqual([nsA]);
    expect((await chart(bob, `&namespace=${nsB}`)).series).toEqual([]);
    const findings = await viaProxy('/api/v1/history/findings', bob);
    expect(findings.status).toBe(200);
    expect((JSON.parse(findings.body) as { findings: { object: { namespace: string } }[] }).findings.every((f) => f.object.namespace === nsA)).toBe(true);
    expect((await viaProxy(`/api/v1/history/object?id=${encodeURIComponent(idB)}`, bob)).status).toBe(404);
    expect((await viaProxy(`/api/v1/history/object?id=${encodeURIComponent(idB)}`, sre)).status).toBe(200);
    await eventually(async () => (await viaProxy(`/api/v1/history/object?id=${encodeURIComponent(idA)}`, bob)).status === 200, "bob reads nsA's history");
    // Share links: bob opens snapshots of nsA objects; one of nsB is as unknown to him as a guessed id.
    const snap = async (id: string) => {
      const r = await request(`${server.url}/api/v1/snapshots`, { method: 'POST', headers: { ...sre, 'Content-Type': 'application/json' }, body: JSON.stringify({ id }), localAddress: '127.0.0.2' });
      expect(r.status).toBe(201);
      return (JSON.parse(r.body) as { id: string }).id;
    };
    const [shareA, shareB] = [await snap(idA), await snap(idB)];
    expect((await viaProxy(`/api/v1/snapshots/${shareA}`, bob)).status).toBe(200);
    expect((await viaProxy(`/s/${shareA}`, bob)).status).toBe(200);
    const hidden = await viaProxy(`/api/v1/snapshots/${shareB}`, bob);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toBe((await viaProxy('/api/v1/snapshots/AAAAAAAAAAAAAAAAAAAAAA', bob)).body);
    const hiddenPage = await viaProxy(`/s/${shareB}`, bob);
    expect(hiddenPage.status).toBe(404);
    expect(hiddenPage.body).not.toContain(nsB);
    expect((await viaProxy(`/s/${shareB}`, sre)).status).toBe(200);
    // Revoking takes what reading takes: bob cannot revoke nsB's link (the same 404), can nsA's.
    const revoke = (id: string, headers: Record<string, string>) => request(`${server.url}/api/v1/snapshots/${id}`, { method: 'DELETE', headers, localAddress: '127.0.0.2' });
    expect((await revoke(shareB, bob)).status).toBe(404);
    expect((await viaProxy(`/api/v1/snapshots/${shareB}`, sre)).status).toBe(200);
    expect((await revoke(shareA, bob)).status).toBe(200);
    expect((await viaProxy(`/api/v1/snapshots/${shareA}`, sre)).status).toBe(410);
    expect((await viaProxy(`/s/${shareA}`, sre)).status).toBe(410);
    const revokedAudit = readFileSync(join(work, 'data', 'audit.log'), 'utf8').split('\n').filter((l) => l.includes('"event":"snapshot-revoked"'));
    expect(revokedAudit).toEqual([expect.stringContaining(`"object":"${idA}"`)]);
    expect(revokedAudit.join('')).not.toContain(shareA);
    // Crash reports follow the same rule (ConfigMaps have none: 400 for nsA, 404 for nsB).
    expect((await viaProxy(`/api/v1/health/object?id=${encodeURIComponent(idB)}`, bob)).status).toBe(404);
    expect((await viaProxy(`/api/v1/health/object?id=${encodeURIComponent(idA)}`, bob)).status).toBe(400);
  });

  it('audits the first request of each proxy user as a sign-in', () => {
    const audit = readFileSync(join(work, 'data', 'audit.log'), 'utf8');
    expect(audit).toContain('"user":"alice@example.com","via":"proxy","peer":"127.0.0.2"');
  });
});

describe('auth mode none binds to loopback only', () => {
  const { state } = testCluster();
  const work = tempDir();
  let server: NextServer | undefined;

  afterAll(async () => {
    await server?.stop();
  });

  it('asked for 0.0.0.0, listens on 127.0.0.1 and says so', async () => {
    await ensureBuild();
    const srv = await startNextServer({ driftwatchServer: true, hostname: '0.0.0.0', env: env({ DRIFTWATCH_KUBECONFIG: state.kubeconfig, DRIFTWATCH_DATA_DIR: join(work, 'data') }) });
    server = srv;
    expect(srv.output()).toContain('auth mode none: listening on 127.0.0.1 only (not 0.0.0.0');
    // 127.0.0.2 is loopback too, but not the bound address: nothing listens there.
    await expect(request(`http://127.0.0.2:${srv.port}/api/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    await eventually(async () => (await request(`${srv.url}/api/v1/drift`)).status === 200, 'the drift list without credentials');
  }, 600_000);
});

describe('the bind address in token mode', () => {
  const { state } = testCluster();
  const work = tempDir();

  it('comes from DRIFTWATCH_HOSTNAME, never from HOSTNAME (a container\'s own name)', async () => {
    await ensureBuild();
    // 203.0.113.7 is on no interface here: a server that read HOSTNAME would not start.
    const srv = await startNextServer({
      driftwatchServer: true,
      hostname: null,
      env: env({ HOSTNAME: '203.0.113.7', DRIFTWATCH_HOSTNAME: '127.0.0.1', DRIFTWATCH_AUTH_MODE: 'token', DRIFTWATCH_AUTH_TOKEN: TOKEN, DRIFTWATCH_KUBECONFIG: state.kubeconfig, DRIFTWATCH_DATA_DIR: join(work, 'data') }),
    });
    try {
      expect(srv.output()).toContain('auth mode token: listening on 127.0.0.1');
      expect((await request(`${srv.url}/api/healthz`)).status).toBe(200);
    } finally {
      await srv.stop();
    }
  });
});

describe('npm start with a configuration mistake', () => {
  const work = tempDir();

  it('refuses a bad configuration file with the problem in one message, not a stack trace', async () => {
    await ensureBuild();
    const file = join(work, 'driftwatch.yaml');
    writeFileSync(file, 'clusterz: []\n');
    const failure = await startNextServer({ driftwatchServer: true, env: env({ DRIFTWATCH_CONFIG: file, DRIFTWATCH_DATA_DIR: join(work, 'data') }) }).then(
      () => 'started',
      (err: unknown) => String(err),
    );
    expect(failure).toContain(`exited (2)`);
    expect(failure).toContain(`[driftwatch] ${file}: invalid configuration`);
    expect(failure).toContain('clusterz');
    expect(failure).not.toMatch(/\n\s+at /);
  }, 600_000);

  it('stops at once with one line, before the clusters are listed, when its port is taken', async () => {
    await ensureBuild();
    // Hangs up on every connection: the helper's health check must not take it for the dashboard.
    const taken = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const port = (taken.address() as { port: number }).port;
    try {
      const failure = await startNextServer({ driftwatchServer: true, port, env: env({ DRIFTWATCH_KUBECONFIG: join(work, 'absent.kubeconfig'), DRIFTWATCH_DATA_DIR: join(work, 'data-port') }) }).then(
        // Not left running when it did start after all.
        (srv) => srv.stop().then(() => 'started'),
        (err: unknown) => String(err),
      );
      expect(failure).toContain(`[driftwatch] cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE)`);
      // Exited before Next prepared, which starts the live runtime.
      expect(failure).not.toContain('ready on http');
      expect(failure).not.toContain('DRIFTWATCH_KUBECONFIG points to');
      expect(failure).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 600_000);

  it('keeps serving, and does not spin, when the pipes its log went to are closed (the terminal or supervisor went away)', async () => {
    await ensureBuild();
    const port = await freePort();
    const child = spawn(process.execPath, [join(process.cwd(), 'scripts', 'start.mjs'), '--port', String(port)], {
      env: env({ DRIFTWATCH_KUBECONFIG: join(work, 'absent.kubeconfig'), DRIFTWATCH_DATA_DIR: join(work, 'data-epipe') }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Nobody reads the log from the start: every line the server writes fails with EPIPE.
    child.stdout?.destroy();
    child.stderr?.destroy();
    try {
      await eventually(async () => (await request(`http://127.0.0.1:${port}/api/healthz`).catch(() => undefined))?.status === 200, 'the server answering', 60_000);
      // Unhandled, each failed write was logged to the same closed pipe, failing again: a core
      // kept busy for as long as the server ran. Idle now, it uses a fraction of one.
      const ticks = () => Number(readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ').slice(11, 13).reduce((a, b) => a + Number(b), 0));
      await new Promise((r) => setTimeout(r, 1000));
      const before = ticks();
      await new Promise((r) => setTimeout(r, 3000));
      expect((ticks() - before) / 100 / 3).toBeLessThan(0.5);
      expect((await request(`http://127.0.0.1:${port}/api/readyz`)).status).toBe(503);
    } finally {
      child.kill('SIGKILL');
    }
  }, 600_000);

  it('answers readiness with 503 and the reason at once when no configured cluster can be loaded', async () => {
    await ensureBuild();
    const srv = await startNextServer({ driftwatchServer: true, env: env({ DRIFTWATCH_KUBECONFIG: join(work, 'absent.kubeconfig'), DRIFTWATCH_DATA_DIR: join(work, 'data-absent') }) });
    try {
      const asked = Date.now();
      const res = await request(`${srv.url}/api/readyz?wait=20`);
      expect(res.status).toBe(503);
      expect(Date.now() - asked).toBeLessThan(10_000);
      expect((JSON.parse(res.body) as { error: { message: string } }).error.message).toMatch(/^no cluster is watched: cluster default: DRIFTWATCH_KUBECONFIG points to .*absent\.kubeconfig, which does not exist$/);
    } finally {
      await srv.stop();
    }
  }, 600_000);
});

describe('bare `next start` with authentication on', () => {
  const { state } = testCluster();
  const work = tempDir();

  it('refuses to serve and says to use npm start (it could not keep the API gated)', async () => {
    await ensureBuild();
    const started = startNextServer({ env: env({ DRIFTWATCH_KUBECONFIG: state.kubeconfig, DRIFTWATCH_DATA_DIR: join(work, 'data'), DRIFTWATCH_AUTH_MODE: 'token', DRIFTWATCH_AUTH_TOKEN: TOKEN }) });
    await expect(started).rejects.toThrow(/auth mode token needs the Driftwatch server: start it with `npm start`/);
  }, 600_000);
});

describe('npm start parses a large YAML manifest tree on worker threads', () => {
  const { state } = testCluster();
  const ns = uniqueName('yaml-tree');
  const work = tempDir();
  let server: NextServer | undefined;

  afterAll(async () => {
    await server?.stop();
  });

  it('reports every object of it, with its line, and logs the workers', async () => {
    await ensureBuild();
    const manifests = join(work, 'manifests');
    mkdirSync(manifests, { recursive: true });
    // Over the 256 Ki characters a load parses on the server's own thread; a YAML block scalar
    // each, so the JSON fast path does not take it. The namespace does not exist: all missing.
    const N = 300;
    const filler = 'x'.repeat(1000);
    writeFileSync(
      join(manifests, 'tree.yaml'),
      Array.from({ length: N }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: ${ns}\ndata:\n  blob: |\n    ${filler}\n`).join('---\n'),
    );
    const config = join(work, 'driftwatch.yaml');
    writeFileSync(config, JSON.stringify({ watch: { namespaces: [ns], pods: false, customResources: false } }));
    server = await startNextServer({
      driftwatchServer: true,
      env: env({ DRIFTWATCH_CONFIG: config, DRIFTWATCH_KUBECONFIG: state.kubeconfig, DRIFTWATCH_MANIFESTS: manifests, DRIFTWATCH_DATA_DIR: join(work, 'data') }),
    });
    const srv = server;
    let items: Array<{ name: string; status: string; source?: { file?: string; line?: number } }> = [];
    await eventually(async () => {
      const r = await request(`${srv.url}/api/v1/drift?namespace=${ns}&status=missing&limit=500`);
      items = r.status === 200 ? (JSON.parse(r.body) as { items: typeof items }).items : [];
      return items.length === N;
    }, `${N} missing ConfigMaps`);
    // Each document is 9 lines; the separator line comes before each but the first.
    for (const i of [0, 1, 137, N - 1]) expect(items.find((o) => o.name === `cm-${i}`)?.source).toMatchObject({ file: 'tree.yaml', line: 1 + 9 * i });
    expect(srv.output()).toMatch(/manifests: 1 YAML file\(s\), 0\.3 MiB, parsed on \d worker thread\(s\) in \d+ ms/);
    expect(srv.output()).not.toContain('manifest parse worker failed');
  }, 600_000);
});


describe('a forbidden resource and a malformed manifest, as the HTTP API reports them (real server, real cluster)', () => {
  const { kc, state } = testCluster();
  const ns = uniqueName('api-rbac');
  const work = tempDir();
  let server: NextServer;
  const bearer = { Authorization: `Bearer ${TOKEN}` };
  const getJson = async <T>(path: string): Promise<T> => {
    const r = await request(`${server.url}${path}`, { headers: bearer });
    expect(r.status, `${path}: ${r.body}`).toBe(200);
    return JSON.parse(r.body) as T;
  };

  beforeAll(async () => {
    await ensureBuild();
    await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // The viewer may read ConfigMaps in this namespace, and nothing else.
    const { role, binding } = viewerRole(ns, 'cm-read', READ_CONFIGMAPS);
    await kubeWrite(kc, 'POST', objectPath({ apiVersion: role.apiVersion, resource: 'roles', namespace: ns }), role);
    await kubeWrite(kc, 'POST', objectPath({ apiVersion: binding.apiVersion, resource: 'rolebindings', namespace: ns }), binding);
    const manifests = join(work, 'manifests');
    mkdirSync(manifests, { recursive: true });
    writeFileSync(join(manifests, 'app.yaml'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: ns }, data: { a: '1' } }));
    // An unclosed flow map on line 3 (the parser notices it on line 4; line 3 is reported).
    writeFileSync(join(manifests, 'broken.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: ${ns}\ndata:\n  a: b\n`);
    const config = join(work, 'driftwatch.yaml');
    writeFileSync(config, JSON.stringify({ watch: { namespaces: [ns], pods: false, customResources: false, include: ['secrets'] } }));
    server = await startNextServer({
      driftwatchServer: true,
      env: env({
        DRIFTWATCH_CONFIG: config,
        DRIFTWATCH_KUBECONFIG: state.kubeconfig,
        DRIFTWATCH_CONTEXT: 'test-cluster-viewer',
        DRIFTWATCH_MANIFESTS: manifests,
        DRIFTWATCH_DATA_DIR: join(work, 'data'),
        DRIFTWATCH_AUTH_MODE: 'token',
        DRIFTWATCH_AUTH_TOKEN: TOKEN,
      }),
    });
    await eventually(async () => (await request(`${server.url}/api/readyz?wait=30`)).status === 200, 'ready');
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
    await kubeWrite(kc, 'DELETE', `/api/v1/namespaces/${ns}`, undefined).catch(() => undefined);
  });

  it('lists the resource it may not read as forbidden, with the API server\'s message, and the rest as synced', async () => {
    const { resources } = await getJson<{ resources: { resource: string; status: string; message?: string }[] }>('/api/v1/resources');
    expect(resources.find((r) => r.resource === 'secrets')).toMatchObject({ status: 'forbidden', message: expect.stringMatching(/secrets is forbidden: User "viewer" cannot list/) });
    expect(resources.find((r) => r.resource === 'configmaps')).toMatchObject({ status: 'synced' });
    const { items } = await getJson<{ items: { name: string; status: string }[] }>(`/api/v1/drift?namespace=${ns}&kind=ConfigMap`);
    expect(items.find((i) => i.name === 'app')).toMatchObject({ status: 'missing' });
  });

  it('names the malformed manifest\'s file and line in the status', async () => {
    const status = await getJson<{ manifestProblems: { root: string; file?: string; line?: number; severity: string; message: string }[] }>('/api/v1/status');
    expect(status.manifestProblems).toEqual([expect.objectContaining({ root: join(work, 'manifests'), file: 'broken.yaml', line: 3, severity: 'error', message: expect.stringMatching(/flow map/i) })]);
  });
});
