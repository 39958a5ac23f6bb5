import type { NextRequest } from 'next/server';
import { jsonError, jsonOk, otherMethods, storeRoute } from '@/lib/api/responses';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { currentRuntime } from '@/lib/live/server-runtime';
import { readSnapshot, snapshotFor, SNAPSHOT_NOT_FOUND } from '@/lib/share/snapshot-service';
import type { SnapshotResponse } from '@/lib/share/snapshot-types';

export const dynamic = 'force-dynamic';

/** GET /api/v1/snapshots/<id> — the snapshot as stored; 410 once expired; 404 for unknown and malformed ids alike. */
export const GET = storeRoute(async (req: NextRequest, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = await ctx.params;
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  const h = rt.runtime.historyStore();
  if ('error' in h) return jsonError(503, `snapshots are kept in the history store: ${h.error}`);
  const scope = scopeOfRequest(rt.runtime.config.auth, req.headers);
  const r = snapshotFor(await readSnapshot(h.store, id.slice(0, 256)), (ns) => inScope(scope, ns));
  if (r.state === 'unknown') return jsonError(404, SNAPSHOT_NOT_FOUND);
  if (r.state === 'expired') return jsonError(410, `this snapshot expired at ${r.expiresAt.toISOString()}`);
  const body: SnapshotResponse = {
    id,
    createdAt: r.createdAt.toISOString(),
    ...(r.expiresAt ? { expiresAt: r.expiresAt.toISOString() } : {}),
    snapshot: r.payload,
  };
  return jsonOk(body);
});

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
