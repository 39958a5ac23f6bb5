/**
 * What most API routes begin with: their query, validated (400 saying what is wrong), then the live
 * runtime (503 saying why there is none yet), in that order.
 */
import type { NextResponse } from 'next/server';
import type { z } from 'zod';
import type { LiveRuntime } from '../live/runtime';
import type { DriftStore } from '../store';
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
