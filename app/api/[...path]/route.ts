import type { NextRequest } from 'next/server';
import { jsonError } from '@/lib/api/responses';

export const dynamic = 'force-dynamic';

/**
 * Any /api path no route serves: the API's JSON error rather than Next's HTML page, so that a
 * script with a typo in its URL reads what went wrong.
 */
function notFound(req: NextRequest) {
  return jsonError(404, `no such API endpoint: ${req.method} ${req.nextUrl.pathname} (docs/api.md lists them)`);
}

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
