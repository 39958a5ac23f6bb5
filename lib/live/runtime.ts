/**
 * The long-lived part of the server: one ClusterWatcher per configured cluster, the desired
 * manifests, and the event log the stream serves. Started once per process (instrumentation.ts),
 * never inside a request handler; route handlers only read from it.
 */
import { clusterNameFromContext, type DashboardConfig, type ManifestConfig } from '../config/dashboard-config';
import { diffOptionsFromConfig } from '../config/drift-config';
import { loadKubeconfig } from '../kube/kubeconfig';
import type { InformerOptions } from '../kube/informer';
import type { DriftStore } from '../store';
import { ClusterWatcher, desiredKindVersions } from './cluster-watcher';
import { HistoryRecorder, type LiveWrite } from './history-recorder';
import { countDrift, driftSummaryOf, queryDrift, type DriftPage, type DriftQuery } from './drift-query';
import type { OwnerTemplateBuilder } from './drift-tracker';
import { EventLog } from './event-log';
import { StampedCache } from './stamped-cache';
import { DRIFT_ROW_COLUMNS, rowsPage } from './table-rows';
import { groupKind, groupOf, type DesiredObject, type ObjectDriftState, type ResourceSyncState } from './types';

/** How often waiting readiness requests look again: cheap, and a tenth of a client's usual poll. */
const READY_CHECK_MS = 10;
/** Readiness requests held at once; more answer at once (an unauthenticated endpoint). */
export const MAX_READY_WAITERS = 64;

/** A problem with the desired state that is not about one object: a bad file, an unreadable directory. */
export interface ManifestProblem {
  /** The manifest directory as configured. */
  root: string;
  file?: string;
  line?: number;
  column?: number;
  message: string;
  /** error: the document was not loaded; warning: loaded with an assumption. */
  severity?: 'error' | 'warning';
  /** An error about one document's identity, which keeps no other object of the file from loading. */
  identity?: true;
}

/** Desired objects from the manifest directories, already scoped (namespaces defaulted). */
export interface ManifestFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Current desired objects for a cluster. */
  objectsFor(cluster: string): DesiredObject[];
  problems(): ManifestProblem[];
  onChange(listener: () => void): () => void;
  /** Scope knowledge from discovery, so custom resources without a namespace get the default one. */
  setIsNamespaced?(isNamespaced: (group: string, kind: string) => boolean | undefined): void;
}

export interface RuntimeOptions {
  config: DashboardConfig;
  manifests?: ManifestFeed;
  ownerTemplate?: OwnerTemplateBuilder;
  informer?: Partial<Omit<InformerOptions, 'resource' | 'namespace'>>;
  log?: (msg: string) => void;
  /** The drift history: every state change, live write and Pod restart goes there. */
  store?: DriftStore;
  /**
   * Why there is no store (it failed to open): history routes report it. Set later too, on these
   * same options, when a store that opens after the first sync cannot (lib/live/server-runtime.ts).
   */
  storeError?: string;
  /**
   * Called once, when the first sync is complete (or after 5 minutes without): the server opens a
   * deferred history store then, so that its work does not compete with the first sync's.
   */
  onInitialSync?: () => void;
}

export interface ClusterSummary {
  name: string;
  context: string;
  server: string;
  ready: boolean;
  objects: number;
  error?: string;
}

/** Manifest problems said in the log at once; the rest are counted (all are in /api/v1/status). */
const MAX_LOGGED_PROBLEMS = 20;

/**
 * A problem by file and what it says, not by line or document number (its own, or one its message
 * names): a line added above an unchanged mistake moves it without making it a new one.
 */
function problemKey(p: ManifestProblem): string {
  return `${p.root}\u0000${p.file ?? ''}\u0000${p.message.replace(/^document \d+(: | is )/, '').replace(/\bline \d+/g, 'line')}`;
}

export class LiveRuntime {
  /** Events of the initial sync are streamed but not kept for replay (see EventLog); kept from readiness on. */
  readonly events = new EventLog(50_000, { retain: false });
  private readonly listCache = new StampedCache();
  private retainTimer: NodeJS.Timeout | undefined;
  private readonly readyWaiters = new Set<{ deadline: number; finish: (ready: boolean) => void }>();
  private readyCheck: NodeJS.Timeout | undefined;
  readonly clusters = new Map<string, ClusterWatcher>();
  private readonly meta = new Map<string, { context: string; server: string; error?: string }>();
  private unknownClusterProblems: ManifestProblem[] = [];
  /** Manifest problems already in the log, counted by problemKey(), so that each is said once. */
  private loggedProblems = new Map<string, number>();
  private unsubscribeManifests: (() => void) | undefined;
  /** The manifest directories have been read once (or there are none). */
  private manifestsLoaded = false;
  readonly startedAt = new Date();
  private readonly log: (msg: string) => void;

  private readonly history: HistoryRecorder | undefined;

  constructor(private readonly opts: RuntimeOptions) {
    this.log = opts.log ?? ((m) => console.log(`[driftwatch] ${m}`));
    if (opts.store) {
      const recorder = new HistoryRecorder(opts.store);
      this.history = recorder;
      this.events.subscribe((e) => recorder.onDriftChange(e));
    }
  }

  get config(): DashboardConfig {
    return this.opts.config;
  }

  /** The history store, or why there is none. */
  historyStore(): { store: DriftStore } | { error: string } {
    const { store, storeError } = this.opts;
    if (store && storeError === undefined) return { store };
    return { error: storeError ?? 'history is not recorded: no store is configured' };
  }

  async start(): Promise<void> {
    const { config } = this.opts;
    const clusterConfigs = config.clusters && config.clusters.length > 0 ? config.clusters : [{}];
    const diffOptions = diffOptionsFromConfig(config);
    const manifests = this.opts.manifests;
    // The manifests load while the clusters discover, list and fetch their schema; each tracker
    // waits for them (paused) so that no live object is judged without its desired state.
    const loading = manifests ? manifests.start() : Promise.resolve();
    loading.catch(() => undefined);
    for (const c of clusterConfigs) {
      let loaded;
      try {
        loaded = loadKubeconfig({ path: c.kubeconfig, context: c.context });
      } catch (err) {
        const name = c.name ?? clusterNameFromContext(c.context ?? 'default');
        this.meta.set(name, { context: c.context ?? '', server: '', error: err instanceof Error ? err.message : String(err) });
        this.log(`cluster ${name}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      const name = c.name ?? clusterNameFromContext(loaded.context);
      if (this.clusters.has(name)) throw new Error(`two clusters are named ${name}: give each a distinct name in the configuration`);
      if (c.name === undefined && name !== loaded.context) this.log(`cluster ${name}: named after context ${loaded.context} (set clusters[].name to choose the name)`);
      const watcher = new ClusterWatcher({
        name,
        kc: loaded.kc,
        watch: config.watch,
        desiredKinds: () => desiredKindVersions(manifests?.objectsFor(name) ?? []),
        tracker: {
          sources: config.sources,
          diffOptions,
          ...(this.opts.ownerTemplate ? { ownerTemplate: this.opts.ownerTemplate } : {}),
          onEvent: (e) => this.events.append(e),
        },
        ...(this.opts.informer ? { informer: this.opts.informer } : {}),
        log: (m) => this.log(`[${name}] ${m}`),
        onDiscovery: () => manifests?.setIsNamespaced?.((g, k) => this.isNamespaced(g, k)),
        ...(this.history ? { onLiveWrite: (w: LiveWrite) => this.history?.onLiveWrite(w) } : {}),
      });
      this.clusters.set(name, watcher);
      this.meta.set(name, { context: loaded.context, server: loaded.server });
      if (manifests) watcher.tracker.pause();
    }
    this.unknownClusterProblems = unknownManifestClusters(config.manifests, [...this.meta.keys()]);
    for (const p of this.unknownClusterProblems) this.log(`manifests ${p.root}: ${p.message}`);
    const afterManifests = loading.then(
      () => {
        this.manifestsLoaded = true;
        this.logManifestProblems(manifests?.problems() ?? [], false);
        for (const w of this.clusters.values()) {
          w.tracker.replaceManifests(manifests?.objectsFor(w.name) ?? []);
          // Kinds only the manifests name get watched first: judged before, they would be "not
          // served" for a moment. The tracker stays paused until the watch set covers them.
          void w.desiredKindsChanged().finally(() => w.tracker.resume());
        }
        this.unsubscribeManifests = manifests?.onChange(() => {
          this.logManifestProblems(manifests.problems(), true);
          for (const w of this.clusters.values()) {
            w.tracker.pause();
            w.tracker.replaceManifests(manifests.objectsFor(w.name));
            void w.desiredKindsChanged().finally(() => w.tracker.resume());
          }
        });
      },
      (err: unknown) => {
        this.log(`manifests: ${err instanceof Error ? err.message : String(err)}`);
        this.manifestsLoaded = true;
        for (const w of this.clusters.values()) w.tracker.resume();
      },
    );
    const retainBy = Date.now() + 300_000;
    let retained = false;
    // Per cluster, the kinds the history has been told of (listed in full at a sweep). A kind
    // forbidden or failing at the first sync is swept on its own once it lists: until then the
    // history keeps what it held of its objects, even those deleted while nobody watched. So is a
    // kind of a group whose discovery did not answer (trackedKinds() counts it unknown, and the
    // store leaves its group alone) once the group answers and the kind lists; the objects of such
    // a group's kinds that are no longer watched then are not swept until the next start.
    const swept = new Map<ClusterWatcher, Set<string>>();
    let ticks = 0;
    this.retainTimer = setInterval(() => {
      const ready = this.isReady();
      // Ready, or never going to be (a cluster that keeps failing): keep events from now on.
      if (!ready && Date.now() < retainBy) return;
      if (!retained) {
        retained = true;
        this.events.retain();
        let objects = 0;
        for (const w of this.clusters.values()) objects += w.tracker.size;
        this.log(`${ready ? 'ready' : 'not ready'} ${Date.now() - this.startedAt.getTime()} ms after start: ${objects} objects, ${this.events.lastSeq} drift events`);
        this.opts.onInitialSync?.();
      }
      // Only a complete state says which objects are gone: a cluster that could not be reached is
      // swept once it has really synced. One whose discovery left groups unanswered (an aggregated
      // API down, perhaps for good) is swept without them: waiting would never sweep it.
      if (!this.history) {
        clearInterval(this.retainTimer);
        return;
      }
      if (!ready) return;
      // Once every cluster has had its first sweep, late kinds are looked for every second.
      if (swept.size === this.clusters.size && ++ticks % 10 !== 0) return;
      const at = new Date();
      for (const w of this.clusters.values()) {
        if (!w.knowsItsObjects()) continue;
        const kinds = w.trackedKinds();
        const done = swept.get(w);
        if (done === undefined) {
          swept.set(w, new Set(kinds.listed));
          this.history.onFirstSync(w.name, kinds, w.tracker.list(), at);
          continue;
        }
        const late = [...kinds.listed].filter((k) => !done.has(k));
        // Swept, and now neither listed nor being listed: no longer watched (its last manifest
        // went). What the history holds of it as drifting is compared no more: `unmanaged`.
        const watchedNow = new Set([...kinds.listed, ...kinds.unknown]);
        const gone = [...done].filter((k) => !watchedNow.has(k));
        if (late.length === 0 && gone.length === 0) continue;
        for (const k of late) done.add(k);
        for (const k of gone) done.delete(k);
        const { namespaces } = kinds;
        const sweep = { listed: new Set(late), unknown: kinds.unknown, kinds: new Set([...late, ...gone]), ...(namespaces ? { namespaces } : {}) };
        this.history.onFirstSync(w.name, sweep, w.tracker.list(), at);
      }
    }, 100);
    this.retainTimer.unref();
    // Clusters start side by side: one unreachable cluster must not hold up the others.
    await Promise.all([
      afterManifests,
      ...[...this.clusters.values()].map((w) =>
        w.start().catch((err: unknown) => {
          const m = this.meta.get(w.name);
          if (m) m.error = err instanceof Error ? err.message : String(err);
          this.log(`cluster ${w.name} failed to start: ${m?.error ?? ''}`);
        }),
      ),
    ]);
  }

  async stop(): Promise<void> {
    clearInterval(this.retainTimer);
    for (const w of [...this.readyWaiters]) w.finish(false);
    this.unsubscribeManifests?.();
    await Promise.all([...this.clusters.values()].map((w) => w.stop()));
    await this.opts.manifests?.stop();
    await this.opts.store?.close();
  }

  /** Every cluster has completed its first lists (forbidden and failing resources count as done). */
  isReady(): boolean {
    // No cluster loaded (a context that does not exist, say) is not "every cluster synced".
    return this.manifestsLoaded && this.nothingWatched() === undefined && [...this.clusters.values()].every((w) => w.isReady());
  }

  /**
   * Why nothing can become ready: every configured cluster failed to load from its kubeconfig (a
   * missing file, a misspelled context), so nothing is watched and waiting will not change that.
   * undefined while at least one cluster is watched (the others' errors are in clusterSummaries()).
   */
  nothingWatched(): string | undefined {
    if (this.clusters.size > 0 || this.meta.size === 0) return undefined;
    return `no cluster is watched: ${[...this.meta].map(([name, m]) => `cluster ${name}: ${m.error ?? 'not loaded'}`).join('; ')}`;
  }

  /**
   * Resolves true as soon as isReady() holds, false when timeoutMs pass or the signal aborts first.
   * For `GET /api/readyz?wait=` (one held request instead of a client polling through the HTTP
   * stack, which costs the server's thread more than this check). One timer serves every waiter;
   * past MAX_READY_WAITERS (the endpoint is public) a call answers at once, as if without a wait.
   */
  whenReady(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.isReady() || !(timeoutMs > 0) || signal?.aborted || this.readyWaiters.size >= MAX_READY_WAITERS) return Promise.resolve(this.isReady());
    return new Promise((resolve) => {
      const waiter = {
        deadline: Date.now() + timeoutMs,
        finish: (ready: boolean) => {
          this.readyWaiters.delete(waiter);
          signal?.removeEventListener('abort', onAbort);
          if (this.readyWaiters.size === 0) clearInterval(this.readyCheck);
          resolve(ready);
        },
      };
      const onAbort = () => waiter.finish(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.readyWaiters.add(waiter);
      if (this.readyWaiters.size === 1) {
        this.readyCheck = setInterval(() => {
          const ready = this.isReady();
          const now = Date.now();
          for (const w of [...this.readyWaiters]) if (ready || now >= w.deadline) w.finish(ready);
        }, READY_CHECK_MS);
        this.readyCheck.unref();
      }
    });
  }

  async ready(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.manifestsLoaded) {
      if (Date.now() > deadline) throw new Error(`manifests not loaded after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all([...this.clusters.values()].map((w) => w.ready(Math.max(1, deadline - Date.now()))));
  }

  *states(): Generator<ObjectDriftState> {
    for (const w of this.clusters.values()) yield* w.tracker.list();
  }

  query(q: DriftQuery): DriftPage {
    return queryDrift(this.states(), q);
  }

  /**
   * The drift list API's body: a page with readiness and the event id it is current to. Kept as text
   * until any state changes, so repeated reads of the same view cost neither the query nor JSON.
   * `summary`: each object as driftSummaryOf() gives it (an embed token's read).
   */
  driftListJson(q: DriftQuery, { summary = false }: { summary?: boolean } = {}): string {
    const { stamp, ready, lastEventId, streamId } = this.stateStamp();
    return this.listCache.get(stamp, `list|${summary}|${JSON.stringify(q)}`, () => {
      const page = this.query(q);
      return JSON.stringify({ ...page, ...(summary ? { items: page.items.map(driftSummaryOf) } : {}), ready, lastEventId, streamId });
    });
  }

  /** The counts API body (objects by status, no object), kept like driftListJson's. */
  driftCountsJson(namespaces?: readonly string[]): string {
    const { stamp, ready, lastEventId } = this.stateStamp();
    return this.listCache.get(stamp, `counts|${JSON.stringify(namespaces ?? null)}`, () => JSON.stringify({ ...countDrift(this.states(), namespaces), ready, lastEventId }));
  }

  /**
   * The drift table's rows API body (compact rows in id order), kept like driftListJson's.
   * `namespaces`: a namespace-scoped reader's; their rows and total cover only those.
   */
  driftRowsJson(q: { limit: number; cursor?: string; namespaces?: readonly string[] }): string {
    const { stamp, ready, lastEventId, streamId } = this.stateStamp();
    return this.listCache.get(stamp, `rows|${JSON.stringify(q)}`, () => {
      const mine = q.namespaces ? new Set(q.namespaces) : undefined;
      const states = mine ? [...this.states()].filter((s) => s.namespace !== '' && mine.has(s.namespace)) : this.states();
      return JSON.stringify({ columns: DRIFT_ROW_COLUMNS, ...rowsPage(states, q.limit, q.cursor), ready, lastEventId, streamId });
    });
  }

  /** Which data a kept answer was made from: it moves with every event and every state change. */
  private stateStamp(): { stamp: string; ready: boolean; lastEventId: number; streamId: string } {
    const ready = this.isReady();
    const lastEventId = this.events.lastSeq;
    let stamp = `${lastEventId}|${ready}`;
    for (const w of this.clusters.values()) stamp += `|${w.tracker.revision}`;
    return { stamp, ready, lastEventId, streamId: this.streamId() };
  }

  /** The stream's id of the newest event (`<epoch>.<seq>`): where a client that loaded a state resumes (`?since=`). */
  streamId(): string {
    return `${this.events.epoch}.${this.events.lastSeq}`;
  }

  get(id: string): { state: ObjectDriftState; watcher: ClusterWatcher } | undefined {
    const cluster = id.slice(0, id.indexOf('/'));
    const watcher = this.clusters.get(cluster);
    const state = watcher?.tracker.get(id);
    return watcher && state ? { state, watcher } : undefined;
  }

  /**
   * `visible`: for a namespace-scoped reader, which objects they may see; each resource's `objects`
   * then counts only those (the sync states themselves say nothing about any one object).
   */
  resourceStates(visible?: (namespace: string) => boolean): ResourceSyncState[] {
    const states = [...this.clusters.values()].flatMap((w) => w.resourceStates());
    if (!visible) return states;
    const counts = this.countVisible(visible, (s) => `${s.cluster}/${s.group}/${s.kind}`);
    return states.map((r) => ({ ...r, objects: counts.get(`${r.cluster}/${r.group}/${r.kind}`) ?? 0 }));
  }

  /**
   * Every configured cluster's name, one whose kubeconfig could not be loaded included (its summary
   * says why): what a cluster filter may name. Known from start() on, before any cluster has synced.
   */
  clusterNames(): string[] {
    return [...this.meta.keys()];
  }

  /** `visible`: as for resourceStates(); each cluster's `objects` then counts only what the reader may see. */
  clusterSummaries(visible?: (namespace: string) => boolean): ClusterSummary[] {
    const counts = visible ? this.countVisible(visible, (s) => s.cluster) : undefined;
    const out: ClusterSummary[] = [];
    for (const [name, m] of this.meta) {
      const w = this.clusters.get(name);
      // The dashboard is ready once every cluster is done or failed, and stays so (isReady); a
      // cluster itself is ready while its state is complete and it can be asked: its summary and
      // driftwatch_cluster_ready say so, a kind it is still listing included.
      const error = m.error ?? w?.connectionError;
      out.push({
        name,
        context: m.context,
        server: m.server,
        ready: error === undefined && (w?.isComplete() ?? false),
        objects: counts ? (counts.get(name) ?? 0) : (w?.tracker.size ?? 0),
        ...(error ? { error } : {}),
      });
    }
    return out;
  }

  private countVisible(visible: (namespace: string) => boolean, keyOf: (s: ObjectDriftState) => string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const s of this.states()) {
      if (!visible(s.namespace)) continue;
      const k = keyOf(s);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return counts;
  }

  /** A kind's scope as the first cluster that serves it reports it. */
  isNamespaced(group: string, kind: string): boolean | undefined {
    for (const w of this.clusters.values()) {
      const n = w.isNamespaced(group, kind);
      if (n !== undefined) return n;
    }
    return undefined;
  }

  /**
   * Says in the log each manifest problem once, when it appears (a file saved broken, a directory
   * removed while the dashboard runs, is otherwise only in /api/v1/status), and when problems go;
   * at most MAX_LOGGED_PROBLEMS lines at a time, for a tree that breaks everywhere at once.
   */
  private logManifestProblems(problems: ReadonlyArray<ManifestProblem>, sayFixed: boolean): void {
    const now = new Map<string, number>();
    const appeared: ManifestProblem[] = [];
    for (const p of problems) {
      const key = problemKey(p);
      const n = (now.get(key) ?? 0) + 1;
      now.set(key, n);
      if (n > (this.loggedProblems.get(key) ?? 0)) appeared.push(p);
    }
    let gone = 0;
    if (sayFixed) for (const [key, n] of this.loggedProblems) gone += Math.max(0, n - (now.get(key) ?? 0));
    const others = this.opts.config.sources.filter((t) => t !== 'manifest-dir').join(', ') || 'none';
    for (const p of appeared.slice(0, MAX_LOGGED_PROBLEMS)) {
      // A directory that cannot be read (a typo in DRIFTWATCH_MANIFESTS): its objects fall to the other sources.
      if (!p.file) this.log(`manifests ${p.root}: ${p.message}${p.severity === 'error' ? `; until it can be read, its objects are compared with the other sources (${others})` : ''}`);
      else this.log(`manifests ${p.root}: ${p.file}${p.line ? `:${p.line}` : ''}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`);
    }
    if (appeared.length > MAX_LOGGED_PROBLEMS) this.log(`manifests: ${appeared.length - MAX_LOGGED_PROBLEMS} more problems (GET /api/v1/status lists them all)`);
    if (gone > 0) this.log(`manifests: ${gone} ${gone === 1 ? 'problem' : 'problems'} fixed; ${problems.length} left`);
    this.loggedProblems = now;
  }

  manifestProblems(): ManifestProblem[] {
    const problems = this.opts.manifests?.problems() ?? [];
    return this.unknownClusterProblems.length > 0 ? [...this.unknownClusterProblems, ...problems] : problems;
  }
}

/**
 * Manifest directories limited to clusters of names no configured cluster has (a typo, or names
 * the file gave clusters that DRIFTWATCH_CONTEXTS then replaced): their objects would be compared
 * with nothing, in silence.
 */
export function unknownManifestClusters(manifests: ReadonlyArray<ManifestConfig>, clusterNames: ReadonlyArray<string>): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  for (const m of manifests) {
    const unknown = (m.clusters ?? []).filter((c) => !clusterNames.includes(c));
    if (unknown.length === 0) continue;
    out.push({
      root: m.path,
      severity: 'error',
      message: `${unknown.length === 1 ? 'cluster' : 'clusters'} ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not configured (clusters: ${clusterNames.join(', ') || 'none'}): ${unknown.length === m.clusters?.length ? 'this directory is compared with no cluster' : 'not compared there'}`,
    });
  }
  return out;
}
