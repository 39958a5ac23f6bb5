import type { NextRequest } from 'next/server';
import { healthPodQuery } from '@/lib/api/health-params';
import { crashTimelineResponse } from '@/lib/api/health-response';
import { otherMethods, parseQuery } from '@/lib/api/responses';
import { objectId } from '@/lib/live/types';

export const dynamic = 'force-dynamic';

/** GET /api/v1/health/pod?cluster=&namespace=&name= — one Pod's health and crash summaries (as /health/object for that Pod). */
export async function GET(req: NextRequest) {
  const parsed = parseQuery(healthPodQuery, req.nextUrl.searchParams);
  if (!parsed.ok) return parsed.response;
  const q = parsed.value;
  return crashTimelineResponse(objectId({ cluster: q.cluster, group: '', kind: 'Pod', namespace: q.namespace, name: q.name }), req.headers, req.signal);
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
