import type { NextRequest } from 'next/server';
import { jsonError, jsonText, NO_PARAMS, otherMethods, parseQuery } from '@/lib/api/responses';
import { scopedNamespaces, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { currentRuntime } from '@/lib/live/server-runtime';

export const dynamic = 'force-dynamic';

/**
 * GET /api/v1/drift/counts — objects by status, and nothing of any object: what an overview panel
 * shows, and all an overview embed token may read.
 */
export function GET(req: NextRequest) {
  const parsed = parseQuery(NO_PARAMS, req.nextUrl.searchParams);
  if (!parsed.ok) return parsed.response;
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  // A namespace-scoped user's counts cover only their namespaces.
  return jsonText(rt.runtime.driftCountsJson(scopedNamespaces(scopeOfRequest(rt.runtime.config.auth, req.headers), undefined)));
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
