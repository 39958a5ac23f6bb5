import type { NextRequest } from 'next/server';
import { streamQuery } from '@/lib/api/drift-params';
import { jsonError, otherMethods, parseQuery } from '@/lib/api/responses';
import { unknownClusterResponse } from '@/lib/api/runtime-request';
import { identityOf } from '@/lib/auth/identity';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { acquireStreamSlot } from '@/lib/auth/limits';
import { currentRuntime } from '@/lib/live/server-runtime';
import { driftEventStream } from '@/lib/live/sse';

export const dynamic = 'force-dynamic';

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};

/** What GET and HEAD answer alike: the query checked and a runtime to stream from, or the error response. */
function streamRequest(req: NextRequest) {
  const parsed = parseQuery(streamQuery, req.nextUrl.searchParams, ['cluster']);
  if (!parsed.ok) return { response: parsed.response };
  const rt = currentRuntime();
  if ('error' in rt) return { response: jsonError(503, rt.error) };
  const unknownCluster = unknownClusterResponse(rt.runtime, parsed.value.cluster, req.headers);
  if (unknownCluster) return { response: unknownCluster };
  return { query: parsed.value, runtime: rt.runtime };
}

/**
 * GET /api/v1/stream — server-sent events: `drift` for every change of an object's drift state,
 * `hello` / `reset` telling the client where it stands. Resumable with Last-Event-ID.
 */
export function GET(req: NextRequest) {
  const checked = streamRequest(req);
  if ('response' in checked) return checked.response;
  const { query, runtime } = checked;
  // Refused before anything is allocated for the stream, so a flood of opens costs little.
  const slot = acquireStreamSlot(identityOf(req.headers).user, runtime.config.limits);
  if (!slot.ok) return jsonError(429, slot.reason);
  const scope = scopeOfRequest(runtime.config.auth, req.headers);
  const body = driftEventStream({
    onClose: slot.release,
    ...(scope.all ? {} : { namespaceVisible: (ns: string) => inScope(scope, ns) }),
    log: runtime.events,
    // An empty header (some clients send one on their first connect) is no resume point.
    resumeFrom: req.headers.get('last-event-id') || query.since,
    ...(query.cluster ? { clusters: query.cluster } : {}),
    signal: req.signal,
  });
  return new Response(body, { headers: STREAM_HEADERS });
}

/**
 * HEAD (an uptime probe, a curl -I): what GET would answer, without a stream. Left to Next, HEAD
 * runs GET and drops its body, and the stream nobody reads kept its slot and subscription open.
 */
export function HEAD(req: NextRequest) {
  const checked = streamRequest(req);
  if ('response' in checked) return checked.response;
  return new Response(null, { headers: STREAM_HEADERS });
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
