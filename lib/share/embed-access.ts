/**
 * Who may see an embed, and which origins may frame it. Decided in proxy.ts before any page code
 * runs, so an auth layer added later can make the same call (and accept a valid token in place
 * of a session) without touching the embed pages.
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

/** The CSP for /embed/*: Driftwatch itself and the allow-list may frame it. */
export function embedFrameAncestors(allowedOrigins: readonly string[]): string {
  return `frame-ancestors 'self'${allowedOrigins.map((o) => ` ${o}`).join('')}`;
}

/** Every route that is not an embed. */
export const NO_FRAMING_CSP = "frame-ancestors 'none'";
