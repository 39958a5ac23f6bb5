import type { NextRequest } from 'next/server';
import { chartQuery } from '@/lib/api/history-params';
import { jsonError, jsonOk, otherMethods, storeRoute } from '@/lib/api/responses';
import { runtimeRequest } from '@/lib/api/runtime-request';
import { scopeOfRequest } from '@/lib/auth/namespace-scope';

export const dynamic = 'force-dynamic';

/** GET /api/v1/history/chart — drifted objects per time bucket, optionally per cluster/namespace/kind. */
export const GET = storeRoute(async (req: NextRequest) => {
  const rt = runtimeRequest(chartQuery, req.nextUrl.searchParams);
  if (!rt.ok) return rt.response;
  const h = rt.runtime.historyStore();
  if ('error' in h) return jsonError(503, h.error);
  // A namespace-scoped user's chart counts only their namespaces' objects.
  const scope = scopeOfRequest(rt.runtime.config.auth, req.headers);
  return jsonOk(await h.store.driftChart({ ...rt.value, ...(scope.all ? {} : { namespaceIn: [...scope.namespaces] }) }));
});

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
