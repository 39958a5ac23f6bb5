import https from 'node:https';
import http from 'node:http';
import { TLSSocket } from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';

/** An error answer from the API server, with its HTTP status and the Status object's message. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
  get forbidden(): boolean {
    return this.status === 403;
  }
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Per-request timeout; watches pass none and rely on their own watchdog. */
  timeoutMs?: number;
  accept?: string;
  /**
   * A watch: it holds its connection for as long as it runs. Watches get a pool of their own
   * without a limit (HTTP/1.1 needs a connection per watch, and a cluster with a hundred custom
   * resources has a hundred); with one shared pool of 64, the 64th open watch left every later
   * LIST and watch waiting for a connection that never came free.
   */
  watch?: boolean;
}

/** Concurrent short requests (LISTs, discovery, schemas, logs) per cluster; watches are not counted. */
export const MAX_REQUEST_SOCKETS = 64;

interface PooledAgent {
  agent: https.Agent;
  /** The TLS material the agent was made with: its connections authenticate with these. */
  ca: unknown;
  cert: unknown;
  key: unknown;
}

const agents = new WeakMap<KubeConfig, Map<string, PooledAgent>>();

function sameMaterial(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
}

/**
 * Request options with the kubeconfig's credentials and keep-alive agents per cluster (one for
 * short requests, one for watches). client-node's applyToHTTPSOptions makes a new agent on every
 * call, so every request would pay a TLS handshake (and build a secure context from the CA); at
 * hundreds of requests a second that was the bottleneck. The agents are kept per KubeConfig object
 * and server; credentials that change (token refresh) travel in headers, which are applied on
 * every request. Certificates are the agent's own (Node prefers them over the request's), so files
 * rotated on disk (cert-manager, vault-agent; client-node reads them on every call) or a new
 * certificate from an exec plugin get a new agent: new connections use them, and the old agent's
 * connections finish what they carry.
 */
export async function requestOptions(kc: KubeConfig, base: https.RequestOptions, pool: 'requests' | 'watches' = 'requests'): Promise<https.RequestOptions> {
  const o: https.RequestOptions = { ...base, headers: { ...base.headers } };
  await kc.applyToHTTPSOptions(o);
  const server = `${pool} ${kc.getCurrentCluster()?.server ?? ''}`;
  let byServer = agents.get(kc);
  if (!byServer) agents.set(kc, (byServer = new Map()));
  let pooled = byServer.get(server);
  if (!pooled || !sameMaterial(pooled.ca, o.ca) || !sameMaterial(pooled.cert, o.cert) || !sameMaterial(pooled.key, o.key)) {
    const agent = new https.Agent({
      keepAlive: true,
      maxSockets: pool === 'watches' ? Infinity : MAX_REQUEST_SOCKETS,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      ...(o.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: o.rejectUnauthorized }),
      ...(o.servername ? { servername: o.servername } : {}),
    });
    pooled = { agent, ca: o.ca, cert: o.cert, key: o.key };
    byServer.set(server, pooled);
  }
  o.agent = pooled.agent;
  return o;
}

/**
 * Closes the idle kept-alive connections to the kubeconfig's clusters. A connection gone silent (a
 * watch's watchdog, a request with no answer) mostly means that the path to the API server died
 * without a word, a NAT or load balancer dropping its state: the idle connections kept over that
 * path are dead too, and each request that took one would wait out its whole timeout (60 s for a
 * list) before trying a new connection.
 */
export function dropIdleConnections(kc: KubeConfig): void {
  for (const pooled of agents.get(kc)?.values() ?? []) {
    for (const sockets of Object.values(pooled.agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }
}

/**
 * GET a path from the current cluster and parse its JSON. Raw requests (rather than the generated
 * clients) because discovery and watches need paths and streaming the typed APIs do not offer.
 */
export async function getJson<T>(kc: KubeConfig, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await open(kc, path, opts);
  const body = await readBody(res);
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw toApiError(status, body, path);
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new KubeApiError(status, 'BadResponse', `${path}: response is not JSON`);
  }
}

/** Opens a GET and resolves once headers arrive; the caller owns the response stream. */
export async function open(
  kc: KubeConfig,
  path: string,
  opts: RequestOptions = {},
): Promise<http.IncomingMessage> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeApiError(0, 'NoCluster', 'The kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  const reqOpts = await requestOptions(kc, { method: 'GET', headers: { Accept: opts.accept ?? 'application/json' } }, opts.watch ? 'watches' : 'requests');
  if (url.protocol === 'http:') delete reqOpts.agent;
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { ...reqOpts, signal: opts.signal }, resolve);
    req.on('error', (err) => reject(new KubeApiError(0, 'ConnectionError', `${url.host}: ${err.message}`)));
    const { timeoutMs } = opts;
    if (timeoutMs) {
      // The socket timeout counts only once a connection is up. Waiting for one — a free one in a
      // busy pool, a TCP connect that a firewall leaves unanswered for two minutes, a TLS
      // handshake a silent middlebox never answers (during which Node's socket timeout fires only
      // after twice its time) — is bounded too. (A request destroyed before it has a connected
      // socket reports its error only later: rejected here.)
      let stage: 'waiting' | 'connecting' | 'handshake' = 'waiting';
      const pending = setTimeout(() => {
        const message =
          stage === 'connecting'
            ? `could not connect within ${timeoutMs}ms`
            : stage === 'handshake'
              ? `connected, but no TLS handshake within ${timeoutMs}ms`
              : `no connection free within ${timeoutMs}ms (${MAX_REQUEST_SOCKETS} requests to this cluster in flight)`;
        req.destroy(new Error(message));
        reject(new KubeApiError(0, 'ConnectionError', `${url.host}: ${message}`));
      }, timeoutMs);
      req.once('socket', (socket) => {
        if (!socket.connecting) return clearTimeout(pending);
        stage = 'connecting';
        if (socket instanceof TLSSocket) {
          socket.once('connect', () => (stage = 'handshake'));
          socket.once('secureConnect', () => clearTimeout(pending));
        } else socket.once('connect', () => clearTimeout(pending));
      });
      req.once('close', () => clearTimeout(pending));
      req.setTimeout(timeoutMs, () => {
        dropIdleConnections(kc);
        req.destroy(new Error(`no answer within ${timeoutMs}ms`));
      });
    }
    // Aborted while it waits for a connection: Node reports that only once one is assigned.
    const { signal } = opts;
    if (signal) {
      const onAbort = () => reject(new KubeApiError(0, 'Aborted', `${url.host}: request aborted`));
      signal.addEventListener('abort', onAbort, { once: true });
      // A signal can outlive its request (a route's serves all the requests it makes): no listener left behind.
      req.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    req.end();
  });
}

export function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    // Decoded as it arrives (a multi-byte character split between chunks is held back by the
    // decoder): a LIST page of 6 MB was otherwise held three times over at its end, as chunks,
    // as their concatenation and as the decoded string.
    res.setEncoding('utf8');
    let body = '';
    res.on('data', (c: string) => (body += c));
    res.on('end', () => resolve(body));
    res.on('error', reject);
  });
}

export function toApiError(status: number, body: string, path: string): KubeApiError {
  let reason = 'Unknown';
  let message = `${path}: HTTP ${status}`;
  try {
    const parsed = JSON.parse(body) as { reason?: unknown; message?: unknown };
    if (typeof parsed.reason === 'string') reason = parsed.reason;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // Not a Status object (a proxy's HTML error page, say): keep the generic message.
  }
  return new KubeApiError(status, reason, message);
}
