import { jsonError, jsonOk } from '@/lib/api/responses';
import { currentRuntime } from '@/lib/live/server-runtime';

export const dynamic = 'force-dynamic';

/** GET /api/v1/resources — what is watched in each cluster and how its watch is doing. */
export function GET() {
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  return jsonOk({ resources: rt.runtime.resourceStates() });
}
