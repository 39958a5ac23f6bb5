import { describe, expect, it, vi } from 'vitest';
import { parseDashboardConfig } from '../config/dashboard-config';
import { authenticate } from './identity';
import { safeNext } from './login';
import { inScope, scopeFor, scopedNamespaces } from './namespace-scope';
import { addressMatcher, peerAddress } from './peer';
import { sessionCookieHeader, sessionKey, signSession, verifySession } from './session';
import { acquireStreamSlot, rateLimit } from './limits';
import { config as proxyConfig } from '../../proxy';
import { GATED_HEADER, gateRequest } from './request-gate';
import { PEER_HEADER, PEER_NONCE_ENV, peerHeaderValue } from './peer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bareNextProblem, gateApiRequest } from './server-api-gate';

const auth = (a: Record<string, unknown>) => parseDashboardConfig({ auth: a }, 'test').auth;

describe('session cookies', () => {
  const key = sessionKey({ token: 'a-token-of-sixteen+' }) ?? Buffer.alloc(0);
  it('round-trips, expires, and rejects any changed byte', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const s = signSession(key, 'alice', ['sre'], 60, now);
    expect(verifySession(key, s.value, now)).toMatchObject({ user: 'alice', groups: ['sre'] });
    expect(verifySession(key, s.value, new Date(now.getTime() + 61_000))).toBeUndefined();
    const [p, m] = s.value.split('.');
    const forged = Buffer.from(JSON.stringify({ u: 'root', g: [], exp: 9e9 })).toString('base64url');
    expect(verifySession(key, `${forged}.${m}`, now)).toBeUndefined();
    expect(verifySession(key, `${p}.${m?.slice(0, -2)}AA`, now)).toBeUndefined();
    expect(verifySession(sessionKey({ token: 'another-token-16ch' }) ?? key, s.value, now)).toBeUndefined();
  });
  it('sets HttpOnly and SameSite=Strict always, Secure on request', () => {
    expect(sessionCookieHeader('v', { secure: false, maxAgeSeconds: 5 })).toBe('driftwatch_session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=5');
    expect(sessionCookieHeader('v', { secure: true, maxAgeSeconds: 5 })).toContain('; Secure');
  });
});

describe('identity', () => {
  it('token mode: bearer or session, nothing else', () => {
    const a = auth({ mode: 'token', token: 'a-token-of-sixteen+' });
    expect(authenticate(a, { headers: new Headers({ authorization: 'Bearer a-token-of-sixteen+' }), peer: undefined })).toMatchObject({ ok: true, identity: { via: 'bearer' } });
    expect(authenticate(a, { headers: new Headers({ authorization: 'Bearer nope' }), peer: undefined })).toMatchObject({ ok: false, status: 401 });
    expect(authenticate(a, { headers: new Headers({ 'x-forwarded-user': 'root' }), peer: '127.0.0.1' })).toMatchObject({ ok: false, status: 401 });
  });
  it('proxy mode: headers count only from trusted peers, groups are checked', () => {
    const a = auth({ mode: 'proxy', proxy: { trustedAddresses: ['10.0.0.0/8', '::1'], allowedGroups: ['sre'] } });
    const h = new Headers({ 'x-forwarded-user': 'alice', 'x-forwarded-groups': 'dev, sre' });
    expect(authenticate(a, { headers: h, peer: '10.1.2.3' })).toMatchObject({ ok: true, identity: { user: 'alice', groups: ['dev', 'sre'] } });
    expect(authenticate(a, { headers: h, peer: '::ffff:10.1.2.3' })).toMatchObject({ ok: true });
    expect(authenticate(a, { headers: h, peer: '::1' })).toMatchObject({ ok: true });
    expect(authenticate(a, { headers: h, peer: '192.168.1.1' })).toMatchObject({ ok: false, status: 401 });
    expect(authenticate(a, { headers: h, peer: undefined })).toMatchObject({ ok: false, status: 401 });
    expect(authenticate(a, { headers: new Headers({ 'x-forwarded-user': 'bob', 'x-forwarded-groups': 'dev' }), peer: '10.0.0.1' })).toMatchObject({ ok: false, status: 403 });
  });
  it('rejects proxy mode without trusted addresses and token mode without a token', () => {
    expect(() => auth({ mode: 'proxy' })).toThrow(/trustedAddresses/);
    expect(() => auth({ mode: 'token' })).toThrow(/auth.token/);
    expect(() => auth({ mode: 'proxy', proxy: { trustedAddresses: ['not-an-ip'] } })).toThrow(/CIDR/);
  });
});

describe('peer header', () => {
  it('is believed only with the server nonce', () => {
    expect(peerAddress('n0nce 10.0.0.1', 'n0nce')).toBe('10.0.0.1');
    expect(peerAddress('guess 10.0.0.1', 'n0nce')).toBeUndefined();
    expect(peerAddress('n0nce 10.0.0.1', undefined)).toBeUndefined();
    expect(addressMatcher(['127.0.0.2'])('127.0.0.1')).toBe(false);
  });
});

describe('redirect target after sign-in', () => {
  it('stays on this site', () => {
    expect(safeNext('/drift?x=1')).toBe('/drift?x=1');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '/\nx', undefined]) expect(safeNext(bad)).toBe('/');
  });
});

describe('namespace scope', () => {
  const a = auth({ namespaceScopes: { sre: ['*'], team: ['a', 'b'] } });
  it('unions groups, * sees all, no mapped group sees nothing, cluster-scoped only with *', () => {
    const team = scopeFor(a, { user: 'u', groups: ['team'], via: 'proxy' });
    expect(inScope(team, 'a')).toBe(true);
    expect(inScope(team, 'c')).toBe(false);
    expect(inScope(team, '')).toBe(false);
    expect(scopedNamespaces(team, ['b', 'c'])).toEqual(['b']);
    expect(scopeFor(a, { user: 'u', groups: ['team', 'sre'], via: 'proxy' }).all).toBe(true);
    expect(scopedNamespaces(scopeFor(a, { user: 'u', groups: ['x'], via: 'proxy' }), undefined)).toEqual([]);
    expect(scopeFor(auth({}), { user: 'u', groups: [], via: 'none' }).all).toBe(true);
  });

  it('treats groups named like object properties as plain groups', () => {
    const a = auth({ mode: 'proxy', proxy: { trustedAddresses: ['127.0.0.2'] }, namespaceScopes: { team: ['a'] } });
    for (const g of ['__proto__', 'constructor', 'toString']) expect(scopeFor(a, { user: 'u', groups: [g], via: 'proxy' })).toEqual({ all: false, namespaces: new Set() });
  });
});

describe('limits', () => {
  it('caps streams per user and frees slots once', () => {
    const lim = { maxStreamsPerUser: 2, maxStreams: 3 };
    const s1 = acquireStreamSlot('u1', lim);
    const s2 = acquireStreamSlot('u1', lim);
    expect(acquireStreamSlot('u1', lim).ok).toBe(false);
    const s3 = acquireStreamSlot('u2', lim);
    expect(acquireStreamSlot('u3', lim)).toMatchObject({ ok: false, reason: expect.stringContaining('on this server') });
    for (const s of [s1, s2, s3]) if (s.ok) { s.release(); s.release(); }
    expect(acquireStreamSlot('u1', lim).ok).toBe(true);
  });
  it('rate-limits per key in a one-minute window', () => {
    expect([1, 2, 3].map(() => rateLimit('k', 2, 1000).ok)).toEqual([true, true, false]);
    expect(rateLimit('k', 2, 61_001).ok).toBe(true);
  });
});

describe('the API gate in scripts/serve.ts', () => {
  it('is what proxy.ts skips: its matcher names the same header (a literal, as Next requires)', () => {
    expect(proxyConfig.matcher.map((m) => m.missing)).toEqual([[{ type: 'header', key: GATED_HEADER }]]);
  });

  it("lets a valid embed token stand in for a namespace-scoped user on that embed; without one the embed is refused", () => {
    const config = parseDashboardConfig({ auth: { mode: 'proxy', proxy: { trustedAddresses: ['127.0.0.2'] }, namespaceScopes: { team: ['a'] } } }, 'test');
    const gate = { auth: config.auth, limits: config.limits, dataDir: '/nonexistent' };
    // As serve.ts passes the peer: behind its per-process nonce.
    vi.stubEnv(PEER_NONCE_ENV, 'nonce-for-this-test');
    const bob = new Headers({ 'x-forwarded-user': 'bob', 'x-forwarded-groups': 'team', [PEER_HEADER]: peerHeaderValue('nonce-for-this-test', '127.0.0.2') });
    const open = (path: string, tokenValid: boolean) => gateRequest({ method: 'GET', url: new URL(`http://x${path}`), headers: bob }, gate, () => tokenValid);
    const withToken = open('/embed/overview?token=t', true);
    expect(withToken.ok && withToken.gated.identity).toEqual({ user: 'bob', groups: [], via: 'embed-token' });
    const without = open('/embed/overview', false);
    expect(without.ok ? 200 : without.response.status).toBe(403);
    // Elsewhere bob is bob, scoped, token or not.
    const page = open('/drift', true);
    expect(page.ok && page.gated.identity?.user).toBe('bob');
    vi.unstubAllEnvs();
  });

  it('gates plain /api paths itself and marks them; leaves other and unusual paths to proxy.ts, unmarked', async () => {
    const config = parseDashboardConfig({ auth: { mode: 'token', token: 't'.repeat(32) } }, 'test');
    const gate = { auth: config.auth, limits: config.limits, dataDir: '/nonexistent' };
    const call = async (url: string, headers: Record<string, string> = {}, method = 'GET') => {
      const req = { url, method, headers: { host: 'x', ...headers } } as unknown as IncomingMessage;
      const written = { status: 0, headers: {} as Record<string, unknown> };
      const res = {
        set statusCode(v: number) {
          written.status = v;
        },
        setHeader: (k: string, v: unknown) => (written.headers[k.toLowerCase()] = v),
        end: () => undefined,
      } as unknown as ServerResponse;
      const pass = await gateApiRequest(req, res, gate, config.embed);
      return { pass, marked: req.headers[GATED_HEADER], status: written.status, user: req.headers['x-driftwatch-user'], sent: written.headers };
    };
    const refused = await call('/api/v1/drift?limit=1');
    expect(refused).toMatchObject({ pass: false, status: 401 });
    expect(refused.sent).toMatchObject({ 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' });
    // A body without a length is refused before anything reads it.
    const bearer = { authorization: `Bearer ${'t'.repeat(32)}` };
    expect(await call('/api/auth/login', { 'transfer-encoding': 'chunked' }, 'POST')).toMatchObject({ pass: false, status: 411 });
    expect(await call('/api/v1/snapshots', { ...bearer, 'transfer-encoding': 'chunked' }, 'POST')).toMatchObject({ pass: false, status: 411 });
    // An escaped name of a costly route is that route to the rate limit, as to the router.
    const limited = { ...gate, limits: { ...gate.limits, expensivePerMinute: 2 } };
    const statuses = ['/api/v1/health/object', '/api/v1/%68ealth/object', '/api/v1/heal%74h/object'].map((path) => {
      const r = gateRequest({ method: 'GET', url: new URL(`http://x${path}`), headers: new Headers({ authorization: `Bearer ${'t'.repeat(32)}`, 'x-forwarded-user': 'escape-test' }) }, limited, () => false);
      return r.ok ? 200 : r.response.status;
    });
    expect(statuses).toEqual([200, 200, 429]);
    expect(await call('/api/v1/drift', { authorization: `Bearer ${'t'.repeat(32)}` })).toMatchObject({ pass: true, marked: '1', user: 'token' });
    expect(await call('/api/healthz')).toMatchObject({ pass: true, marked: '1' });
    // An escape that does not decode names no route: 400 here, before Next answers it with a bare 500.
    for (const bad of ['/s/%E0%A4', '/api/v1/snapshots/%E0%A4', '/%']) expect(await call(bad), bad).toMatchObject({ pass: false, status: 400 });
    for (const odd of ['/api/v1/%64rift', '/api/healthz/../v1/drift', '//x/api/healthz', '/API/v1/drift', '/drift']) {
      expect(await call(odd, { [GATED_HEADER]: '1', 'x-driftwatch-user': 'admin' }), odd).toMatchObject({ pass: true, marked: undefined });
    }
  });

  it('bare Next may serve only without authentication', () => {
    const token = { DRIFTWATCH_AUTH_MODE: 'token', DRIFTWATCH_AUTH_TOKEN: 'x'.repeat(32) };
    expect(bareNextProblem({ DRIFTWATCH_AUTH_MODE: 'none' }, false)).toBeUndefined();
    expect(bareNextProblem(token, false)).toMatch(/auth mode token needs the Driftwatch server: start it with `npm start`/);
    // The environment cannot claim what only the server process can be.
    expect(bareNextProblem({ ...token, DRIFTWATCH_PEER_NONCE: 'n' }, false)).toMatch(/needs the Driftwatch server/);
    expect(bareNextProblem(token, true)).toBeUndefined();
  });
});
