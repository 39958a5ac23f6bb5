/** The shared body of the /api/v1/health/* handlers: runtime lookup, crash timeline, errors as the API's error shape. */
import type { NextResponse } from 'next/server';
import { KubeApiError } from '../kube/http';
import { crashTimeline, CrashTimelineError } from '../live/crash-timeline';
import { inScope, scopeOfRequest } from '../auth/namespace-scope';
import { currentRuntime } from '../live/server-runtime';
import { parseObjectId } from '../live/types';
import { jsonError, jsonOk } from './responses';

/** `headers`: the request's, for a namespace-scoped user, who learns nothing of other namespaces (404). */
/** `signal`: the request's: a reader who leaves stops the log reads made for them. */
export async function crashTimelineResponse(id: string, headers: Headers, signal?: AbortSignal): Promise<NextResponse> {
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  const ns = parseObjectId(id)?.namespace;
  if (ns !== undefined && !inScope(scopeOfRequest(rt.runtime.config.auth, headers), ns)) return jsonError(404, `no object ${id} in the namespaces you may see`);
  try {
    return jsonOk(await crashTimeline(rt.runtime, id, rt.runtime.config.crashes, signal));
  } catch (err) {
    if (err instanceof CrashTimelineError) return jsonError(err.status, err.message);
    if (err instanceof KubeApiError) return jsonError(err.status === 404 || err.status === 403 ? err.status : 502, `the cluster answered: ${err.message}`);
    throw err;
  }
}
