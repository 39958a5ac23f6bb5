import type { NextRequest } from 'next/server';
import { driftRowsQuery } from '@/lib/api/drift-rows-params';
import { jsonError, jsonText, otherMethods } from '@/lib/api/responses';
import { runtimeRequest } from '@/lib/api/runtime-request';
import { scopeOfRequest } from '@/lib/auth/namespace-scope';

export const dynamic = 'force-dynamic';

/** GET /api/v1/drift/rows — every drift state in the drift table's compact row form, in id order. */
export function GET(req: NextRequest) {
  const rt = runtimeRequest(driftRowsQuery, req.nextUrl.searchParams);
  if (!rt.ok) return rt.response;
  try {
    // A namespace-scoped user's rows and total cover only their namespaces, as on /api/v1/drift.
    // The rows and lastEventId are taken in one synchronous step: the browser re-applies the stream's events after it.
    const scope = scopeOfRequest(rt.runtime.config.auth, req.headers);
    const { limit, cursor } = rt.value;
    return jsonText(rt.runtime.driftRowsJson({ limit, ...(cursor ? { cursor } : {}), ...(scope.all ? {} : { namespaces: [...scope.namespaces].sort() }) }));
  } catch (err) {
    if (err instanceof Error && err.name === 'RowsCursorError') return jsonError(400, err.message);
    throw err;
  }
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
