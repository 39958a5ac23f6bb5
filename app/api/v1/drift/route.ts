import type { NextRequest } from 'next/server';
import { DRIFT_LIST_ARRAY_KEYS, driftListQuery } from '@/lib/api/drift-params';
import { jsonError, jsonText, otherMethods, parseQuery } from '@/lib/api/responses';
import { identityOf } from '@/lib/auth/identity';
import { scopedNamespaces, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { isCursorError } from '@/lib/live/drift-query';
import { currentRuntime } from '@/lib/live/server-runtime';

export const dynamic = 'force-dynamic';

/** GET /api/v1/drift — drift states with filters and paging. */
export function GET(req: NextRequest) {
  const parsed = parseQuery(driftListQuery, req.nextUrl.searchParams, DRIFT_LIST_ARRAY_KEYS);
  if (!parsed.ok) return parsed.response;
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  try {
    const { limit, cursor, ...filters } = parsed.value;
    // A namespace-scoped user's list, counts and paging cover only their namespaces.
    const namespace = scopedNamespaces(scopeOfRequest(rt.runtime.config.auth, req.headers), filters.namespace);
    // An embed token's panel shows paths and managers, never values (docs/embedding.md).
    const summary = identityOf(req.headers).via === 'embed-token';
    return jsonText(rt.runtime.driftListJson({ ...filters, ...(namespace ? { namespace } : {}), limit, ...(cursor ? { cursor } : {}) }, { summary }));
  } catch (err) {
    if (isCursorError(err) && err instanceof Error) return jsonError(400, err.message);
    throw err;
  }
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
