/**
 * The gate for /api/* in scripts/serve.ts, before Next sees the request. Next's proxy costs about
 * 1.5 ms of the server's one thread per request here, a third of a cached drift-list read, and the
 * API is what pollers and load hit; the same decision (lib/auth/request-gate.ts) made in the plain
 * Node server costs a few microseconds. The request then carries GATED_HEADER, and proxy.ts's
 * matcher skips requests that have it. Pages still go through proxy.ts (CSP nonces, embeds,
 * expired snapshots).
 *
 * Only the server can set GATED_HEADER: serve.ts deletes it from every request first. Bare `next
 * start` has no such server, so instrumentation.ts refuses to serve there unless auth is `none`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadDashboardConfig, type EmbedConfig } from '../config/dashboard-config';
import { embedTokenValid } from '../share/embed-access';
import { decodePath } from '../api/decode-path';
import { servedByDriftwatch } from './peer';
import { answerHeaders, gateRequest, GATED_HEADER, isApiPath, REFUSAL_HEADERS, type GateConfig } from './request-gate';

/** Segments of letters, digits and `-._~` (no `.`/`..` segment), the shape of every API route. */
const PLAIN_PATH = /^(\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~-]+)+\/?$/;

function headersOf(req: IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) h.append(k, one);
    else h.set(k, v);
  }
  return h;
}

async function send(res: ServerResponse, answer: Response): Promise<void> {
  res.statusCode = answer.status;
  answer.headers.forEach((v, k) => res.setHeader(k, v));
  res.end(Buffer.from(await answer.arrayBuffer()));
}

/**
 * Gates an /api/* request: false when the refusal has been written, true when the request may go
 * on to Next (identity headers set, spoofable ones gone, GATED_HEADER set, the answer's security
 * headers set). Other paths are left to proxy.ts: true, untouched.
 */
export async function gateApiRequest(req: IncomingMessage, res: ServerResponse, cfg: GateConfig, embed: EmbedConfig): Promise<boolean> {
  delete req.headers[GATED_HEADER];
  // As Next reads it: https per X-Forwarded-Proto from anyone. It only decides the session
  // cookie's Secure flag, which a false claim can only add.
  const proto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https' ? 'https' : 'http';
  const url = new URL(req.url ?? '/', `${proto}://driftwatch.invalid`);
  // Only plain paths are judged here. One that URL parsing rewrites (dot segments, `//host/…`) or
  // that carries escapes (`%64rift`) could read differently to Next's router than to the gate's
  // path rules (public probes, embed reads, rate limits): unmarked, it goes through proxy.ts.
  const raw = (req.url ?? '/').split('?')[0] ?? '/';
  // Escapes that do not decode: a client's mistake (400) for pages and API alike, where Next's
  // router would answer a bare 500.
  if (decodePath(raw) === undefined) {
    res.statusCode = 400;
    for (const [k, v] of Object.entries({ ...REFUSAL_HEADERS, 'Content-Type': 'application/json' })) res.setHeader(k, v);
    res.end(JSON.stringify({ error: { status: 400, message: 'the path has a %-escape that does not decode' } }));
    return false;
  }
  if (!isApiPath(url.pathname) || url.pathname !== raw || !PLAIN_PATH.test(raw)) return true;
  const method = req.method ?? 'GET';
  const headers = headersOf(req);
  const gate = gateRequest({ method, url, headers }, cfg, () => embedTokenValid(embed, { method, pathname: url.pathname, searchParams: url.searchParams, headers }));
  if (!gate.ok) {
    await send(res, gate.response);
    return false;
  }
  const next: IncomingMessage['headers'] = {};
  gate.gated.headers.forEach((v, k) => (next[k] = v));
  next[GATED_HEADER] = '1';
  req.headers = next;
  for (const [k, v] of Object.entries(answerHeaders(gate.gated))) res.setHeader(k, v);
  return true;
}

/**
 * Why this process must not serve, if it must not: Next running without scripts/serve.ts (bare
 * `next start` or `next dev`) while authentication is on. There, nothing removes GATED_HEADER, so
 * a client sending it would pass the API ungated. With auth `none` everyone may read anyway.
 */
export function bareNextProblem(env: Record<string, string | undefined> = process.env, served = servedByDriftwatch()): string | undefined {
  if (served) return undefined;
  let mode: string;
  try {
    mode = loadDashboardConfig(env).auth.mode;
  } catch {
    // An invalid configuration is reported by every route and page (proxy.ts fails closed).
    return undefined;
  }
  if (mode === 'none') return undefined;
  return `auth mode ${mode} needs the Driftwatch server: start it with \`npm start\` (scripts/serve.ts), not bare \`next start\` or \`next dev\`, which cannot enforce authentication on the API (docs/security.md)`;
}

/** instrumentation.ts: stop before serving anything when bareNextProblem() has a reason. */
export function exitIfBareNextWithAuth(): void {
  const problem = bareNextProblem();
  if (!problem) return;
  console.error(`[driftwatch] ${problem}`);
  process.exit(1);
}
