import { jsonError, jsonOk } from '@/lib/api/responses';
import { currentRuntime } from '@/lib/live/server-runtime';

export const dynamic = 'force-dynamic';

/** GET /api/v1/status — clusters, readiness and manifest problems (bad files with file and line). */
export function GET() {
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  const { runtime } = rt;
  return jsonOk({
    ready: runtime.isReady(),
    startedAt: runtime.startedAt.toISOString(),
    clusters: runtime.clusterSummaries(),
    manifestProblems: runtime.manifestProblems(),
    lastEventId: runtime.events.lastSeq,
  });
}
