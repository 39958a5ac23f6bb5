/**
 * Who is asking: decided once per request in proxy.ts (lib/auth/request-gate.ts) and handed to
 * route handlers in request headers that the gate always overwrites, so a client cannot set them.
 */
import type { AuthConfig } from './auth-config';
import { addressMatcher } from './peer';
import { sessionKey, SESSION_COOKIE, tokenMatches, verifySession } from './session';

export type AuthVia = 'none' | 'session' | 'bearer' | 'proxy' | 'embed-token';

export interface Identity {
  user: string;
  groups: string[];
  via: AuthVia;
}

export type AuthDecision = { ok: true; identity: Identity } | { ok: false; status: 401 | 403; reason: string };

export const USER_HEADER = 'x-driftwatch-user';
export const GROUPS_HEADER = 'x-driftwatch-groups';
export const VIA_HEADER = 'x-driftwatch-auth-via';

export interface AuthInput {
  headers: Headers;
  /** The TCP peer (lib/auth/peer.ts), undefined when unknown. */
  peer: string | undefined;
  now?: Date;
}

const matchers = new WeakMap<AuthConfig, (a: string | undefined) => boolean>();

function trusted(auth: AuthConfig, peer: string | undefined): boolean {
  let m = matchers.get(auth);
  if (!m) {
    m = addressMatcher(auth.proxy.trustedAddresses);
    matchers.set(auth, m);
  }
  return m(peer);
}

export function cookieValue(headers: Headers, name: string): string | undefined {
  const raw = headers.get('cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A request is from a trusted reverse proxy (its X-Forwarded-Proto, user and groups count). */
export function fromTrustedProxy(auth: AuthConfig, peer: string | undefined): boolean {
  return auth.mode === 'proxy' && trusted(auth, peer);
}

export function authenticate(auth: AuthConfig, input: AuthInput): AuthDecision {
  const now = input.now ?? new Date();
  switch (auth.mode) {
    case 'none':
      return { ok: true, identity: { user: 'local', groups: [], via: 'none' } };
    case 'token': {
      const authz = input.headers.get('authorization');
      const bearer = authz && /^Bearer\s+/i.test(authz) ? authz.replace(/^Bearer\s+/i, '').trim() : undefined;
      if (bearer !== undefined) {
        if (auth.token && tokenMatches(auth.token, bearer)) return { ok: true, identity: { user: 'token', groups: [], via: 'bearer' } };
        return { ok: false, status: 401, reason: 'the bearer token is not valid' };
      }
      const key = sessionKey(auth);
      const s = key ? verifySession(key, cookieValue(input.headers, SESSION_COOKIE), now) : undefined;
      if (s) return { ok: true, identity: { user: s.user, groups: s.groups, via: 'session' } };
      return { ok: false, status: 401, reason: 'sign in first (a session cookie from /login, or Authorization: Bearer <token>)' };
    }
    case 'proxy': {
      // Headers from anyone but the configured proxies are ignored, not rejected: they assert nothing.
      if (!trusted(auth, input.peer)) return { ok: false, status: 401, reason: 'not signed in: this Driftwatch accepts users only through its authenticating proxy' };
      const user = input.headers.get(auth.proxy.userHeader)?.trim();
      if (!user) return { ok: false, status: 401, reason: `the proxy sent no user (${auth.proxy.userHeader})` };
      const groups = (input.headers.get(auth.proxy.groupsHeader) ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean)
        .slice(0, 256);
      const allowed = auth.proxy.allowedGroups;
      if (allowed.length > 0 && !groups.some((g) => allowed.includes(g))) {
        return { ok: false, status: 403, reason: `${user} is not in a group allowed to use this Driftwatch` };
      }
      return { ok: true, identity: { user: user.slice(0, 256), groups, via: 'proxy' } };
    }
  }
}

/** Route handlers: the identity proxy.ts established ('local' when the gate did not run). */
export function identityOf(headers: Headers): Identity {
  const user = headers.get(USER_HEADER);
  const groups = headers.get(GROUPS_HEADER);
  const via = headers.get(VIA_HEADER) as AuthVia | null;
  return {
    user: user ? decodeURIComponent(user) : 'local',
    groups: groups ? groups.split(',').map((g) => decodeURIComponent(g)) : [],
    via: via ?? 'none',
  };
}

export function setIdentityHeaders(headers: Headers, id: Identity | undefined): void {
  headers.delete(USER_HEADER);
  headers.delete(GROUPS_HEADER);
  headers.delete(VIA_HEADER);
  if (!id) return;
  headers.set(USER_HEADER, encodeURIComponent(id.user));
  headers.set(GROUPS_HEADER, id.groups.map((g) => encodeURIComponent(g)).join(','));
  headers.set(VIA_HEADER, id.via);
}
