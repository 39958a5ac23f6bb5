import type { KubeConfig } from '@kubernetes/client-node';
import { Backoff, jittered, type BackoffOptions } from './backoff';
import { applyWatchEvent, diffCache, keyOf, objectKey, toKubeObject, type CacheChange, type KubeObject } from './cache-diff';
import { describeKubeError, kubeErrorStatus } from './errors';
import { resourcePath } from './discovery';
import { dropIdleConnections, getJson, KubeApiError, open, readBody, toApiError } from './http';
import { fieldSets } from './intern';
import { LineSplitter, parseWatchLine, WatchProtocolError, type WatchMessage } from './watch-stream';

/**
 * A supervised informer: one resource, listed and then watched, kept in a keyed cache, and kept
 * alive through everything a long-lived watch meets (see docs/informer.md and the known
 * @kubernetes/client-node watch failures in ../shared/research/client-node-watch.md):
 *
 * - LIST in pages, then WATCH from the list's resourceVersion with bookmarks and a server-side
 *   timeout; bookmarks only move the resume point.
 * - 410 Gone (an HTTP 410, or an ERROR event with code 410 in the stream) → relist and emit only
 *   the difference between the cache and the list, including deletions missed while away.
 * - A stream that ends (with or without an error) → watch again from the last resourceVersion:
 *   at once when the watch delivered something or stayed open a second or more, otherwise after
 *   a jittered exponential backoff; a watch that stays silent longer than the watchdog allows (no
 *   event, no bookmark, not even response headers) is aborted and reopened.
 * - 403 on list → `forbidden` with the API server's message, retried slowly; other failures →
 *   `error`, retried with backoff. Nothing is ever retried in a tight loop, no promise is left
 *   uncaught, and `stop()` leaves no request or timer behind.
 */

/** A watch that ends sooner than this having delivered nothing is retried with backoff, after a list. */
const SHORT_WATCH_MS = 1_000;
/** Watches in a row ended by the server with an error status, or at once with nothing, before the resource says so (one can be a blip). */
const REFUSED_WATCHES_REPORTED = 2;
/** Watches in a row that got no answer at all (not even headers) before the resource is listed again. */
const UNANSWERED_WATCHES_RELIST = 2;

/** The resource to watch; an ApiResource from discovery fits. */
export interface InformerResource {
  /** API group, "" for the core group. */
  group: string;
  version: string;
  /** The plural resource name used in URLs: "configmaps". */
  name: string;
  namespaced: boolean;
  kind?: string;
}

export interface InformerOptions {
  resource: InformerResource;
  /** Only this namespace (namespaced resources only); default: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  /** LIST page size. Default 500. */
  pageSize?: number;
  /** Server-side watch timeout, varied by ±20 % per watch. Default 300. */
  watchTimeoutSeconds?: number;
  /**
   * Abort and reopen a watch that has delivered nothing (no event, no bookmark) for this long.
   * Default 150 s: the API server's watch cache sends a bookmark every 60 s, but measured gaps
   * reach 120 s when its resourceVersion has not moved (see docs/informer.md).
   */
  watchdogMs?: number;
  /** Reconnect backoff. Default 200 ms doubling to 30 s, each delay randomly shortened by up to half. */
  backoff?: Partial<BackoffOptions>;
  /** A watch that stayed open this long was healthy: the backoff starts over. Default 30 s. */
  healthyAfterMs?: number;
  /** Retry interval while forbidden (RBAC may change), ±10 %. Default 60 s. */
  forbiddenRetryMs?: number;
  /** Per LIST page: abort when the connection is idle this long. Default 60 s. */
  requestTimeoutMs?: number;
  /** Called when a listener throws; default: console.error. */
  onListenerError?: (err: unknown) => void;
  /** Randomness for jitter (tests). */
  random?: () => number;
}

export type InformerStatus = 'syncing' | 'synced' | 'forbidden' | 'error';

/** Plain numbers, for metrics. */
export interface InformerCounters {
  /** Watches reopened from the last resourceVersion: server timeout, dropped stream, error, watchdog. */
  watchRestarts: number;
  /** Of those, watches aborted by the watchdog. */
  watchdogTimeouts: number;
  /** Completed lists after the first one (410 Gone, recovery from forbidden/errors, start after stop). */
  relists: number;
  /** ADDED/MODIFIED/DELETED events received on watches. */
  eventsReceived: number;
  bookmarks: number;
  /** added/modified/deleted handed to listeners (real changes only). */
  eventsEmitted: number;
  /** Failed list or watch requests. */
  errors: number;
  /** When the last watch event or bookmark arrived (ms since the epoch), 0 for never. */
  lastEventTime: number;
}

export interface InformerState {
  /** group/version/resource, plus the namespace when there is one. */
  resource: string;
  status: InformerStatus;
  /** For forbidden and error: the API server's message (or the connection error). */
  message?: string;
  /** The first list completed: the cache is complete (possibly stale while status is error). */
  hasSynced: boolean;
  /** When the last list completed (ms since the epoch), null before the first. */
  lastSyncTime: number | null;
  /** Where the watch resumes. */
  resourceVersion: string;
  objects: number;
  counters: InformerCounters;
}

export type InformerEvent =
  | {
      type: 'added' | 'modified' | 'deleted';
      object: KubeObject;
      /** The cached state it replaced (modified, deleted). */
      previous?: KubeObject;
      /** Seen on a watch, or found by comparing a list with the cache. */
      source: 'watch' | 'list';
    }
  /** A list completed and its differences were emitted; `initial` for the first one. */
  | { type: 'synced'; initial: boolean; objects: number };

type Listener<T> = (value: T) => void | Promise<void>;

/** Why one watch ended. */
type WatchEnd =
  | { kind: 'stopped' }
  | { kind: 'closed' }
  | { kind: 'watchdog' }
  /** The watchdog fired before the response headers came: the watch never opened. */
  | { kind: 'unanswered' }
  | { kind: 'gone'; message: string }
  | { kind: 'forbidden'; message: string }
  /** The server ended the watch with an error status of its own (an ERROR event other than 410 and 403). */
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string; opened: boolean };

type ListResult = { ok: true } | { ok: false; retryMs: number };

interface KubeList {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: unknown[];
}

export class SupervisedInformer {
  private cache = new Map<string, KubeObject>();
  private resourceVersion = '';
  private status: InformerStatus = 'syncing';
  private message: string | undefined;
  private hasSynced = false;
  private lastSyncTime: number | null = null;
  private readonly counters: InformerCounters = {
    watchRestarts: 0,
    watchdogTimeouts: 0,
    relists: 0,
    eventsReceived: 0,
    bookmarks: 0,
    eventsEmitted: 0,
    errors: 0,
    lastEventTime: 0,
  };

  private readonly eventListeners = new Set<Listener<InformerEvent>>();
  private readonly stateListeners = new Set<Listener<InformerState>>();
  private syncWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  private loop: Promise<void> | undefined;
  private stopped = true;
  private inFlight: AbortController | undefined;
  private wake: (() => void) | undefined;

  private readonly basePath: string;
  private readonly label: string;
  private readonly opts: Required<Omit<InformerOptions, 'namespace' | 'labelSelector' | 'backoff'>>;
  /** Connection and request failures. */
  private readonly errorBackoff: Backoff;
  /** Consecutive 410s without a healthy watch in between: relisting must not loop either. */
  private readonly goneBackoff: Backoff;
  /** Not reset by a list that works: the watch after it is what keeps failing. */
  private readonly refusedBackoff: Backoff;
  /** Watches in a row that the server ended with an error status before they delivered anything. */
  private refusedInARow = 0;
  /** Watches in a row that got no answer before the watchdog gave up on them. */
  private unansweredInARow = 0;
  /**
   * RBAC allows list but not watch: the status while that lasts, kept by the lists that succeed
   * meanwhile, until a watch opens. (Set back to `synced` by each list, the resource flipped
   * synced/forbidden on every retry, and each flip re-evaluated the kind and was logged.)
   */
  private watchForbidden: string | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: InformerOptions,
  ) {
    const { resource, namespace } = options;
    if (namespace && !resource.namespaced) {
      throw new Error(`${resource.name} is cluster-scoped: an informer for it cannot have a namespace`);
    }
    this.opts = {
      resource,
      pageSize: options.pageSize ?? 500,
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? 300,
      watchdogMs: options.watchdogMs ?? 150_000,
      healthyAfterMs: options.healthyAfterMs ?? 30_000,
      forbiddenRetryMs: options.forbiddenRetryMs ?? 60_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      onListenerError: options.onListenerError ?? ((err) => console.error('informer listener failed:', err)),
      random: options.random ?? Math.random,
    };
    this.errorBackoff = new Backoff(options.backoff, this.opts.random);
    this.goneBackoff = new Backoff(options.backoff, this.opts.random);
    this.refusedBackoff = new Backoff(options.backoff, this.opts.random);
    this.basePath = resourcePath(resource, namespace);
    const gvr = resource.group === '' ? `${resource.version}/${resource.name}` : `${resource.group}/${resource.version}/${resource.name}`;
    this.label = namespace ? `${gvr} in ${namespace}` : gvr;
  }

  /** Starts listing and watching. Calling it while running does nothing. */
  start(): void {
    if (this.loop) return;
    this.stopped = false;
    if (!this.hasSynced) this.setStatus('syncing', undefined);
    this.loop = this.run().catch((err: unknown) => {
      // run() handles every failure itself; reaching this is a bug, reported rather than lost.
      this.setStatus('error', `informer stopped unexpectedly: ${describeKubeError(err)}`);
    });
  }

  /**
   * Aborts the in-flight request and every timer and resolves once the loop has ended. The cache
   * is kept: start() again relists and emits only what changed meanwhile.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.inFlight?.abort();
    this.wake?.();
    const loop = this.loop;
    await loop;
    this.loop = undefined;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w.reject(new Error(`informer for ${this.label} stopped before it synced`));
  }

  /** Resolves once the first list has completed; rejects if stop() comes first. */
  synced(): Promise<void> {
    if (this.hasSynced) return Promise.resolve();
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  /** A snapshot of the cache. The objects are shared with the cache: do not mutate them. */
  list(): KubeObject[] {
    return [...this.cache.values()];
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.cache.get(keyOf(namespace, name));
  }

  get size(): number {
    return this.cache.size;
  }

  getState(): InformerState {
    return {
      resource: this.label,
      status: this.status,
      ...(this.message === undefined ? {} : { message: this.message }),
      hasSynced: this.hasSynced,
      lastSyncTime: this.lastSyncTime,
      resourceVersion: this.resourceVersion,
      objects: this.cache.size,
      counters: { ...this.counters },
    };
  }

  /** added / modified / deleted (real changes only) and synced, in order. Returns an unsubscribe. */
  onEvent(listener: Listener<InformerEvent>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Called when the status or its message changes. Returns an unsubscribe. */
  onState(listener: Listener<InformerState>): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  // ---------------------------------------------------------------------------------------------

  private async run(): Promise<void> {
    let needList = true;
    let delayMs = 0;
    while (!this.stopped) {
      if (delayMs > 0) await this.sleep(delayMs);
      if (this.stopped) break;
      delayMs = 0;

      if (needList) {
        const listed = await this.listOnce();
        if (!listed.ok) {
          delayMs = listed.retryMs;
          continue;
        }
        needList = false;
      }

      const openedAt = Date.now();
      const rvBefore = this.resourceVersion;
      const end = await this.watchOnce();
      const lasted = Date.now() - openedAt;
      // Waiting the watchdog's time for an answer that never came is no sign of health.
      const answered = end.kind !== 'unanswered';
      if (answered && lasted >= this.opts.healthyAfterMs) {
        this.errorBackoff.reset();
        this.goneBackoff.reset();
        this.refusedBackoff.reset();
      }
      // A watch that delivered something, or stayed open a while, and then ended is normal life:
      // the server's timeout, or an API server under load closing watchers that fell behind (seen
      // every few seconds in bench:live). Backing off there grew the delay to seconds while events
      // piled up; like client-go's reflector, such a watch is reopened at once. Only a watch that
      // ends at once with nothing (a proxy or server refusing it) backs off, so nothing loops.
      const progressed = answered && (this.resourceVersion !== rvBefore || lasted >= SHORT_WATCH_MS);
      if (end.kind !== 'refused' && progressed) this.watchDelivers();
      switch (end.kind) {
        case 'stopped':
          return;
        case 'gone':
          // The resume point is too old (compaction, API server restart): the cache may have
          // missed anything, so list again and emit the difference.
          needList = true;
          delayMs = this.goneBackoff.next();
          break;
        case 'forbidden':
          this.counters.errors++;
          // The list before it worked: the objects stay as fresh as listing again keeps them.
          this.watchForbidden = `may list but not watch ${this.label}: listing again every ${this.opts.forbiddenRetryMs / 1000} s (${end.message})`;
          this.setStatus('forbidden', this.watchForbidden);
          needList = true;
          delayMs = jittered(this.opts.forbiddenRetryMs, 0.1, this.opts.random);
          break;
        case 'refused':
          // "Too large resource version" (an API server whose cache is behind the list's, an
          // etcd restored from a backup), a storage timeout: watching again from the same point
          // gets the same answer, and changes meanwhile would never arrive. Like client-go's
          // reflector, list again, backing off while it keeps happening, and say so.
          this.counters.errors++;
          this.counters.watchRestarts++;
          this.refusedInARow++;
          if (this.watchKeepsBeingRefused) this.setStatus('error', `the API server keeps ending the watch: ${end.message}; listing again instead`);
          needList = true;
          delayMs = this.refusedBackoff.next();
          break;
        case 'failed':
          this.counters.errors++;
          // A stream that broke after it opened is normal life for a watch; a watch that cannot
          // be opened means the resource is not being watched right now.
          if (!end.opened) this.setStatus('error', end.message);
          this.counters.watchRestarts++;
          delayMs = this.restartDelay(end.opened && progressed);
          break;
        case 'watchdog':
          this.counters.watchdogTimeouts++;
          this.counters.watchRestarts++;
          dropIdleConnections(this.kc);
          delayMs = this.errorBackoff.next();
          break;
        case 'unanswered':
          // Not even response headers (a dead tunnel, a middlebox that accepts connections and
          // never answers, a credential plugin that hangs): the watch could not be opened, and
          // reopening it silently kept the resource `synced` while nothing was watched. From the
          // second in a row, list again too: the objects are only as fresh as the last list.
          this.counters.errors++;
          this.counters.watchdogTimeouts++;
          this.counters.watchRestarts++;
          this.unansweredInARow++;
          dropIdleConnections(this.kc);
          this.setStatus('error', this.unansweredMessage());
          if (this.watchesGoUnanswered) needList = true;
          delayMs = this.errorBackoff.next();
          break;
        case 'closed':
          this.counters.watchRestarts++;
          if (progressed) {
            delayMs = this.restartDelay(true);
            break;
          }
          // Closed at once with nothing delivered, cleanly: a proxy that ends long requests, a
          // server that will not stream. Reopened alone, such watches would never see a change
          // while the resource said `synced`; like client-go's reflector ("very short watch"),
          // list again, backing off while it keeps happening, and say so.
          this.refusedInARow++;
          if (this.watchKeepsBeingRefused) this.setStatus('error', 'the watch keeps ending at once with nothing delivered (a proxy in front of the API server that does not pass long requests?); listing again instead');
          needList = true;
          delayMs = this.refusedBackoff.next();
          break;
      }
    }
  }

  /** No delay after a watch that made progress (and the backoff starts over); otherwise the next step. */
  private restartDelay(progressed: boolean): number {
    if (!progressed) return this.errorBackoff.next();
    this.errorBackoff.reset();
    return 0;
  }

  /**
   * LIST every page, then replace the cache and emit the differences. Never throws. The first list
   * into an empty cache emits each page's objects as `added` as soon as the page arrives (while
   * the next page is on its way), so that listeners work alongside the list rather than after it;
   * the cache is then complete, and `synced`, only when the last page is in.
   */
  private async listOnce(): Promise<ListResult> {
    let items: KubeObject[];
    let resourceVersion: string;
    const streamPages = !this.hasSynced && this.cache.size === 0;
    const onPage = (page: KubeObject[]) => {
      for (const obj of page) {
        if (this.stopped) return;
        const key = objectKey(obj);
        const previous = this.cache.get(key);
        this.cache.set(key, obj);
        // A name twice in one list cannot happen; if it does, the end-of-list diff sorts it out.
        if (previous === undefined) this.emitChange({ type: 'added', object: obj }, 'list');
      }
    };
    try {
      ({ items, resourceVersion } = await this.listAll(streamPages ? onPage : undefined));
    } catch (err) {
      if (this.stopped) return { ok: false, retryMs: 0 };
      this.counters.errors++;
      if (kubeErrorStatus(err) === 403) {
        this.setStatus('forbidden', describeKubeError(err));
        return { ok: false, retryMs: jittered(this.opts.forbiddenRetryMs, 0.1, this.opts.random) };
      }
      this.setStatus('error', describeKubeError(err));
      return { ok: false, retryMs: this.errorBackoff.next() };
    }
    if (this.stopped) return { ok: false, retryMs: 0 };

    const fresh = new Map<string, KubeObject>();
    for (const obj of items) fresh.set(objectKey(obj), obj);
    const changes = diffCache(this.cache, fresh);
    const initial = !this.hasSynced;
    this.cache = fresh;
    this.resourceVersion = resourceVersion;
    if (!initial) this.counters.relists++;
    this.hasSynced = true;
    this.lastSyncTime = Date.now();
    // The server answered a full list: whatever failed before works again.
    this.errorBackoff.reset();
    for (const change of changes) this.emitChange(change, 'list');
    // After the changes: a listener that judges what is absent when the resource says `synced`
    // (a kind back from forbidden) sees the listed objects by then, not a moment of "missing".
    // Listing works but watching does not: the status keeps saying so until a watch does.
    if (this.watchForbidden !== undefined) this.setStatus('forbidden', this.watchForbidden);
    // The list answered, the watches still do not: the objects are as fresh as the lists keep them.
    else if (this.watchesGoUnanswered) this.setStatus('error', this.unansweredMessage());
    else if (!this.watchKeepsBeingRefused) this.setStatus('synced', undefined);
    this.emit({ type: 'synced', initial, objects: fresh.size });
    if (initial) {
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      for (const w of waiters) w.resolve();
    }
    return { ok: true };
  }

  /**
   * Every page of a LIST. Each next page is requested before the current one is handed to
   * `onPage`, so the server prepares it while listeners work. A continue token that expires (410)
   * starts the list over once, from a fresh snapshot; `onPage` is not called after that (the
   * caller's end-of-list diff covers what the restart changed).
   */
  private async listAll(onPage?: (items: KubeObject[]) => void): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    let restarted = false;
    let streaming = onPage !== undefined;
    const fetchPage = (token: string | undefined) => {
      const query = new URLSearchParams({ limit: String(this.opts.pageSize) });
      if (token) query.set('continue', token);
      if (this.options.labelSelector) query.set('labelSelector', this.options.labelSelector);
      const ac = this.beginRequest();
      const promise = getJson<KubeList>(this.kc, `${this.basePath}?${query}`, {
        signal: ac.signal,
        timeoutMs: this.opts.requestTimeoutMs,
      }).finally(() => this.endRequest(ac));
      // Awaited below; a page fetched ahead of an error that ends the list is abandoned.
      promise.catch(() => undefined);
      return { promise, ac };
    };
    let pending = fetchPage(undefined);
    for (;;) {
      let page: KubeList;
      try {
        page = await pending.promise;
      } catch (err) {
        // A continue token expires with compaction (410): start over from a fresh snapshot, once.
        if (continueToken && !restarted && kubeErrorStatus(err) === 410 && !this.stopped) {
          restarted = true;
          streaming = false;
          continueToken = undefined;
          items.length = 0;
          pending = fetchPage(undefined);
          continue;
        }
        throw err;
      }
      const next = page.metadata?.continue;
      if (next) {
        continueToken = next;
        pending = fetchPage(next);
      }
      // `PodList` → `Pod`; a bare `List` (what a server may answer for a list of mixed kinds) names none.
      const itemKind = page.kind?.endsWith('List') && page.kind !== 'List' ? page.kind.slice(0, -'List'.length) : this.opts.resource.kind;
      const start = items.length;
      for (const raw of page.items ?? []) {
        const obj = toKubeObject(raw);
        if (!obj) {
          if (next) pending.ac.abort();
          throw new KubeApiError(0, 'BadResponse', `${this.basePath}: list item without metadata.name`);
        }
        // List items carry no apiVersion/kind; watch events do. Fill them in so that the same
        // object compares equal whichever way it arrived.
        if (obj.apiVersion === undefined && page.apiVersion) obj.apiVersion = page.apiVersion;
        if (obj.kind === undefined && itemKind) obj.kind = itemKind;
        fieldSets.internObject(obj);
        items.push(obj);
      }
      if (streaming && onPage) onPage(start === 0 ? items.slice() : items.slice(start));
      if (next) continue;
      const rv = page.metadata?.resourceVersion;
      if (!rv) throw new KubeApiError(0, 'BadResponse', `${this.basePath}: list without a resourceVersion`);
      return { items, resourceVersion: rv };
    }
  }

  /** One WATCH from the current resourceVersion, until it ends. Never throws. */
  private async watchOnce(): Promise<WatchEnd> {
    const query = new URLSearchParams({
      watch: 'true',
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(Math.max(1, Math.round(jittered(this.opts.watchTimeoutSeconds, 0.2, this.opts.random)))),
    });
    if (this.options.labelSelector) query.set('labelSelector', this.options.labelSelector);
    const path = `${this.basePath}?${query}`;

    const ac = this.beginRequest();
    let watchdogFired = false;
    // Armed before the request: a connection that never answers is as silent as one that stops.
    const watchdog = setTimeout(() => {
      watchdogFired = true;
      ac.abort();
    }, this.opts.watchdogMs);
    let opened = false;
    let answered = false;
    let holding: NodeJS.Timeout | undefined;
    try {
      const res = await open(this.kc, path, { signal: ac.signal, watch: true });
      answered = true;
      this.unansweredInARow = 0;
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const err = toApiError(status, await readBody(res), path);
        if (status === 410) return { kind: 'gone', message: describeKubeError(err) };
        if (status === 403) return { kind: 'forbidden', message: describeKubeError(err) };
        return { kind: 'failed', message: describeKubeError(err), opened };
      }
      opened = true;
      // Watching is allowed again (a forbidden status now can only be the watch's own).
      this.watchForbidden = undefined;
      if ((this.status === 'error' && !this.watchKeepsBeingRefused) || this.status === 'forbidden') this.setStatus('synced', undefined);
      watchdog.refresh();
      // Open this long without an error: watching works again, even on a resource nobody changes.
      holding = setTimeout(() => this.watchDelivers(), SHORT_WATCH_MS);

      const splitter = new LineSplitter();
      for await (const chunk of res as AsyncIterable<Buffer>) {
        for (const line of splitter.push(chunk)) {
          watchdog.refresh();
          const end = this.handleWatchLine(line);
          if (end) return end; // leaving the loop destroys the response
          if (this.stopped) return { kind: 'stopped' };
        }
      }
      // Ended without an error: the server's timeout, or a connection closed cleanly under it.
      // An unterminated last line is an event cut off mid-way; it comes again from the resume point.
      return this.stopped ? { kind: 'stopped' } : { kind: 'closed' };
    } catch (err) {
      if (this.stopped) return { kind: 'stopped' };
      if (watchdogFired) return answered ? { kind: 'watchdog' } : { kind: 'unanswered' };
      return { kind: 'failed', message: describeKubeError(err), opened };
    } finally {
      clearTimeout(watchdog);
      clearTimeout(holding);
      this.endRequest(ac);
    }
  }

  /** Applies one watch line; returns how the watch ends when the line ends it. */
  private handleWatchLine(line: string): WatchEnd | undefined {
    let msg: WatchMessage;
    try {
      msg = parseWatchLine(line);
    } catch (err) {
      const message = err instanceof WatchProtocolError ? err.message : describeKubeError(err);
      return { kind: 'failed', message, opened: true };
    }
    this.counters.lastEventTime = Date.now();
    switch (msg.type) {
      case 'BOOKMARK':
        this.counters.bookmarks++;
        this.resourceVersion = msg.resourceVersion;
        this.watchDelivers();
        return undefined;
      case 'ERROR': {
        const message = describeKubeError(new KubeApiError(msg.code, msg.reason, msg.message));
        if (msg.code === 410) return { kind: 'gone', message };
        if (msg.code === 403) return { kind: 'forbidden', message };
        return { kind: 'refused', message };
      }
      default: {
        this.counters.eventsReceived++;
        fieldSets.internObject(msg.object);
        const changes = applyWatchEvent(this.cache, msg.type, msg.object);
        const rv = msg.object.metadata.resourceVersion;
        if (rv) this.resourceVersion = rv;
        this.watchDelivers();
        for (const change of changes) this.emitChange(change, 'watch');
        return undefined;
      }
    }
  }

  /** The resource says `error` for it (until a watch delivers): one refused watch can be a blip. */
  private get watchKeepsBeingRefused(): boolean {
    return this.refusedInARow >= REFUSED_WATCHES_REPORTED;
  }

  /** From the second in a row, watches with no answer are followed by a list each. */
  private get watchesGoUnanswered(): boolean {
    return this.unansweredInARow >= UNANSWERED_WATCHES_RELIST;
  }

  /** One message while it lasts, so that the resource's state does not change at every watchdog period. */
  private unansweredMessage(): string {
    const within = `within ${this.opts.watchdogMs / 1000} s`;
    return this.watchesGoUnanswered
      ? `watches get no answer ${within} while lists do (a proxy that holds streamed responses?): listing again after each instead`
      : `no answer to the watch ${within}`;
  }

  /** A watch that delivers works again, whatever the ones before it did. */
  private watchDelivers(): void {
    if (this.refusedInARow === 0) return;
    this.refusedInARow = 0;
    if (this.status === 'error') this.setStatus('synced', undefined);
  }

  private emitChange(change: CacheChange, source: 'watch' | 'list'): void {
    this.counters.eventsEmitted++;
    this.emit({ ...change, source });
  }

  private emit(event: InformerEvent): void {
    for (const listener of this.eventListeners) this.call(listener, event);
  }

  private setStatus(status: InformerStatus, message: string | undefined): void {
    if (status === this.status && message === this.message) return;
    this.status = status;
    this.message = message;
    if (this.stateListeners.size === 0) return;
    const state = this.getState();
    for (const listener of this.stateListeners) this.call(listener, state);
  }

  /** A listener that throws or rejects is reported and never stops the informer. */
  private call<T>(listener: Listener<T>, value: T): void {
    try {
      const result = listener(value);
      if (result instanceof Promise) result.catch(this.opts.onListenerError);
    } catch (err) {
      this.opts.onListenerError(err);
    }
  }

  private beginRequest(): AbortController {
    const ac = new AbortController();
    this.inFlight = ac;
    if (this.stopped) ac.abort();
    return ac;
  }

  private endRequest(ac: AbortController): void {
    if (this.inFlight === ac) this.inFlight = undefined;
  }

  /** A delay that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
