import type { NextRequest } from 'next/server';
import { jsonText, NO_PARAMS, otherMethods } from '@/lib/api/responses';
import { runtimeRequest } from '@/lib/api/runtime-request';
import { scopedNamespaces, scopeOfRequest } from '@/lib/auth/namespace-scope';

export const dynamic = 'force-dynamic';

/**
 * GET /api/v1/drift/counts — objects by status, and nothing of any object: what an overview panel
 * shows, and all an overview embed token may read.
 */
export function GET(req: NextRequest) {
  const rt = runtimeRequest(NO_PARAMS, req.nextUrl.searchParams);
  if (!rt.ok) return rt.response;
  // A namespace-scoped user's counts cover only their namespaces.
  return jsonText(rt.runtime.driftCountsJson(scopedNamespaces(scopeOfRequest(rt.runtime.config.auth, req.headers), undefined)));
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
