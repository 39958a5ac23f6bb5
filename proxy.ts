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
import { inScope, scopeFor } from './lib/auth/namespace-scope';
import { decodedPath, finishResponse, gateRequest, type GateConfig, type Gated } from './lib/auth/request-gate';
import { currentDashboardConfig, type EmbedConfig } from './lib/config/dashboard-config';
import { embedAccess, embedFrameAncestors, embedTokenValid, embedViewOf, NO_FRAMING_CSP } from './lib/share/embed-access';
import { peekHistoryStore } from './lib/share/peek-runtime';
import { readSnapshot, snapshotFor } from './lib/share/snapshot-service';
import { embedRefusedPage, embedUnavailablePage, goneSnapshotPage } from './lib/share/status-pages';

/** Request headers the root layout reads to drop the navigation chrome and pick the theme. */
const EMBED_HEADER = 'x-driftwatch-embed';
const THEME_HEADER = 'x-driftwatch-embed-theme';

let embedConfig: { ok: true; config: EmbedConfig } | { ok: false; error: string } | undefined;
let gateConfig: { ok: true; config: GateConfig } | { ok: false; error: string } | undefined;

// The configuration the server started with (never read again), so that the gate, the sign-in
// routes and the API agree after the file changes.
function currentEmbedConfig() {
  if (!embedConfig) {
    const c = currentDashboardConfig();
    embedConfig = c.ok ? { ok: true, config: c.config.embed } : c;
  }
  return embedConfig;
}

function currentGateConfig() {
  if (!gateConfig) {
    const c = currentDashboardConfig();
    gateConfig = c.ok ? { ok: true, config: { auth: c.config.auth, limits: c.config.limits, dataDir: c.config.dataDir } } : c;
  }
  return gateConfig;
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
  // Decoded, as the router matches it: /embed/%64rift is the drift view and needs its token checked.
  const view = embedViewOf(decodedPath(req.nextUrl.pathname));
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

async function snapshot(req: NextRequest, g: Gated, auth: GateConfig['auth']): Promise<NextResponse> {
  const store = peekHistoryStore();
  // As the page reads it (Next decodes route parameters); invalid escapes stay as they are.
  const id = decodedPath(req.nextUrl.pathname).slice('/s/'.length).slice(0, 256);
  if (store && id) {
    // A namespace-scoped user learns nothing of other namespaces' snapshots: the page answers 404.
    const scope = g.identity ? scopeFor(auth, g.identity) : { all: true as const };
    const r = await readSnapshot(store, id)
      .then((found) => snapshotFor(found, (ns) => inScope(scope, ns)))
      .catch(() => undefined);
    if (r?.state === 'expired' || r?.state === 'revoked') return html(goneSnapshotPage(r), 410, NO_FRAMING_CSP);
  }
  return finishResponse(NextResponse.next({ request: { headers: g.headers } }), g);
}

export async function proxy(req: NextRequest): Promise<NextResponse> {
  const gc = currentGateConfig();
  // A broken configuration fails closed: nothing is served but the reason.
  if (!gc.ok) return html(embedUnavailablePage('the dashboard configuration is invalid'), 500, NO_FRAMING_CSP);
  const gate = gateRequest({ method: req.method, url: req.nextUrl, headers: req.headers }, gc.config, () => {
    const ec = currentEmbedConfig();
    return ec.ok && embedTokenValid(ec.config, { method: req.method, pathname: decodedPath(req.nextUrl.pathname), searchParams: req.nextUrl.searchParams, headers: req.headers });
  });
  if (!gate.ok) return gate.response;
  const g = gate.gated;
  const p = decodedPath(req.nextUrl.pathname);
  if (p === '/embed' || p.startsWith('/embed/')) return embed(req, g);
  if (p.startsWith('/s/')) return snapshot(req, g, gc.config.auth);
  return finishResponse(NextResponse.next({ request: { headers: g.headers } }), g);
}

// Everything but build assets (content-hashed JS and CSS, public to anyone who has the app), and
// the API requests scripts/serve.ts has gated already (it removes the header from every other).
export const config = {
  matcher: [{ source: '/((?!_next/static|_next/image).*)', missing: [{ type: 'header', key: 'x-driftwatch-gated' }] }],
};
