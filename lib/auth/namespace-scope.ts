/**
 * Per-user namespace scoping from a static group → namespaces map (`auth.namespaceScopes`).
 * Without the map nobody is scoped. With it, a user sees the union of their groups' namespaces
 * (`*`: all, cluster-scoped objects included); a user in no mapped group sees nothing.
 * Endpoints that do not filter by namespace yet are refused to scoped users (fail closed).
 */
import type { AuthConfig } from './auth-config';
import type { Identity } from './identity';
import { identityOf } from './identity';

export type NamespaceScope = { all: true } | { all: false; namespaces: ReadonlySet<string> };

const ALL: NamespaceScope = { all: true };

export function scopeFor(auth: Pick<AuthConfig, 'namespaceScopes'>, id: Identity): NamespaceScope {
  const map = auth.namespaceScopes;
  // Embed tokens were issued for a view by someone who could see it: they are not a user.
  if (!map || id.via === 'embed-token') return ALL;
  const out = new Set<string>();
  for (const g of id.groups) {
    // Own keys only: a group named `constructor` or `__proto__` is just a group.
    const nss = Object.hasOwn(map, g) ? map[g] : undefined;
    if (!nss) continue;
    if (nss.includes('*')) return ALL;
    for (const n of nss) out.add(n);
  }
  return { all: false, namespaces: out };
}

export function scopeOfRequest(auth: Pick<AuthConfig, 'namespaceScopes'>, headers: Headers): NamespaceScope {
  return scopeFor(auth, identityOf(headers));
}

/** Cluster-scoped objects (namespace '') are visible only to users who see everything. */
export function inScope(scope: NamespaceScope, namespace: string): boolean {
  return scope.all || (namespace !== '' && scope.namespaces.has(namespace));
}

/** The namespace filter a scoped user's query runs with: theirs, narrowed by what they asked for. */
export function scopedNamespaces(scope: NamespaceScope, asked: string[] | undefined): string[] | undefined {
  if (scope.all) return asked;
  const mine = [...scope.namespaces];
  return asked ? asked.filter((n) => scope.namespaces.has(n)) : mine;
}

/** Reads whose handlers filter by the user's namespaces (or answer 404 outside them). */
const SCOPE_AWARE_READS = new Set([
  '/api/v1/drift',
  '/api/v1/drift/rows',
  '/api/v1/drift/counts',
  '/api/v1/drift/object',
  '/api/v1/stream',
  '/api/v1/history/chart',
  '/api/v1/history/findings',
  '/api/v1/history/object',
  '/api/v1/health/object',
  '/api/v1/health/pod',
  '/api/v1/status',
  '/api/v1/resources',
  '/api/v1/cluster',
]);

/** API requests a scoped user may make; the gate answers 403 to every other one. */
export function scopeAwarePath(method: string, pathname: string): boolean {
  if (SCOPE_AWARE_READS.has(pathname)) return method === 'GET';
  // One snapshot: read or revoked only if its object's namespace is the user's (the route checks).
  if (/^\/api\/v1\/snapshots\/[^/]+$/.test(pathname)) return method === 'GET' || method === 'DELETE';
  return method === 'POST' && pathname === '/api/v1/snapshots';
}
