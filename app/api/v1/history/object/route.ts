import type { NextRequest } from 'next/server';
import { objectHistoryQuery } from '@/lib/api/history-params';
import { jsonError, jsonOk, otherMethods, parseQuery, storeRoute } from '@/lib/api/responses';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { currentRuntime } from '@/lib/live/server-runtime';
import { malformedObjectIdMessage, parseObjectId } from '@/lib/live/types';

export const dynamic = 'force-dynamic';

/** GET /api/v1/history/object?id=cluster/group/kind/namespace/name — one object's episodes, events, restarts, findings. */
export const GET = storeRoute(async (req: NextRequest) => {
  const parsed = parseQuery(objectHistoryQuery, req.nextUrl.searchParams);
  if (!parsed.ok) return parsed.response;
  const ref = parseObjectId(parsed.value.id);
  if (!ref) return jsonError(400, malformedObjectIdMessage(parsed.value.id));
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  const h = rt.runtime.historyStore();
  if ('error' in h) return jsonError(503, h.error);
  // Out of a scoped user's namespaces: as if there were no history (nothing to learn from a 403).
  if (!inScope(scopeOfRequest(rt.runtime.config.auth, req.headers), ref.namespace)) return jsonError(404, `no history for ${parsed.value.id}`);
  const { from, to } = parsed.value;
  const history = await h.store.objectHistory(ref, { ...(from ? { from } : {}), ...(to ? { to } : {}) });
  if (!history) return jsonError(404, `no history for ${parsed.value.id}`);
  return jsonOk(history);
});

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
