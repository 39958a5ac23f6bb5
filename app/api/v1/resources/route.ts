import type { NextRequest } from 'next/server';
import { jsonError, jsonOk, NO_PARAMS, otherMethods, parseQuery } from '@/lib/api/responses';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { currentRuntime } from '@/lib/live/server-runtime';

export const dynamic = 'force-dynamic';

/** GET /api/v1/resources — what is watched in each cluster and how its watch is doing. */
export function GET(req: NextRequest) {
  const parsed = parseQuery(NO_PARAMS, req.nextUrl.searchParams);
  if (!parsed.ok) return parsed.response;
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  const scope = scopeOfRequest(rt.runtime.config.auth, req.headers);
  return jsonOk({ resources: rt.runtime.resourceStates(scope.all ? undefined : (ns) => inScope(scope, ns)) });
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
