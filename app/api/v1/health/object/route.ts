import type { NextRequest } from 'next/server';
import { healthObjectQuery } from '@/lib/api/health-params';
import { crashTimelineResponse } from '@/lib/api/health-response';
import { otherMethods, parseQuery } from '@/lib/api/responses';

export const dynamic = 'force-dynamic';

/** GET /api/v1/health/object?id=cluster/group/kind/namespace/name — Pod health, crash summaries, drift beside them, the drift-before-crash hint. */
export async function GET(req: NextRequest) {
  const parsed = parseQuery(healthObjectQuery, req.nextUrl.searchParams);
  if (!parsed.ok) return parsed.response;
  return crashTimelineResponse(parsed.value.id, req.headers, req.signal);
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
