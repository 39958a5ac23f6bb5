import type { NextRequest } from 'next/server';
import { DRIFT_LIST_ARRAY_KEYS, driftListQuery } from '@/lib/api/drift-params';
import { jsonError, jsonText, otherMethods } from '@/lib/api/responses';
import { runtimeRequest, unknownClusterResponse } from '@/lib/api/runtime-request';
import { identityOf } from '@/lib/auth/identity';
import { scopedNamespaces, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { isCursorError } from '@/lib/live/drift-query';

export const dynamic = 'force-dynamic';

/** GET /api/v1/drift — drift states with filters and paging. */
export function GET(req: NextRequest) {
  const rt = runtimeRequest(driftListQuery, req.nextUrl.searchParams, DRIFT_LIST_ARRAY_KEYS);
  if (!rt.ok) return rt.response;
  const unknownCluster = unknownClusterResponse(rt.runtime, rt.value.cluster, req.headers);
  if (unknownCluster) return unknownCluster;
  try {
    const { limit, cursor, ...filters } = rt.value;
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
