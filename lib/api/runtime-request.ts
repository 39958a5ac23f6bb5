/**
 * What most API routes begin with: their query, validated (400 saying what is wrong), then the live
 * runtime (503 saying why there is none yet), in that order.
 */
import type { NextResponse } from 'next/server';
import type { z } from 'zod';
import type { LiveRuntime } from '../live/runtime';
import type { DriftStore } from '../store';
import { identityOf } from '../auth/identity';
import { unknownClusterMessage, unknownClusters } from '../live/cluster-filter';
import { currentRuntime } from '../live/server-runtime';
import { jsonError, parseQuery } from './responses';

export type RuntimeRequest<T> = { ok: true; value: T; runtime: LiveRuntime } | { ok: false; response: NextResponse };

export function runtimeRequest<S extends z.ZodType>(schema: S, params: URLSearchParams, lists: ReadonlyArray<string> = []): RuntimeRequest<z.infer<S>> {
  const parsed = parseQuery(schema, params, lists);
  if (!parsed.ok) return parsed;
  const rt = currentRuntime();
  if ('error' in rt) return { ok: false, response: jsonError(503, rt.error) };
  return { ok: true, value: parsed.value, runtime: rt.runtime };
}

/**
 * A live endpoint's `cluster` filter naming a cluster the runtime does not have: 400 with the
 * configured names, which /api/v1/status shows any signed-in reader, namespace-scoped ones
 * included. An embed token reads only its own view (not the status), so it is told no names.
 * (History may hold clusters no longer configured: its filters take any name.)
 */
export function unknownClusterResponse(runtime: Pick<LiveRuntime, 'clusterNames'>, asked: ReadonlyArray<string> | undefined, headers: Headers): NextResponse | undefined {
  if (!asked) return undefined;
  const configured = runtime.clusterNames();
  const unknown = unknownClusters(asked, configured);
  if (unknown.length === 0) return undefined;
  return jsonError(400, unknownClusterMessage(unknown, identityOf(headers).via === 'embed-token' ? undefined : configured));
}

/**
 * What the snapshot routes and page need: the runtime and the history store snapshots are kept in,
 * or why they cannot be reached (the routes' 503, the page's error box).
 */
export function snapshotStore(): { runtime: LiveRuntime; store: DriftStore } | { error: string } {
  const rt = currentRuntime();
  if ('error' in rt) return { error: rt.error };
  const h = rt.runtime.historyStore();
  if ('error' in h) return { error: `snapshots are kept in the history store: ${h.error}` };
  return { runtime: rt.runtime, store: h.store };
}
