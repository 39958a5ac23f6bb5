/**
 * Signed embed tokens for portals whose viewers have no Driftwatch session: HMAC-SHA256 over a
 * small JSON claim set naming one embed view, the query parameters it pins, and an expiry.
 * Format: `dwe1.<claims base64url>.<signature base64url>`. Stateless: nothing to store, and a
 * token cannot be widened (other view, other selector) without the key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const EMBED_VIEWS = ['overview', 'drift', 'object'] as const;
export type EmbedView = (typeof EMBED_VIEWS)[number];

const PREFIX = 'dwe1';
/** Longest lifetime a token may have: embeds are refreshed by the portal, not kept for ever. */
export const MAX_EMBED_TOKEN_TTL_MS = 366 * 24 * 3_600_000;

const claimsSchema = z
  .object({
    view: z.enum(EMBED_VIEWS),
    /** Query parameters the embed must carry with exactly these values (e.g. `selector`, `id`). */
    params: z.record(z.string(), z.string()).default({}),
    /** Expiry, epoch seconds. */
    exp: z.number().int().positive(),
  })
  .strict();

export type EmbedTokenClaims = z.infer<typeof claimsSchema>;

function sign(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`${PREFIX}.${body}`).digest();
}

export function createEmbedToken(secret: string, claims: { view: EmbedView; params?: Record<string, string>; ttlMs: number }, now: Date = new Date()): string {
  if (!(claims.ttlMs > 0) || claims.ttlMs > MAX_EMBED_TOKEN_TTL_MS) throw new Error(`an embed token lives between 1 ms and ${MAX_EMBED_TOKEN_TTL_MS / 86_400_000} days`);
  const c: EmbedTokenClaims = { view: claims.view, params: claims.params ?? {}, exp: Math.ceil((now.getTime() + claims.ttlMs) / 1000) };
  const body = Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
  return `${PREFIX}.${body}.${sign(secret, body).toString('base64url')}`;
}

export type EmbedTokenCheck = { ok: true; claims: EmbedTokenClaims } | { ok: false; reason: string };

/**
 * Verifies signature and expiry, then that the token is for `view` and that every parameter it
 * pins has that value in `params`.
 */
const NONE: ReadonlySet<string> = new Set();

/** `unchecked`: pinned parameters that the request cannot carry (an embed's API reads do not carry its presentation). */
export function verifyEmbedToken(secret: string, token: string, view: EmbedView, params: URLSearchParams, now: Date = new Date(), unchecked: ReadonlySet<string> = NONE): EmbedTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) return { ok: false, reason: 'the embed token is malformed' };
  const [, body, sig] = parts as [string, string, string];
  const expected = sign(secret, body);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'the embed token signature does not match' };
  let claims: EmbedTokenClaims;
  try {
    const parsed = claimsSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    if (!parsed.success) return { ok: false, reason: 'the embed token is malformed' };
    claims = parsed.data;
  } catch {
    return { ok: false, reason: 'the embed token is malformed' };
  }
  if (claims.exp * 1000 <= now.getTime()) return { ok: false, reason: `the embed token expired at ${new Date(claims.exp * 1000).toISOString()}` };
  if (claims.view !== view) return { ok: false, reason: `the embed token is for /embed/${claims.view}, not /embed/${view}` };
  for (const [k, v] of Object.entries(claims.params)) {
    if (!unchecked.has(k) && params.get(k) !== v) return { ok: false, reason: `the embed token requires ${k}=${v}` };
  }
  return { ok: true, claims };
}
