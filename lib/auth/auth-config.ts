/**
 * Who may use the dashboard (`auth`) and how much one user may ask of it (`limits`): the
 * configuration file's keys and their environment variables. docs/security.md explains the modes.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { listVariable } from '../config/env-list';

export const AUTH_MODES = ['none', 'token', 'proxy'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** An IPv4/IPv6 address or CIDR block (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`). */
const addressOrCidr = z
  .string()
  .trim()
  .refine((s) => {
    const [addr, bits, ...rest] = s.split('/');
    if (rest.length > 0 || !addr) return false;
    const v = isIP(addr);
    if (v === 0) return false;
    if (bits === undefined) return true;
    const n = Number(bits);
    return /^[0-9]{1,3}$/.test(bits) && n >= 0 && n <= (v === 4 ? 32 : 128);
  }, { message: 'an IP address or CIDR block such as `10.0.0.0/8` or `127.0.0.1`' });

const headerName = z.string().trim().toLowerCase().regex(/^[a-z0-9-]+$/, { message: 'an HTTP header name' });

const proxySchema = z
  .object({
    /** Only requests whose TCP peer is one of these may assert a user through headers. */
    trustedAddresses: z.array(addressOrCidr).default([]),
    userHeader: headerName.default('x-forwarded-user'),
    groupsHeader: headerName.default('x-forwarded-groups'),
    /** A user must be in one of these groups; empty: any user the proxy vouches for. */
    allowedGroups: z.array(z.string().trim().min(1)).default([]),
  })
  .strict();

/**
 * `auth` key by key. The checks between keys (authProblems) are not part of it: the file may
 * leave a key to its environment variable (`mode: token` in the file, the token in
 * DRIFTWATCH_AUTH_TOKEN), so they run on the configuration in force, environment applied.
 */
export const authFieldsSchema = z
  .object({
    mode: z.enum(AUTH_MODES).default('none'),
    /** token mode: the shared sign-in token (also accepted as `Authorization: Bearer`). */
    token: z.string().min(16, { message: 'at least 16 characters' }).optional(),
    /** HMAC key of session cookies; default: derived from the token (changing the token signs everyone out). */
    sessionSecret: z.string().min(32, { message: 'at least 32 characters' }).optional(),
    sessionTtlSeconds: z.number().int().min(60).max(30 * 24 * 3600).default(12 * 3600),
    /** `auto`: Secure when the request came over https (directly or per a trusted proxy's X-Forwarded-Proto). */
    secureCookie: z.union([z.literal('auto'), z.boolean()]).default('auto'),
    /** group → namespaces it may see (`*`: all). Unset: nobody is scoped. docs/security.md. */
    namespaceScopes: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).optional(),
    proxy: proxySchema.default({ trustedAddresses: [], userHeader: 'x-forwarded-user', groupsHeader: 'x-forwarded-groups', allowedGroups: [] }),
  })
  .strict();

export type AuthConfig = z.infer<typeof authFieldsSchema>;

/** What the keys of a complete `auth` say to each other that cannot be: each names the key and its environment variable. */
export function authProblems(a: AuthConfig): string[] {
  const problems: string[] = [];
  if (a.mode === 'token' && a.token === undefined) problems.push('mode token needs auth.token (or DRIFTWATCH_AUTH_TOKEN)');
  if (a.mode === 'proxy' && a.proxy.trustedAddresses.length === 0) {
    problems.push('mode proxy needs auth.proxy.trustedAddresses (or DRIFTWATCH_TRUSTED_PROXIES): headers from anyone else are ignored');
  }
  return problems;
}

export const AUTH_DEFAULTS: AuthConfig = authFieldsSchema.parse({});

export const limitsSchema = z
  .object({
    /** Concurrent event streams (/api/v1/stream) per user; more are refused with 429. */
    maxStreamsPerUser: z.number().int().min(1).max(10_000).default(8),
    /** All event streams together, whoever opens them. */
    maxStreams: z.number().int().min(1).max(100_000).default(512),
    /** Request bodies on /api/* over this are refused with 413. */
    maxBodyBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
    /** Query strings over this are refused with 414. */
    maxQueryBytes: z.number().int().min(256).max(64 * 1024).default(8 * 1024),
    /** Expensive endpoints (snapshots, crash reports with log fetches, history, sign-in attempts) per user per minute. */
    expensivePerMinute: z.number().int().min(1).max(100_000).default(60),
  })
  .strict();

export type LimitsConfig = z.infer<typeof limitsSchema>;
export const LIMITS_DEFAULTS: LimitsConfig = limitsSchema.parse({});

/**
 * Environment on top of the file's `auth`: DRIFTWATCH_AUTH_MODE, DRIFTWATCH_AUTH_TOKEN,
 * DRIFTWATCH_SESSION_SECRET, DRIFTWATCH_TRUSTED_PROXIES and DRIFTWATCH_ALLOWED_GROUPS
 * (comma- or space-separated). Returns the raw object for the caller to validate.
 */
export function authFromEnv(base: AuthConfig, env: Record<string, string | undefined>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const proxy: Record<string, unknown> = {};
  if (env.DRIFTWATCH_AUTH_MODE) out.mode = env.DRIFTWATCH_AUTH_MODE.trim();
  if (env.DRIFTWATCH_AUTH_TOKEN) out.token = env.DRIFTWATCH_AUTH_TOKEN;
  if (env.DRIFTWATCH_SESSION_SECRET) out.sessionSecret = env.DRIFTWATCH_SESSION_SECRET;
  const trusted = listVariable(env, 'DRIFTWATCH_TRUSTED_PROXIES', 'address');
  if (trusted) proxy.trustedAddresses = trusted;
  // `","` must not become an empty allow-list: empty means every user the proxy sends.
  const groups = listVariable(env, 'DRIFTWATCH_ALLOWED_GROUPS', 'group');
  if (groups) proxy.allowedGroups = groups;
  if (Object.keys(out).length === 0 && Object.keys(proxy).length === 0) return undefined;
  return { ...base, ...out, proxy: { ...base.proxy, ...proxy } };
}
