import type { NextRequest } from 'next/server';
import { jsonOk, NO_PARAMS, otherMethods } from '@/lib/api/responses';
import { runtimeRequest } from '@/lib/api/runtime-request';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';

export const dynamic = 'force-dynamic';

/** GET /api/v1/status — clusters, readiness and manifest problems (bad files with file and line). */
export function GET(req: NextRequest) {
  const rt = runtimeRequest(NO_PARAMS, req.nextUrl.searchParams);
  if (!rt.ok) return rt.response;
  const { runtime } = rt;
  const scope = scopeOfRequest(runtime.config.auth, req.headers);
  return jsonOk({
    ready: runtime.isReady(),
    startedAt: runtime.startedAt.toISOString(),
    // A namespace-scoped user: object counts of their namespaces only; manifest problems name
    // files of any namespace, so they are left to users who see everything.
    clusters: runtime.clusterSummaries(scope.all ? undefined : (ns) => inScope(scope, ns)),
    manifestProblems: scope.all ? runtime.manifestProblems() : [],
    ...(scope.all ? {} : { manifestProblemsHidden: true }),
    lastEventId: runtime.events.lastSeq,
    streamId: runtime.streamId(),
  });
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
