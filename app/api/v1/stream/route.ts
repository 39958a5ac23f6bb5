import type { NextRequest } from 'next/server';
import { streamQuery } from '@/lib/api/drift-params';
import { jsonError, parseQuery } from '@/lib/api/responses';
import { currentRuntime } from '@/lib/live/server-runtime';
import { driftEventStream } from '@/lib/live/sse';

export const dynamic = 'force-dynamic';

/**
 * GET /api/v1/stream — server-sent events: `drift` for every change of an object's drift state,
 * `hello` / `reset` telling the client where it stands. Resumable with Last-Event-ID.
 */
export function GET(req: NextRequest) {
  const parsed = parseQuery(streamQuery, req.nextUrl.searchParams, ['cluster']);
  if (!parsed.ok) return parsed.response;
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  const body = driftEventStream({
    log: rt.runtime.events,
    resumeFrom: req.headers.get('last-event-id') ?? parsed.value.since,
    ...(parsed.value.cluster ? { clusters: parsed.value.cluster } : {}),
    signal: req.signal,
  });
  return new Response(body, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    },
  });
}
