import type { NextRequest } from 'next/server';
import { driftRowsQuery } from '@/lib/api/drift-rows-params';
import { jsonError, jsonOk, parseQuery } from '@/lib/api/responses';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { currentRuntime } from '@/lib/live/server-runtime';
import { DRIFT_ROW_COLUMNS, rowsPage } from '@/lib/live/table-rows';

export const dynamic = 'force-dynamic';

/** GET /api/v1/drift/rows — every drift state in the drift table's compact row form, in id order. */
export function GET(req: NextRequest) {
  const parsed = parseQuery(driftRowsQuery, req.nextUrl.searchParams);
  if (!parsed.ok) return parsed.response;
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  // Taken in the same synchronous step as the rows: the browser re-applies the stream's events after it.
  const lastEventId = rt.runtime.events.lastSeq;
  try {
    // A namespace-scoped user's rows and total cover only their namespaces, as on /api/v1/drift.
    const scope = scopeOfRequest(rt.runtime.config.auth, req.headers);
    const states = scope.all ? rt.runtime.states() : [...rt.runtime.states()].filter((s) => inScope(scope, s.namespace));
    const page = rowsPage(states, parsed.value.limit, parsed.value.cursor);
    return jsonOk({ columns: DRIFT_ROW_COLUMNS, ...page, ready: rt.runtime.isReady(), lastEventId });
  } catch (err) {
    if (err instanceof Error && err.name === 'RowsCursorError') return jsonError(400, err.message);
    throw err;
  }
}
