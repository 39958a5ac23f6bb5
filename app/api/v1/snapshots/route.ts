import type { NextRequest } from 'next/server';
import { createSnapshotBody } from '@/lib/api/snapshot-params';
import { jsonError, jsonOk, otherMethods, storeRoute } from '@/lib/api/responses';
import { snapshotStore } from '@/lib/api/runtime-request';
import { audit } from '@/lib/auth/audit-log';
import { identityOf } from '@/lib/auth/identity';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { issuePath } from '@/lib/config/drift-config';
import { objectDetail } from '@/lib/live/object-detail';
import { malformedObjectIdMessage, parseObjectId } from '@/lib/live/types';
import { snapshotLogName } from '@/lib/share/snapshot-id';
import { takeSnapshot } from '@/lib/share/snapshot-service';

export const dynamic = 'force-dynamic';

const MAX_BODY = 16 * 1024;

/** POST /api/v1/snapshots — freezes one object's diff, changes and timeline; answers its /s/<id> link. */
export const POST = storeRoute(async (req: NextRequest) => {
  // A declared length over the limit is refused unread; an undeclared one is measured in bytes.
  if (Number(req.headers.get('content-length') ?? 0) > MAX_BODY) return jsonError(413, `request body over ${MAX_BODY} bytes`);
  const text = await req.text();
  if (Buffer.byteLength(text) > MAX_BODY) return jsonError(413, `request body over ${MAX_BODY} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return jsonError(400, 'the body must be JSON: {"id": "cluster/group/kind/namespace/name", ...}');
  }
  const parsed = createSnapshotBody.safeParse(raw);
  if (!parsed.success) return jsonError(400, `invalid body: ${parsed.error.issues.map((i) => `${issuePath(i.path)}: ${i.message}`).join('; ')}`);
  const b = parsed.data;
  // As GET /api/v1/drift/object: an id no object can have is the request's fault (400), not a 404.
  if (!parseObjectId(b.id)) return jsonError(400, `invalid body: id: ${malformedObjectIdMessage(b.id)}`);
  const s = snapshotStore();
  if ('error' in s) return jsonError(503, s.error);
  const detail = objectDetail(s.runtime, b.id, { showIgnored: false });
  if (!detail || !inScope(scopeOfRequest(s.runtime.config.auth, req.headers), detail.state.namespace)) return jsonError(404, `no drift state for ${b.id}: the object is not watched, not declared, or the cluster is still syncing`);
  const taken = await takeSnapshot(s.store, {
    detail,
    view: { mode: b.mode, showAll: b.showAll, ...(b.from ? { from: b.from } : {}), ...(b.to ? { to: b.to } : {}) },
    ...(b.expiresInSeconds ? { expiresInSeconds: b.expiresInSeconds } : {}),
  });
  audit(s.runtime.config.dataDir, {
    event: 'snapshot-created',
    user: identityOf(req.headers).user,
    // The id is the link's secret: the log names it as the store does, by its SHA-256.
    snapshot: snapshotLogName(taken.id),
    object: b.id,
    ...(taken.expiresAt ? { expiresAt: taken.expiresAt.toISOString() } : {}),
  });
  const res = jsonOk({
    id: taken.id,
    url: `/s/${taken.id}`,
    createdAt: taken.createdAt.toISOString(),
    ...(taken.expiresAt ? { expiresAt: taken.expiresAt.toISOString() } : {}),
  });
  res.headers.set('Location', `/api/v1/snapshots/${taken.id}`);
  return new Response(res.body, { status: 201, headers: res.headers });
});

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
