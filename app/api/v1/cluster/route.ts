import { NextResponse, type NextRequest } from 'next/server';
import { inScope, scopeFor } from '@/lib/auth/namespace-scope';
import { identityOf } from '@/lib/auth/identity';
import { loadDashboardConfig } from '@/lib/config/dashboard-config';
import { getClusterOverview } from '@/lib/kube/overview';

export const dynamic = 'force-dynamic';

/** GET /api/v1/cluster — which cluster, its namespaces (a namespace-scoped user's only) and what it serves. */
export async function GET(req: NextRequest) {
  const result = await getClusterOverview();
  if (!result.ok) {
    return NextResponse.json({ error: result.error }, { status: 503 });
  }
  const scope = scopeFor(loadDashboardConfig().auth, identityOf(req.headers));
  const overview = scope.all ? result.overview : { ...result.overview, namespaces: result.overview.namespaces.filter((n) => inScope(scope, n.name)) };
  return NextResponse.json(overview);
}
