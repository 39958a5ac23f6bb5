/** Token-mode sign-in and sign-out, for the thin routes under app/api/auth. */
import { NextResponse } from 'next/server';
import { z } from 'zod';
import type { DashboardConfig } from '../config/dashboard-config';
import { audit } from './audit-log';
import { clearSessionCookieHeader, sessionCookieHeader, sessionKey, signSession, tokenMatches } from './session';

export const loginBody = z.object({ token: z.string().max(4096), next: z.string().max(2048).optional() });

/** Only a path on this site: `/x` but not `//evil.example` or `/\evil.example` (open redirects). */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /[\u0000-\u001f]/.test(next)) return '/';
  return next;
}

export type LoginResult = { ok: true; setCookie: string } | { ok: false; status: 400 | 401; reason: string };

export function login(cfg: Pick<DashboardConfig, 'auth' | 'dataDir'>, token: string, opts: { https: boolean; peer?: string }): LoginResult {
  const a = cfg.auth;
  if (a.mode !== 'token' || !a.token) return { ok: false, status: 400, reason: `sign-in with a token is not used here (auth mode ${a.mode})` };
  const key = sessionKey(a);
  if (!key || !tokenMatches(a.token, token)) {
    audit(cfg.dataDir, { event: 'sign-in-refused', reason: 'wrong token', via: 'login-form', ...(opts.peer ? { peer: opts.peer } : {}) });
    return { ok: false, status: 401, reason: 'that token is not valid' };
  }
  // One shared token means one user; proxy mode is the way to tell people apart.
  const s = signSession(key, 'token-user', [], a.sessionTtlSeconds);
  audit(cfg.dataDir, { event: 'sign-in', user: 'token-user', via: 'login-form', ...(opts.peer ? { peer: opts.peer } : {}) });
  const secure = a.secureCookie === 'auto' ? opts.https : a.secureCookie;
  return { ok: true, setCookie: sessionCookieHeader(s.value, { secure, maxAgeSeconds: a.sessionTtlSeconds }) };
}

export function logout(cfg: Pick<DashboardConfig, 'auth' | 'dataDir'>, user: string, https: boolean): string {
  audit(cfg.dataDir, { event: 'sign-out', user });
  return clearSessionCookieHeader(cfg.auth.secureCookie === 'auto' ? https : cfg.auth.secureCookie);
}

/**
 * The 503 message of sign-in and sign-out when the process has no valid configuration. These
 * routes are public, so the reason stops at its first blank line: a YAML syntax error goes on with
 * the offending lines of the file, which may hold the token.
 */
export function configUnavailableMessage(error: string): string {
  const reason = error.split(/\n\s*\n/)[0]?.trim() ?? '';
  return `sign-in and sign-out are unavailable: the dashboard configuration is invalid (fix it and restart the server): ${reason}`;
}

/** A relative 303: the browser resolves it against the address it used, whatever Host the server thinks it has. */
export function seeOther(location: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { Location: location, 'Cache-Control': 'no-store' } });
}
