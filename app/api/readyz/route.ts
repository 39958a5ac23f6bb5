import type { NextRequest } from 'next/server';
import { readyzQuery } from '@/lib/api/readiness-params';
import { jsonError, jsonOk, otherMethods } from '@/lib/api/responses';
import { runtimeRequest } from '@/lib/api/runtime-request';

export const dynamic = 'force-dynamic';

/**
 * Readiness: 200 once every cluster has completed its first lists, 503 before (with why), and
 * 503 at once when no configured cluster could be loaded at all.
 * `?wait=S` holds the request up to S seconds until ready, for scripts that would otherwise poll.
 */
export async function GET(req: NextRequest) {
  const rt = runtimeRequest(readyzQuery, req.nextUrl.searchParams);
  if (!rt.ok) return rt.response;
  const unwatched = rt.runtime.nothingWatched();
  if (unwatched) return jsonError(503, unwatched);
  // Without a wait (0) this answers at once with isReady().
  if (!(await rt.runtime.whenReady((rt.value.wait ?? 0) * 1000, req.signal))) return jsonError(503, 'still listing: some watched resources have not synced yet');
  return jsonOk({ ready: true });
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
