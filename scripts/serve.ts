/**
 * The production server (`npm start`): Next's request handler behind a plain Node HTTP server so
 * that (1) the bind address follows the auth mode — `none` listens on 127.0.0.1 only, whatever
 * --hostname says — and (2) every request carries its real TCP peer in a header the client cannot
 * forge (lib/auth/peer.ts), which proxy mode needs to trust X-Forwarded-User only from the proxy;
 * (3) /api/* is authenticated and limited here, before Next (lib/auth/server-api-gate.ts: the same
 * decision as proxy.ts at a fraction of the cost).
 *   tsx scripts/serve.ts [--hostname H] [--port N]   (also DRIFTWATCH_HOSTNAME / PORT)
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import next from 'next';
import { markServedByDriftwatch, PEER_HEADER, PEER_NONCE_ENV, peerHeaderValue } from '../lib/auth/peer';
import { loadDashboardConfig } from '../lib/config/dashboard-config';
import { DriftConfigError } from '../lib/config/drift-config';
import { listenProblem, parsePort, portProblem } from '../lib/config/port';
import { PARSE_WORKER_ENTRY, PARSE_WORKER_ENV } from './server-bundle.mjs';

// Output that can no longer be written (the terminal or the supervisor that read the log went
// away: EPIPE) is dropped. Unhandled, each failed write was an uncaught exception that Next's
// handler logged to the same closed pipe, which failed again: a loop that kept a core busy for as
// long as the server ran.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

// A mistake in the options, the environment or the configuration file is the user's to fix: one
// line saying what is wrong, not a stack trace from the compiled bundle.
const refuse = (message: string): never => {
  console.error(`[driftwatch] ${message}`);
  process.exit(2);
};
const { values } = (() => {
  try {
    return parseArgs({ options: { hostname: { type: 'string', short: 'H' }, port: { type: 'string', short: 'p' } }, allowPositionals: false });
  } catch (err) {
    return refuse(`${err instanceof Error ? err.message : String(err)}. Usage: npm start -- [--hostname HOST] [--port PORT]`);
  }
})();
const config = (() => {
  try {
    return loadDashboardConfig();
  } catch (err) {
    if (err instanceof DriftConfigError) return refuse(err.message);
    throw err;
  }
})();
const portText = values.port ?? process.env.PORT ?? '3000';
const port = parsePort(portText) ?? refuse(portProblem(values.port !== undefined ? '--port' : 'PORT', portText));
// Not HOSTNAME: Docker and Kubernetes set it to the container's or pod's name, and a server meant
// for others would listen on the pod IP alone (port-forward and a sidecar proxy on 127.0.0.1 fail).
const asked = values.hostname ?? (process.env.DRIFTWATCH_HOSTNAME || undefined);
let hostname: string;
if (config.auth.mode === 'none') {
  hostname = '127.0.0.1';
  const why = asked && asked !== '127.0.0.1' && asked !== 'localhost' ? ` (not ${asked}: without authentication only this machine may connect)` : '';
  console.log(`[driftwatch] auth mode none: listening on 127.0.0.1 only${why}. Set DRIFTWATCH_AUTH_MODE=token or proxy to serve others (docs/security.md).`);
} else {
  hostname = asked ?? '0.0.0.0';
  console.log(`[driftwatch] auth mode ${config.auth.mode}: listening on ${hostname}`);
}

// The proxy (same process) accepts the peer header only with this value in it.
const nonce = randomBytes(24).toString('base64url');
process.env[PEER_NONCE_ENV] = nonce;
markServedByDriftwatch();

// The build puts the manifest parse worker beside this file; the live runtime (started inside
// Next) parses large manifest loads with it. Run from source (tsx) there is none: parsed inline.
const parseWorker = join(dirname(fileURLToPath(import.meta.url)), PARSE_WORKER_ENTRY);
if (existsSync(parseWorker)) process.env[PARSE_WORKER_ENV] = parseWorker;
else delete process.env[PARSE_WORKER_ENV];

const app = next({ dev: false, dir: process.cwd(), hostname, port });
const handle = app.getRequestHandler();
// Bound before Next prepares (which starts the live runtime): a port already taken stops the
// server at once with one line, instead of after the clusters are listed, or never (Next's own
// uncaughtException handler kept a server that could not listen running, watching for nobody).
// Requests that arrive while Next prepares wait for it.
let prepared: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
const waiting: [IncomingMessage, ServerResponse][] = [];
const server = createServer((req, res) => {
  if (prepared) prepared(req, res);
  else waiting.push([req, res]);
});
// Longer than the idle timeout of the proxies and load balancers usually put in front (60 s), so
// the server never closes a kept-alive connection just as they send a request on it.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
await new Promise<void>((resolve) => {
  const cannotListen = (err: NodeJS.ErrnoException) => refuse(listenProblem(err, hostname, port));
  server.once('error', cannotListen);
  server.listen(port, hostname, () => {
    server.off('error', cannotListen);
    resolve();
  });
});
// Listening: an error now (accept failing for want of file descriptors) is worth a line, not the end.
server.on('error', (err) => console.error(`[driftwatch] server: ${err.message}`));
await app.prepare();
// After prepare: the gate answers with next/server's responses, which need what Next sets up first.
const { gateApiRequest } = await import('../lib/auth/server-api-gate');
const { REFUSAL_HEADERS } = await import('../lib/auth/request-gate');
const { loggablePath } = await import('../lib/share/snapshot-id');
const gate = { auth: config.auth, limits: config.limits, dataDir: config.dataDir };
prepared = (req, res) => {
  req.headers[PEER_HEADER] = peerHeaderValue(nonce, req.socket.remoteAddress);
  gateApiRequest(req, res, gate, config.embed).then(
    (pass) => {
      if (pass) void handle(req, res);
    },
    (err: unknown) => {
      console.error(`[driftwatch] ${req.method} ${loggablePath(req.url?.split('?')[0] ?? '')}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { ...REFUSAL_HEADERS, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { status: 500, message: 'the request could not be checked; see the server log' } }));
    },
  );
};
for (const [req, res] of waiting.splice(0)) prepared(req, res);
console.log(`[driftwatch] ready on http://${hostname}:${port}`);
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
