/**
 * Who may see an embed, and which origins may frame it. Decided before any page or route code
 * runs (proxy.ts; scripts/serve.ts for the API), where a valid token stands in for a session.
 */
import type { EmbedConfig } from '../config/dashboard-config';
import { EMBED_VIEWS, verifyEmbedToken, type EmbedView } from './embed-token';

/** The query parameter and the header (for the embed's own API calls) that carry a token. */
export const EMBED_TOKEN_PARAM = 'token';
export const EMBED_TOKEN_HEADER = 'x-driftwatch-embed-token';

export function embedViewOf(pathname: string): EmbedView | undefined {
  const m = /^\/embed\/([a-z]+)\/?$/.exec(pathname);
  const v = m?.[1];
  return v !== undefined && (EMBED_VIEWS as readonly string[]).includes(v) ? (v as EmbedView) : undefined;
}

export type EmbedAccess = { ok: true; tokenUsed: boolean } | { ok: false; status: 401; reason: string };

export function embedAccess(config: EmbedConfig, view: EmbedView, params: URLSearchParams, now: Date = new Date()): EmbedAccess {
  const token = params.get(EMBED_TOKEN_PARAM);
  if (token === null || token === '') {
    if (config.requireToken) return { ok: false, status: 401, reason: 'this Driftwatch requires a signed embed token (`token=`) for embeds' };
    return { ok: true, tokenUsed: false };
  }
  // A token that is present is always checked: a portal should learn that its token is wrong.
  if (!config.tokenSecret) return { ok: false, status: 401, reason: 'embed tokens are not configured on this Driftwatch (embed.tokenSecret)' };
  const r = verifyEmbedToken(config.tokenSecret, token, view, params, now);
  return r.ok ? { ok: true, tokenUsed: true } : { ok: false, status: 401, reason: r.reason };
}

/** The reads each embed view makes (lib/client/api.ts sends its token along in EMBED_TOKEN_HEADER). */
const EMBED_API_VIEWS: Record<string, readonly EmbedView[]> = {
  // An overview shows counts, not objects: its token reads no object's changes.
  '/api/v1/drift': ['drift'],
  '/api/v1/drift/counts': ['overview'],
  // The object panel draws the diff; the object's recorded history (every past value) is not in it.
  '/api/v1/drift/object': ['object'],
  '/api/v1/history/chart': ['overview'],
};

/** Parameters a token may pin that shape the panel, not what it may read. */
const PRESENTATION_PARAMS: ReadonlySet<string> = new Set(['range', 'stack', 'theme', 'mode', 'all']);
/** Counts are now's: a pinned time window (a locked range) applies to the chart beside them only. */
const COUNTS_UNASKED: ReadonlySet<string> = new Set([...PRESENTATION_PARAMS, 'from', 'to']);
const UNASKED_OF: Record<string, ReadonlySet<string>> = { '/api/v1/drift/counts': COUNTS_UNASKED };

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
export function embedTokenValid(config: EmbedConfig, req: { method: string; pathname: string; searchParams: URLSearchParams; headers: Headers }): boolean {
  const apiViews = EMBED_API_VIEWS[req.pathname];
  if (apiViews) {
    const token = req.headers.get(EMBED_TOKEN_HEADER);
    const secret = config.tokenSecret;
    if (req.method !== 'GET' || !token || !secret) return false;
    const params = embedParamsOfApiQuery(req.searchParams);
    // How the panel draws (range, stack, theme, diff mode) is the page's; its reads do not carry it.
    const unasked = UNASKED_OF[req.pathname] ?? PRESENTATION_PARAMS;
    return apiViews.some((v) => verifyEmbedToken(secret, token, v, params, new Date(), unasked).ok);
  }
  const view = embedViewOf(req.pathname);
  if (!view) return false;
  const a = embedAccess(config, view, req.searchParams);
  return a.ok && a.tokenUsed;
}

/** The CSP for /embed/*: Driftwatch itself and the allow-list may frame it. */
export function embedFrameAncestors(allowedOrigins: readonly string[]): string {
  return `frame-ancestors 'self'${allowedOrigins.map((o) => ` ${o}`).join('')}`;
}

/** Every route that is not an embed. */
export const NO_FRAMING_CSP = "frame-ancestors 'none'";
