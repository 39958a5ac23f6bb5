import { describe, expect, it } from 'vitest';
import { parseDashboardConfig, loadDashboardConfig } from '../config/dashboard-config';
import { embedAccess, embedFrameAncestors, embedViewOf } from './embed-access';
import { createEmbedToken, verifyEmbedToken } from './embed-token';

const SECRET = 'k'.repeat(40);
const NOW = new Date('2025-03-01T12:00:00Z');
const qs = (s: string) => new URLSearchParams(s);

describe('embed tokens', () => {
  it('accepts a token for its view with the parameters it pins, until it expires', () => {
    const t = createEmbedToken(SECRET, { view: 'drift', params: { selector: 'app=shop' }, ttlMs: 3_600_000 }, NOW);
    expect(verifyEmbedToken(SECRET, t, 'drift', qs('selector=app=shop&status=all'), NOW)).toMatchObject({ ok: true, claims: { view: 'drift', params: { selector: 'app=shop' } } });
    expect(verifyEmbedToken(SECRET, t, 'drift', qs('selector=app=shop'), new Date(NOW.getTime() + 3_600_000))).toMatchObject({ ok: false, reason: /expired/ });
  });

  it('refuses another view, a changed pinned parameter, another key and tampered claims', () => {
    const t = createEmbedToken(SECRET, { view: 'drift', params: { selector: 'app=shop' }, ttlMs: 60_000 }, NOW);
    expect(verifyEmbedToken(SECRET, t, 'object', qs('selector=app=shop'), NOW)).toMatchObject({ ok: false, reason: /not \/embed\/object/ });
    expect(verifyEmbedToken(SECRET, t, 'drift', qs('selector=app=bank'), NOW)).toMatchObject({ ok: false, reason: /requires selector=app=shop/ });
    expect(verifyEmbedToken(SECRET, t, 'drift', qs(''), NOW)).toMatchObject({ ok: false });
    expect(verifyEmbedToken('x'.repeat(40), t, 'drift', qs('selector=app=shop'), NOW)).toMatchObject({ ok: false, reason: /signature/ });
    const [p, body, sig] = t.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), params: {} })).toString('base64url');
    expect(verifyEmbedToken(SECRET, `${p}.${forged}.${sig}`, 'drift', qs(''), NOW)).toMatchObject({ ok: false, reason: /signature/ });
    for (const bad of ['', 'dwe1', 'dwe1..', 'x.y.z', `${t}x`]) expect(verifyEmbedToken(SECRET, bad, 'drift', qs('selector=app=shop'), NOW).ok).toBe(false);
  });

  it('refuses lifetimes that are not positive or longer than a year', () => {
    expect(() => createEmbedToken(SECRET, { view: 'overview', ttlMs: 0 })).toThrow();
    expect(() => createEmbedToken(SECRET, { view: 'overview', ttlMs: 400 * 86_400_000 })).toThrow();
  });
});

describe('embed access', () => {
  const open = parseDashboardConfig({}, 'test').embed;
  const tokens = parseDashboardConfig({ embed: { tokenSecret: SECRET } }, 'test').embed;
  const required = parseDashboardConfig({ embed: { tokenSecret: SECRET, requireToken: true } }, 'test').embed;

  it('lets embeds through without a token unless tokens are required, and always checks a token that is given', () => {
    expect(embedAccess(open, 'overview', qs(''), NOW)).toEqual({ ok: true, tokenUsed: false });
    expect(embedAccess(required, 'overview', qs(''), NOW)).toMatchObject({ ok: false, status: 401 });
    expect(embedAccess(open, 'overview', qs('token=abc'), NOW)).toMatchObject({ ok: false, reason: /not configured/ });
    expect(embedAccess(tokens, 'overview', qs('token=abc'), NOW)).toMatchObject({ ok: false, reason: /malformed/ });
    const t = createEmbedToken(SECRET, { view: 'overview', ttlMs: 60_000 }, NOW);
    expect(embedAccess(required, 'overview', qs(`token=${t}`), NOW)).toEqual({ ok: true, tokenUsed: true });
  });

  it('names embed views and builds frame-ancestors from the allow-list', () => {
    expect(embedViewOf('/embed/drift')).toBe('drift');
    expect(embedViewOf('/embed/object/')).toBe('object');
    expect(embedViewOf('/embed/other')).toBeUndefined();
    expect(embedViewOf('/drift')).toBeUndefined();
    expect(embedFrameAncestors([])).toBe("frame-ancestors 'self'");
    expect(embedFrameAncestors(['https://a.example', 'http://127.0.0.1:8080'])).toBe("frame-ancestors 'self' https://a.example http://127.0.0.1:8080");
  });
});

describe('embed configuration', () => {
  it('takes origins from the file and the environment and rejects paths, other schemes and short secrets', () => {
    expect(parseDashboardConfig({ embed: { allowedOrigins: ['https://backstage.example.com/', 'https://*.corp.example:8443'] } }, 't').embed.allowedOrigins).toEqual([
      'https://backstage.example.com',
      'https://*.corp.example:8443',
    ]);
    expect(() => parseDashboardConfig({ embed: { allowedOrigins: ['https://a.example/path'] } }, 't')).toThrow(/embed.allowedOrigins.0/);
    expect(() => parseDashboardConfig({ embed: { allowedOrigins: ['javascript:alert(1)'] } }, 't')).toThrow(/origin/);
    for (const tld of ['https://*.com', 'https://*.io:8443']) expect(() => parseDashboardConfig({ embed: { allowedOrigins: [tld] } }, 't'), tld).toThrow(/two labels/);
    expect(() => parseDashboardConfig({ embed: { tokenSecret: 'short' } }, 't')).toThrow(/32/);
    expect(() => parseDashboardConfig({ embed: { requireToken: true } }, 't')).toThrow(/requireToken needs tokenSecret/);
    const env = loadDashboardConfig({ DRIFTWATCH_EMBED_ORIGINS: 'http://127.0.0.1:5000, https://portal.example', DRIFTWATCH_EMBED_TOKEN_SECRET: SECRET, DRIFTWATCH_EMBED_REQUIRE_TOKEN: 'true' });
    expect(env.embed).toEqual({ allowedOrigins: ['http://127.0.0.1:5000', 'https://portal.example'], tokenSecret: SECRET, requireToken: true });
    expect(() => loadDashboardConfig({ DRIFTWATCH_EMBED_ORIGINS: 'ftp://x' })).toThrow(/DRIFTWATCH_EMBED/);
    expect(loadDashboardConfig({}).embed).toEqual({ allowedOrigins: [], requireToken: false });
  });
});
