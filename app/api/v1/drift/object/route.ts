import type { NextRequest } from 'next/server';
import { driftObjectQuery } from '@/lib/api/drift-params';
import { jsonError, jsonOk, otherMethods } from '@/lib/api/responses';
import { runtimeRequest } from '@/lib/api/runtime-request';
import { identityOf } from '@/lib/auth/identity';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { embeddableDetail, objectDetail, similarObjectIds } from '@/lib/live/object-detail';
import { malformedObjectIdMessage, objectId, parseObjectId } from '@/lib/live/types';

export const dynamic = 'force-dynamic';

/** GET /api/v1/drift/object — one object: desired and live (redacted), changes with attribution. */
export function GET(req: NextRequest) {
  const rt = runtimeRequest(driftObjectQuery, req.nextUrl.searchParams);
  if (!rt.ok) return rt.response;
  const q = rt.value;
  const id = q.id ?? objectId({ cluster: q.cluster ?? '', group: q.group ?? '', kind: q.kind ?? '', namespace: q.namespace ?? '', name: q.name ?? '' });
  // No object can have an id that does not parse: a 400 that says what one looks like, not a 404
  // that sends the reader looking for an object. (Syntax only: it tells a scoped user nothing.)
  if (!parseObjectId(id)) return jsonError(400, q.id !== undefined ? malformedObjectIdMessage(id) : 'cluster, group, kind, namespace and name cannot contain "/"');
  // An embedded object panel shows what drifts; what ignore rules hid stays with signed-in users.
  const embedded = identityOf(req.headers).via === 'embed-token';
  const showIgnored = q.showIgnored === 'true' && !embedded;
  const detail = objectDetail(rt.runtime, id, { showIgnored });
  // Out of scope answers exactly like unknown: a scoped user learns nothing about other namespaces.
  const scope = scopeOfRequest(rt.runtime.config.auth, req.headers);
  if (!detail || !inScope(scope, detail.state.namespace)) {
    const meant = similarObjectIds(rt.runtime, id, (s) => inScope(scope, s.namespace));
    return jsonError(404, `no drift state for ${id}: the object is not watched, not declared, or the cluster is still syncing${meant.length > 0 ? `; did you mean ${meant.join(' or ')}?` : ''}`);
  }
  return jsonOk(embedded ? embeddableDetail(detail) : detail);
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
