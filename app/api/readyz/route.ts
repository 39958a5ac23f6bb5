import { jsonError, jsonOk } from '@/lib/api/responses';
import { currentRuntime } from '@/lib/live/server-runtime';

export const dynamic = 'force-dynamic';

/** Readiness: 200 once every cluster has completed its first lists, 503 before (with why). */
export function GET() {
  const rt = currentRuntime();
  if ('error' in rt) return jsonError(503, rt.error);
  if (!rt.runtime.isReady()) return jsonError(503, 'still listing: some watched resources have not synced yet');
  return jsonOk({ ready: true });
}
