/**
 * The auth and limits half of proxy.ts: who is asking (lib/auth/identity.ts), whether they may
 * see this path, request size and rate limits, and the headers every answer carries (CSP with a
 * nonce). proxy.ts calls gateRequest first and continues with the headers it returns.
 */
import { NextResponse } from 'next/server';
import { decodePath } from '../api/decode-path';
import type { DashboardConfig } from '../config/dashboard-config';
import { auditFirstSeen } from './audit-log';
import { API_CSP, newNonce, NONCE_HEADER, pageCsp } from './csp';
import { authenticate, fromTrustedProxy, setIdentityHeaders, type Identity } from './identity';
import { isExpensive, rateLimit } from './limits';
import { scopeAwarePath, scopeFor } from './namespace-scope';
import { PEER_HEADER, peerAddress } from './peer';

export type GateConfig = Pick<DashboardConfig, 'auth' | 'limits' | 'dataDir'>;

/** Paths anyone may reach: signing in, and the probes a load balancer or kubelet calls. */
const PUBLIC = new Set(['/login', '/api/auth/login', '/api/auth/logout', '/api/healthz', '/api/readyz', '/favicon.ico']);

/**
 * Set by scripts/serve.ts on an /api/* request it has gated itself (lib/auth/server-api-gate.ts);
 * proxy.ts's matcher skips such requests. serve.ts removes it from every incoming request first.
 */
export const GATED_HEADER = 'x-driftwatch-gated';

/** Set by the gate (never by a client) when the request came over https: the login route's Secure flag. */
export const HTTPS_HEADER = 'x-driftwatch-https';

export const isApiPath = (p: string) => p === '/api' || p.startsWith('/api/');

/** Decoded; escapes that do not decode name no route, and the raw path serves the rules. */
export const decodedPath = (p: string): string => decodePath(p) ?? p;

const isEmbedPath = (p: string) => p === '/embed' || p.startsWith('/embed/');

export interface Gated {
  /** Request headers for the rest of the pipeline: identity set, spoofable ones removed, CSP with nonce. */
  headers: Headers;
  identity: Identity | undefined;
  /** The policy for the response (pages: with a nonce; embeds get their frame-ancestors later). */
  csp: string;
  nonce: string | undefined;
  peer: string | undefined;
  /** The request is over https (directly, or per a trusted proxy). */
  https: boolean;
}

/**
 * What the gate reads of a request. Next's proxy hands it a NextRequest's parts; scripts/serve.ts
 * hands it the API requests it gates before Next (Next's URL type and the platform's both fit).
 */
export interface GateInput {
  method: string;
  url: Pick<URL, 'pathname' | 'search' | 'protocol' | 'href'>;
  headers: Headers;
}

export type GateResult = { ok: true; gated: Gated } | { ok: false; response: NextResponse };

/** What a refusal carries whoever writes it (serve.ts's refusals do not pass next.config.js's headers). */
export const REFUSAL_HEADERS = { 'Cache-Control': 'no-store', 'Content-Security-Policy': API_CSP, 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'same-origin' };

function jsonRefusal(status: number, message: string, extra: Record<string, string> = {}): NextResponse {
  return NextResponse.json({ error: { status, message } }, { status, headers: { ...REFUSAL_HEADERS, ...extra } });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function htmlRefusal(status: number, message: string): NextResponse {
  const body = `<!doctype html><meta charset="utf-8"><title>Driftwatch: ${status}</title><p>${escapeHtml(message)}</p>`;
  return new NextResponse(body, { status, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'", 'X-Content-Type-Options': 'nosniff' } });
}

/**
 * `embedTokenValid` answers whether an /embed/* request, or an API read an embed view makes,
 * carries a valid signed embed token; such a request needs no session (a portal's iframe has
 * none: the session cookie is SameSite=Strict).
 */
const EMBED_IDENTITY: Identity = { user: 'embed', groups: [], via: 'embed-token' };

export function gateRequest(req: GateInput, cfg: GateConfig, embedTokenValid: () => boolean): GateResult {
  // The path rules (public probes, embed reads, scoping, rate limits) read the path as the router
  // matches it, decoded: `/api/v1/%68ealth/object` is the costly route, rate-limited like it.
  const p = decodedPath(req.url.pathname);
  const api = isApiPath(p);
  const peer = peerAddress(req.headers.get(PEER_HEADER));
  const headers = new Headers(req.headers);
  headers.delete(PEER_HEADER);
  headers.delete(GATED_HEADER);
  headers.delete(HTTPS_HEADER);
  setIdentityHeaders(headers, undefined);

  // Limits first: an oversized request is refused before any work is done for it.
  if (req.url.search.length > cfg.limits.maxQueryBytes) return { ok: false, response: jsonRefusal(414, `query string over ${cfg.limits.maxQueryBytes} bytes`) };
  if (api) {
    const len = Number(req.headers.get('content-length') ?? '0');
    if (Number.isFinite(len) && len > cfg.limits.maxBodyBytes) return { ok: false, response: jsonRefusal(413, `request body over ${cfg.limits.maxBodyBytes} bytes`) };
    // A body without a length could be of any size: the limit above is checked on the length.
    if (req.headers.has('transfer-encoding') && !req.headers.has('content-length')) return { ok: false, response: jsonRefusal(411, 'send request bodies with a Content-Length') };
  }

  let identity: Identity | undefined;
  if (!PUBLIC.has(p)) {
    const decision = authenticate(cfg.auth, { headers: req.headers, peer });
    const embed = isEmbedPath(p) || api;
    if (decision.ok) {
      identity = decision.identity;
      if (identity.via === 'proxy' || identity.via === 'bearer') auditFirstSeen(cfg.dataDir, identity.user, identity.via, peer);
      // A namespace-scoped user opening a portal's embed: the token, issued by someone who could
      // see the view, stands in for their scope there (docs/embedding.md), as it does for a viewer
      // with no session. The name stays theirs: their own rate limits, and logs that say who.
      if (embed && !scopeFor(cfg.auth, identity).all && embedTokenValid()) identity = { ...EMBED_IDENTITY, user: identity.user };
    }
    // An embed page, or an embed's own data request, with a valid signed token for that view.
    else if (embed && embedTokenValid()) identity = EMBED_IDENTITY;
    else if (api) {
      const extra: Record<string, string> = decision.status === 401 && cfg.auth.mode === 'token' ? { 'WWW-Authenticate': 'Bearer realm="driftwatch"' } : {};
      return { ok: false, response: jsonRefusal(decision.status, decision.reason, extra) };
    } else if (cfg.auth.mode === 'token' && decision.status === 401) {
      const login = new URL('/login', req.url.href);
      login.search = new URLSearchParams({ next: `${req.url.pathname}${req.url.search}` }).toString();
      return { ok: false, response: NextResponse.redirect(login, 303) };
    } else return { ok: false, response: htmlRefusal(decision.status, decision.reason) };
    // Namespace-scoped users: only endpoints that filter by namespace (snapshot pages filter themselves); embeds not yet.
    if (!scopeFor(cfg.auth, identity).all && ((api && !scopeAwarePath(req.method, p)) || isEmbedPath(p))) {
      const msg = `not available to namespace-scoped users yet (${p})`;
      return { ok: false, response: api ? jsonRefusal(403, msg) : htmlRefusal(403, msg) };
    }
  }

  if (isExpensive(req.method, p)) {
    const key = p === '/api/auth/login' ? `login:${peer ?? 'unknown'}` : `user:${identity?.user ?? 'anonymous'}`;
    const r = rateLimit(key, cfg.limits.expensivePerMinute);
    if (!r.ok) return { ok: false, response: jsonRefusal(429, `rate limit: at most ${cfg.limits.expensivePerMinute} of these requests a minute`, { 'Retry-After': String(r.retryAfterSeconds) }) };
  }

  setIdentityHeaders(headers, identity);
  const trustedProxy = fromTrustedProxy(cfg.auth, peer);
  const https = req.url.protocol === 'https:' || (trustedProxy && req.headers.get('x-forwarded-proto') === 'https');
  if (https) headers.set(HTTPS_HEADER, '1');
  let nonce: string | undefined;
  let csp = API_CSP;
  if (!api) {
    nonce = newNonce();
    csp = pageCsp(nonce, "frame-ancestors 'none'");
    headers.set(NONCE_HEADER, nonce);
    headers.set('Content-Security-Policy', csp);
  }
  return { ok: true, gated: { headers, identity, csp, nonce, peer, https } };
}

/** Headers every answer that passed the gate carries. */
export function answerHeaders(g: Gated, csp: string = g.csp): Record<string, string> {
  return { 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin' };
}

export function finishResponse(res: NextResponse, g: Gated, csp: string = g.csp): NextResponse {
  for (const [k, v] of Object.entries(answerHeaders(g, csp))) res.headers.set(k, v);
  return res;
}
