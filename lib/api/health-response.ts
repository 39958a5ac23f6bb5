/** The shared body of the /api/v1/health/* handlers: runtime lookup, crash timeline, errors as the API's error shape. */
import type { NextResponse } from 'next/server';
import { KubeApiError } from '../kube/http';
import { crashTimeline, CrashTimelineError } from '../live/crash-timeline';
import { currentRuntime } from '../live/server-runtime';
import { jsonError, jsonOk } from './responses';

export async function crashTimelineResponse(id: string): Promise<NextResponse> {
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  try {
    return jsonOk(await crashTimeline(rt.runtime, id));
  } catch (err) {
    if (err instanceof CrashTimelineError) return jsonError(err.status, err.message);
    if (err instanceof KubeApiError) return jsonError(err.status === 404 || err.status === 403 ? err.status : 502, `the cluster answered: ${err.message}`);
    throw err;
  }
}
