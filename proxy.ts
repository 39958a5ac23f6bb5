/**
 * Runs before every route but static assets (Next's proxy, Node.js runtime):
 * - everywhere: authentication, size and rate limits, CSP with a per-request nonce
 *   (lib/auth/request-gate.ts; an /embed/* request with a valid embed token needs no session);
 * - /embed/*: who may see it (signed embed token, lib/share/embed-access) and who may frame it
 *   (`frame-ancestors` from the configured allow-list). next.config.js sends
 *   `frame-ancestors 'none'` and `X-Frame-Options: DENY` on every other route.
 * - /s/<id>: an expired snapshot answers 410 here, because a page cannot set its status.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { pageCsp } from './lib/auth/csp';
import { finishResponse, gateRequest, type GateConfig, type Gated } from './lib/auth/request-gate';
import { loadDashboardConfig, type EmbedConfig } from './lib/config/dashboard-config';
import { EMBED_TOKEN_HEADER, embedAccess, embedFrameAncestors, embedViewOf, NO_FRAMING_CSP } from './lib/share/embed-access';
import { verifyEmbedToken, type EmbedView } from './lib/share/embed-token';
import { peekHistoryStore } from './lib/share/peek-runtime';
import { readSnapshot } from './lib/share/snapshot-service';
import { embedRefusedPage, embedUnavailablePage, expiredSnapshotPage } from './lib/share/status-pages';

/** Request headers the root layout reads to drop the navigation chrome and pick the theme. */
const EMBED_HEADER = 'x-driftwatch-embed';
const THEME_HEADER = 'x-driftwatch-embed-theme';

let embedConfig: { ok: true; config: EmbedConfig } | { ok: false; error: string } | undefined;
let gateConfig: { ok: true; config: GateConfig } | { ok: false; error: string } | undefined;

function currentEmbedConfig() {
  if (!embedConfig) {
    try {
      embedConfig = { ok: true, config: loadDashboardConfig().embed };
    } catch (err) {
      embedConfig = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
  return embedConfig;
}

function currentGateConfig() {
  if (!gateConfig) {
    try {
      const c = loadDashboardConfig();
      gateConfig = { ok: true, config: { auth: c.auth, limits: c.limits, dataDir: c.dataDir } };
    } catch (err) {
      gateConfig = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
  return gateConfig;
}

/** The reads each embed view makes (lib/client/api.ts sends its token along in EMBED_TOKEN_HEADER). */
const EMBED_API_VIEWS: Record<string, readonly EmbedView[]> = {
  '/api/v1/drift': ['drift', 'overview'],
  '/api/v1/drift/object': ['object'],
  '/api/v1/history/chart': ['overview'],
  '/api/v1/history/object': ['object'],
};

/**
 * An embed's API query in the embed page's own terms, so the parameters a token pins compare
 * equal: repeated keys joined with commas (`namespace=a&namespace=b` is the page's `namespace=a,b`),
 * and `labelSelector` is the page's `selector` / `labels` (components/embed-views.tsx).
 */
function embedParamsOfApiQuery(q: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of new Set(q.keys())) out.set(k, q.getAll(k).join(','));
  const sel = q.get('labelSelector');
  if (sel !== null) {
    out.set('selector', sel);
    out.set('labels', sel);
  }
  return out;
}

/**
 * A valid signed embed token on an /embed/<view> request, or on a GET the view makes for its data
 * (checked against the view and the parameters the token pins, in the API request's own query).
 * It stands in for a session there.
 */
function embedTokenValid(req: NextRequest): boolean {
  const c = currentEmbedConfig();
  if (!c.ok) return false;
  const apiViews = EMBED_API_VIEWS[req.nextUrl.pathname];
  if (apiViews) {
    const token = req.headers.get(EMBED_TOKEN_HEADER);
    const secret = c.config.tokenSecret;
    if (req.method !== 'GET' || !token || !secret) return false;
    const params = embedParamsOfApiQuery(req.nextUrl.searchParams);
    return apiViews.some((v) => verifyEmbedToken(secret, token, v, params).ok);
  }
  const view = embedViewOf(req.nextUrl.pathname);
  if (!view) return false;
  const a = embedAccess(c.config, view, req.nextUrl.searchParams);
  return a.ok && a.tokenUsed;
}

function html(body: string, status: number, csp: string): NextResponse {
  return new NextResponse(body, {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' },
  });
}

function embed(req: NextRequest, g: Gated): NextResponse {
  const c = currentEmbedConfig();
  // A broken configuration fails closed: nobody may frame, nothing is shown.
  if (!c.ok) return html(embedUnavailablePage('the dashboard configuration is invalid'), 500, NO_FRAMING_CSP);
  const frameAncestors = embedFrameAncestors(c.config.allowedOrigins);
  const csp = g.nonce ? pageCsp(g.nonce, frameAncestors) : frameAncestors;
  const view = embedViewOf(req.nextUrl.pathname);
  if (view) {
    const access = embedAccess(c.config, view, req.nextUrl.searchParams);
    if (!access.ok) return html(embedRefusedPage(access.reason), access.status, csp);
  }
  const headers = g.headers;
  headers.set('Content-Security-Policy', csp);
  headers.set(EMBED_HEADER, '1');
  const theme = req.nextUrl.searchParams.get('theme');
  if (theme === 'light' || theme === 'dark') headers.set(THEME_HEADER, theme);
  else headers.delete(THEME_HEADER);
  const res = finishResponse(NextResponse.next({ request: { headers } }), g, csp);
  res.headers.set('Cache-Control', 'no-store');
  return res;
}

async function snapshot(req: NextRequest, g: Gated): Promise<NextResponse> {
  const store = peekHistoryStore();
  const id = decodeURIComponent(req.nextUrl.pathname.slice('/s/'.length)).slice(0, 256);
  if (store && id) {
    const r = await readSnapshot(store, id).catch(() => undefined);
    if (r?.state === 'expired') return html(expiredSnapshotPage(r), 410, NO_FRAMING_CSP);
  }
  return finishResponse(NextResponse.next({ request: { headers: g.headers } }), g);
}

export async function proxy(req: NextRequest): Promise<NextResponse> {
  const gc = currentGateConfig();
  // A broken configuration fails closed: nothing is served but the reason.
  if (!gc.ok) return html(embedUnavailablePage('the dashboard configuration is invalid'), 500, NO_FRAMING_CSP);
  const gate = gateRequest(req, gc.config, () => embedTokenValid(req));
  if (!gate.ok) return gate.response;
  const g = gate.gated;
  const p = req.nextUrl.pathname;
  if (p === '/embed' || p.startsWith('/embed/')) return embed(req, g);
  if (p.startsWith('/s/')) return snapshot(req, g);
  return finishResponse(NextResponse.next({ request: { headers: g.headers } }), g);
}

// Everything but build assets (content-hashed JS and CSS, public to anyone who has the app).
export const config = { matcher: ['/((?!_next/static|_next/image).*)'] };
