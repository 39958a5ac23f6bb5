/**
 * Session cookies for token mode: `<payload>.<mac>`, both base64url, the MAC an HMAC-SHA256 over
 * the payload. The payload carries the user, groups and expiry, so no server-side session table
 * is needed and several replicas accept each other's cookies when they share the key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AuthConfig } from './auth-config';

export const SESSION_COOKIE = 'driftwatch_session';

const payloadSchema = z.object({ u: z.string().min(1).max(256), g: z.array(z.string().max(256)).max(64), exp: z.number().int() }).strict();

export interface Session {
  user: string;
  groups: string[];
  expiresAt: Date;
}

/** The key that signs cookies: configured, else derived from the token (rotating it signs everyone out). */
export function sessionKey(auth: Pick<AuthConfig, 'sessionSecret' | 'token'>): Buffer | undefined {
  if (auth.sessionSecret) return Buffer.from(auth.sessionSecret, 'utf8');
  if (auth.token) return createHmac('sha256', 'driftwatch session key v1').update(auth.token, 'utf8').digest();
  return undefined;
}

const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload, 'utf8').digest('base64url');

export function signSession(key: Buffer, user: string, groups: string[], ttlSeconds: number, now: Date = new Date()): { value: string; expiresAt: Date } {
  const exp = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const payload = Buffer.from(JSON.stringify({ u: user, g: groups, exp }), 'utf8').toString('base64url');
  return { value: `${payload}.${mac(key, payload)}`, expiresAt: new Date(exp * 1000) };
}

export function verifySession(key: Buffer, value: string | undefined, now: Date = new Date()): Session | undefined {
  if (!value || value.length > 4096) return undefined;
  const dot = value.indexOf('.');
  if (dot <= 0) return undefined;
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), 'base64url');
  const expected = Buffer.from(mac(key, payload), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const p = payloadSchema.safeParse(raw);
  if (!p.success || p.data.exp * 1000 <= now.getTime()) return undefined;
  return { user: p.data.u, groups: p.data.g, expiresAt: new Date(p.data.exp * 1000) };
}

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(configured: string, presented: string | undefined | null): boolean {
  if (!presented) return false;
  const a = createHmac('sha256', 'cmp').update(configured).digest();
  const b = createHmac('sha256', 'cmp').update(presented).digest();
  return timingSafeEqual(a, b);
}

export interface CookieFlags {
  secure: boolean;
  maxAgeSeconds: number;
}

/** Set-Cookie value: HttpOnly (no script reads it), SameSite=Strict (no cross-site request carries it). */
export function sessionCookieHeader(value: string, flags: CookieFlags): string {
  return [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${flags.maxAgeSeconds}`, ...(flags.secure ? ['Secure'] : [])].join('; ');
}

export function clearSessionCookieHeader(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', ...(secure ? ['Secure'] : [])].join('; ');
}
