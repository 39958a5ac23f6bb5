import type { NextRequest } from 'next/server';
import { jsonOk, NO_PARAMS, otherMethods } from '@/lib/api/responses';
import { runtimeRequest } from '@/lib/api/runtime-request';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';

export const dynamic = 'force-dynamic';

/** GET /api/v1/resources — what is watched in each cluster and how its watch is doing. */
export function GET(req: NextRequest) {
  const rt = runtimeRequest(NO_PARAMS, req.nextUrl.searchParams);
  if (!rt.ok) return rt.response;
  const scope = scopeOfRequest(rt.runtime.config.auth, req.headers);
  return jsonOk({ resources: rt.runtime.resourceStates(scope.all ? undefined : (ns) => inScope(scope, ns)) });
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
