import type { NextRequest } from 'next/server';
import { jsonError, jsonOk, otherMethods, storeRoute } from '@/lib/api/responses';
import { audit } from '@/lib/auth/audit-log';
import { identityOf } from '@/lib/auth/identity';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { snapshotStore } from '@/lib/api/runtime-request';
import { snapshotLogName } from '@/lib/share/snapshot-id';
import { readSnapshot, revokeSnapshot, snapshotFor, SNAPSHOT_NOT_FOUND, type SnapshotLookup } from '@/lib/share/snapshot-service';
import type { SnapshotResponse } from '@/lib/share/snapshot-types';

export const dynamic = 'force-dynamic';

function gone(r: Extract<SnapshotLookup, { state: 'expired' | 'revoked' }>) {
  return r.state === 'expired' ? jsonError(410, `this snapshot expired at ${r.expiresAt.toISOString()}`) : jsonError(410, `this snapshot was revoked at ${r.revokedAt.toISOString()}`);
}

/** GET /api/v1/snapshots/<id> — the snapshot as stored; 410 once expired or revoked; 404 for unknown and malformed ids alike. */
export const GET = storeRoute(async (req: NextRequest, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = await ctx.params;
  const s = snapshotStore();
  if ('error' in s) return jsonError(503, s.error);
  const scope = scopeOfRequest(s.runtime.config.auth, req.headers);
  const r = snapshotFor(await readSnapshot(s.store, id.slice(0, 256)), (ns) => inScope(scope, ns));
  if (r.state === 'unknown') return jsonError(404, SNAPSHOT_NOT_FOUND);
  if (r.state !== 'found') return gone(r);
  const body: SnapshotResponse = {
    id,
    createdAt: r.createdAt.toISOString(),
    ...(r.expiresAt ? { expiresAt: r.expiresAt.toISOString() } : {}),
    snapshot: r.payload,
  };
  return jsonOk(body);
});

/**
 * DELETE /api/v1/snapshots/<id> — revokes the link: what it showed is deleted at once and the
 * link answers 410 from then on. Anyone who may open the snapshot may revoke it; again is a no-op.
 */
export const DELETE = storeRoute(async (req: NextRequest, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = await ctx.params;
  const s = snapshotStore();
  if ('error' in s) return jsonError(503, s.error);
  const scope = scopeOfRequest(s.runtime.config.auth, req.headers);
  const { lookup: r, now } = await revokeSnapshot(s.store, id.slice(0, 256), (ns) => inScope(scope, ns));
  if (r.state !== 'revoked') return jsonError(404, SNAPSHOT_NOT_FOUND);
  if (now) audit(s.runtime.config.dataDir, { event: 'snapshot-revoked', user: identityOf(req.headers).user, snapshot: snapshotLogName(id), object: r.subject });
  return jsonOk({ id, revokedAt: r.revokedAt.toISOString() });
});

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, OPTIONS } = otherMethods('GET', 'DELETE');
