import { AsyncLocalStorage } from 'node:async_hooks';
import { ChildProcess } from 'node:child_process';
import https from 'node:https';
import http from 'node:http';
import { TLSSocket } from 'node:tls';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';
// The proxy agents client-node itself builds for a cluster's proxy-url (its own dependencies: hpagent ^1.2.0, socks-proxy-agent ^8.0.4).
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { SocksProxyAgent } from 'socks-proxy-agent';

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
  /**
   * Per-request timeout; watches pass none and rely on their own watchdog. It bounds the wait for
   * the kubeconfig's credentials (an exec plugin) too; without it that wait is CREDENTIAL_TIMEOUT_MS.
   */
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

/**
 * How long a request without a timeout of its own (a watch) waits for the kubeconfig's credentials.
 * An exec plugin that never returns (waiting for an interactive login, a hung cloud CLI) would
 * otherwise hold the request, and whoever waits for it, forever.
 */
export const CREDENTIAL_TIMEOUT_MS = 30_000;

/** A plugin asked to end (SIGTERM) that is still running this much later is killed. */
const PLUGIN_KILL_GRACE_MS = 2_000;

interface PooledAgent {
  agent: http.Agent;
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

/** What bounds the wait for credentials: the request's own abort signal and timeout. */
export interface CredentialWait {
  signal?: AbortSignal;
  /** Default CREDENTIAL_TIMEOUT_MS. */
  timeoutMs?: number;
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
 * connections finish what they carry. A cluster with a proxy-url gets the proxy agent client-node
 * would make, pooled the same way (replacing client-node's agent with a plain one bypassed the proxy).
 */
export async function requestOptions(
  kc: KubeConfig,
  base: https.RequestOptions,
  pool: 'requests' | 'watches' = 'requests',
  wait: CredentialWait = {},
): Promise<https.RequestOptions> {
  const cluster = kc.getCurrentCluster();
  const creds = await credentials(kc, cluster, wait);
  const o: https.RequestOptions = { ...base, ...creds, headers: { ...base.headers, ...creds.headers } };
  const server = `${pool} ${cluster?.server ?? ''} ${cluster?.proxyUrl ?? ''}`;
  let byServer = agents.get(kc);
  if (!byServer) agents.set(kc, (byServer = new Map()));
  let pooled = byServer.get(server);
  if (!pooled || !sameMaterial(pooled.ca, o.ca) || !sameMaterial(pooled.cert, o.cert) || !sameMaterial(pooled.key, o.key)) {
    const options: https.AgentOptions = {
      keepAlive: true,
      maxSockets: pool === 'watches' ? Infinity : MAX_REQUEST_SOCKETS,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      ...(o.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: o.rejectUnauthorized }),
      ...(o.servername ? { servername: o.servername } : {}),
    };
    pooled = { agent: newAgent(cluster, options), ca: o.ca, cert: o.cert, key: o.key };
    byServer.set(server, pooled);
  }
  o.agent = pooled.agent;
  return o;
}

/** The agent kind client-node's createAgent picks for the cluster, with our pooling options. */
function newAgent(cluster: Cluster | null, options: https.AgentOptions): http.Agent {
  const proxy = cluster?.proxyUrl;
  if (!cluster || !proxy) return new https.Agent(options);
  if (proxy.startsWith('socks')) return new SocksProxyAgent(proxy, options);
  if (cluster.server.startsWith('https')) return new HttpsProxyAgent({ ...options, proxy });
  return new HttpProxyAgent({ ...options, proxy });
}

// --- Credentials -----------------------------------------------------------------------------

/** One call of client-node's applyToHTTPSOptions, shared by the requests that need it meanwhile. */
class CredentialFetch {
  readonly startedAt = Date.now();
  /** Auth headers and TLS material (client-node's own agent in it is not used). */
  readonly result: Promise<https.RequestOptions>;
  settled = false;
  /** Requests waiting for it: when the last one gives up, a plugin still running is ended. */
  waiters = 0;
  /** Credential plugin processes it started. */
  readonly plugins = new Set<ChildProcess>();

  constructor(kc: KubeConfig, done: (self: CredentialFetch) => void) {
    const o: https.RequestOptions = { headers: {} };
    this.result = fetchInProgress
      .run(this, () => kc.applyToHTTPSOptions(o))
      .then(() => o)
      .finally(() => {
        this.settled = true;
        this.plugins.clear();
        done(this);
      });
    // Nobody may be waiting any more when it fails (all gave up): not an unhandled rejection.
    this.result.catch(() => undefined);
  }
}

const fetches = new WeakMap<KubeConfig, Map<string, CredentialFetch>>();
/** Which fetch a plugin process started by client-node belongs to. */
const fetchInProgress = new AsyncLocalStorage<CredentialFetch>();
const pluginsTracked = new WeakSet<KubeConfig>();

/**
 * The kubeconfig's credentials for one request, within the request's deadline and abort signal.
 * client-node runs an exec plugin on every call (it caches only a credential with an expiry, and
 * concurrent calls each start a process), so concurrent requests share one call: every informer
 * of a cluster starting together would otherwise start a plugin process each. A call that every request gave up on is
 * abandoned and its plugin ended, so that a plugin that hangs does not pile up a process per
 * request, and the next request starts afresh.
 */
async function credentials(kc: KubeConfig, cluster: Cluster | null, wait: CredentialWait): Promise<https.RequestOptions> {
  const host = hostOf(cluster?.server ?? '');
  const { signal } = wait;
  if (signal?.aborted) throw new KubeApiError(0, 'Aborted', `${host}: request aborted`);
  const key = kc.getCurrentContext() ?? '';
  let byContext = fetches.get(kc);
  if (!byContext) fetches.set(kc, (byContext = new Map()));
  let current = byContext.get(key);
  if (!current) {
    trackPlugins(kc);
    const started = new CredentialFetch(kc, (done) => {
      if (byContext.get(key) === done) byContext.delete(key);
    });
    byContext.set(key, started);
    current = started;
  }
  const flight = current;
  const timeoutMs = wait.timeoutMs ?? CREDENTIAL_TIMEOUT_MS;
  flight.waiters++;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<https.RequestOptions>((resolve, reject) => {
      flight.result.then(resolve, reject);
      // Measured from the plugin's start: a request that joins late waits only for what is left.
      const left = Math.max(0, flight.startedAt + timeoutMs - Date.now());
      timer = setTimeout(() => reject(credentialTimeout(kc, host, timeoutMs)), left);
      if (signal) {
        onAbort = () => reject(new KubeApiError(0, 'Aborted', `${host}: request aborted`));
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  } finally {
    clearTimeout(timer);
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
    flight.waiters--;
    if (flight.waiters === 0 && !flight.settled) abandon(flight, byContext, key);
  }
}

/** Nobody waits for this fetch any more: the next request starts its own, and its plugin is ended. */
function abandon(flight: CredentialFetch, byContext: Map<string, CredentialFetch>, key: string): void {
  if (byContext.get(key) === flight) byContext.delete(key);
  for (const child of flight.plugins) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    // A plugin that ignores SIGTERM (or is stuck in a child of its own shell) must not stay forever.
    const kill = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, PLUGIN_KILL_GRACE_MS);
    kill.unref();
    child.once('exit', () => clearTimeout(kill));
  }
  flight.plugins.clear();
}

/**
 * Records the processes client-node's exec authenticator starts, so that a plugin nobody waits for
 * can be ended. client-node (1.4.0, pinned) neither exports the authenticator nor offers a timeout;
 * its `execFn` (child_process.spawn, replaceable for its own tests) is the one place a process is
 * seen. Should that change, nothing is tracked: timeouts still hold, only hung plugins stay.
 */
function trackPlugins(kc: KubeConfig): void {
  if (pluginsTracked.has(kc)) return;
  pluginsTracked.add(kc);
  const authenticators: unknown = Reflect.get(kc, 'authenticators');
  if (!Array.isArray(authenticators)) return;
  for (const authenticator of authenticators as unknown[]) {
    if (typeof authenticator !== 'object' || authenticator === null) continue;
    const spawn: unknown = Reflect.get(authenticator, 'execFn');
    if (typeof spawn !== 'function') continue;
    Reflect.set(authenticator, 'execFn', (...args: unknown[]): unknown => {
      const child: unknown = Reflect.apply(spawn, authenticator, args);
      if (child instanceof ChildProcess) fetchInProgress.getStore()?.plugins.add(child);
      return child;
    });
  }
}

/** Why a request had no credentials in time, naming the plugin (its arguments may hold secrets). */
function credentialTimeout(kc: KubeConfig, host: string, timeoutMs: number): KubeApiError {
  const user = kc.getCurrentUser();
  const exec: unknown = user?.exec;
  const provider: unknown = user?.authProvider;
  const command = typeof exec === 'object' && exec !== null && 'command' in exec && typeof exec.command === 'string' ? ` (command: ${exec.command})` : '';
  const name = typeof provider === 'object' && provider !== null && 'name' in provider && typeof provider.name === 'string' ? ` (auth provider: ${provider.name})` : '';
  return new KubeApiError(0, 'CredentialTimeout', `${host}: credential plugin did not answer within ${timeoutMs / 1000} s${command || name}`);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
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
  // Credentials first (an exec plugin may run): bounded by the request's own timeout and signal,
  // or nothing would end a request whose plugin never answers, not even stop() of its informer.
  const reqOpts = await requestOptions(kc, { method: 'GET', headers: { Accept: opts.accept ?? 'application/json' } }, opts.watch ? 'watches' : 'requests', {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
  // Plain HTTP (a local test server) keeps Node's own agent, unless a proxy must carry it.
  if (url.protocol === 'http:' && !cluster.proxyUrl) delete reqOpts.agent;
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
              : cluster.proxyUrl
                ? `no connection through the proxy ${hostOf(cluster.proxyUrl)} within ${timeoutMs}ms`
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
