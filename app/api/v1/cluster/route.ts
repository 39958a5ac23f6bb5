import { NextResponse, type NextRequest } from 'next/server';
import { jsonError, NO_PARAMS, otherMethods, parseQuery } from '@/lib/api/responses';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { currentDashboardConfig } from '@/lib/config/dashboard-config';
import { getClusterOverview } from '@/lib/kube/overview';

export const dynamic = 'force-dynamic';

/** GET /api/v1/cluster — which cluster, its namespaces (a namespace-scoped user's only) and what it serves. */
export async function GET(req: NextRequest) {
  const parsed = parseQuery(NO_PARAMS, req.nextUrl.searchParams);
  if (!parsed.ok) return parsed.response;
  const result = await getClusterOverview();
  if (!result.ok) return jsonError(503, result.error);
  // The configuration the server started with, as the gate has it, whether the runtime runs or not.
  const config = currentDashboardConfig();
  if (!config.ok) return jsonError(503, 'the dashboard configuration is invalid (the server log says why)');
  const scope = scopeOfRequest(config.config.auth, req.headers);
  const overview = scope.all ? result.overview : { ...result.overview, namespaces: result.overview.namespaces.filter((n) => inScope(scope, n.name)) };
  return NextResponse.json(overview);
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
