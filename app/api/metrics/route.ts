import { currentRuntime } from '@/lib/live/server-runtime';
import { renderMetrics } from '@/lib/live/metrics';
import { otherMethods } from '@/lib/api/responses';

export const dynamic = 'force-dynamic';

/** Prometheus metrics. */
export function GET() {
  const rt = currentRuntime();
  const body = 'error' in rt ? `# driftwatch not running: ${rt.error.replace(/\n/g, ' ')}\n` : renderMetrics(rt.runtime);
  return new Response(body, {
    status: 'error' in rt ? 503 : 200,
    headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
