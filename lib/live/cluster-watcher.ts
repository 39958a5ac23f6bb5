/**
 * One cluster, watched: discovery decides what to watch (Pods, custom resources, the kinds in the
 * desired manifests, include/exclude), one supervised informer per resource (and per namespace
 * when the watch set names namespaces) feeds the drift tracker, and CRDs coming and going refresh
 * both discovery and the schema the engine uses.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { DashboardConfig } from '../config/dashboard-config';
import { resourceMatches } from '../config/dashboard-config';
import { isTemplateOwnerKind } from '../desired/owner-template';
import { combineSchemaProviders, crdSchemaProvider, type SchemaProvider } from '../drift';
import type { KubeObject } from '../kube/cache-diff';
import { apiVersionOfOpenApiPath, clusterSchemaProvider, loadClusterSchemaDocuments, openApiPathOf } from '../kube/cluster-schema';
import { Backoff } from '../kube/backoff';
import { discoverGroupVersion, discoverResources, type ApiResource, type DiscoveryResult } from '../kube/discovery';
import { describeKubeError } from '../kube/errors';
import { SupervisedInformer, type InformerOptions, type InformerState } from '../kube/informer';
import { readObject } from '../kube/object-read';
import { DriftTracker, type DriftTrackerOptions, type KindStatus } from './drift-tracker';
import type { LiveWrite } from './history-recorder';
import { LagHistogram, writeLagSeconds } from './lag-histogram';
import { groupKind, groupOf, type ResourceSyncState } from './types';
import { VersionReader } from './version-reader';
import type { VersionReadRequest } from './version-reads';

const CRD_RESOURCE: ApiResource = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  name: 'customresourcedefinitions',
  namespaced: false,
  verbs: ['list', 'watch'],
  shortNames: [],
};
/** Core kinds that are records of activity, never declared state; watching them only costs. */
const NEVER_WATCHED = new Set(['events', 'events.events.k8s.io', 'leases.coordination.k8s.io', 'endpointslices.discovery.k8s.io', 'endpoints']);

export interface ClusterWatcherOptions {
  name: string;
  kc: KubeConfig;
  watch: DashboardConfig['watch'];
  tracker: Omit<DriftTrackerOptions, 'cluster' | 'kindStatus' | 'versionReads'>;
  /**
   * Group/kinds (`Deployment.apps`, `ConfigMap`) that the desired manifests for this cluster
   * contain, each with the apiVersion most of its manifests are written for (desiredKindVersions).
   */
  desiredKinds: () => ReadonlyMap<string, string>;
  informer?: Partial<Omit<InformerOptions, 'resource' | 'namespace'>>;
  log?: (msg: string) => void;
  /** Periodic rediscovery (aggregated APIs appear without a CRD event). Default 5 minutes. */
  rediscoverMs?: number;
  /** Called after each successful discovery (the set of kinds and their scopes may have changed). */
  onDiscovery?: () => void;
  /** Every real change of a tracked object, as the informer saw it (for the history store). */
  onLiveWrite?: (w: LiveWrite) => void;
}

interface WatchPlan {
  resource: ApiResource;
  reasons: string[];
  tracked: boolean;
  owner: boolean;
}

interface Watched extends WatchPlan {
  informers: SupervisedInformer[];
  unsubscribe: (() => void)[];
}

/** The longest a burst of CRD events postpones the refresh it asks for. */
export const REFRESH_MAX_WAIT_MS = 5_000;

/**
 * Quick retries (2 s, doubling) of a group-version whose discovery fails, before it is left to the
 * periodic rediscovery: a timeout under load passes within them, while an aggregated API whose
 * backend is gone (a dead v1beta1.metrics.k8s.io is common) would otherwise cost a full discovery
 * and a log line every minute for ever.
 */
export const FAST_DISCOVERY_RETRIES = 3;

/**
 * Discoveries asked again (1, 2, 4, 8, 15 s: about 30 s) while an established CRD is missing from
 * discovery: the API server serves a CRD's group-version a moment after it reports the CRD
 * established, seconds under load, so a CRD event's refresh may come too soon; one that never
 * shows (its group-version failing) is left to the periodic rediscovery after that.
 */
export const CRD_DISCOVERY_RETRIES = 5;

/**
 * When a refresh asked for `delayMs` from `now` runs, given the one already pending (its due time
 * and when it was first asked for). Debounced, since the CRD events of one install come as a
 * burst; but a burst that does not end (an operator patching its CRDs every few hundred ms) still
 * gets its refresh REFRESH_MAX_WAIT_MS after the first request, and a longer delay asked later (a
 * discovery retry's backoff) never postpones a refresh already due sooner.
 */
export function refreshDueAt(now: number, delayMs: number, pending: { due: number; firstAt: number } | undefined): number {
  if (!pending) return now + delayMs;
  // A backoff, not a debounce: never later than what is pending.
  if (delayMs > REFRESH_MAX_WAIT_MS) return Math.min(pending.due, now + delayMs);
  return Math.min(now + delayMs, Math.max(pending.due, pending.firstAt + REFRESH_MAX_WAIT_MS));
}

const keyOfResource = (r: { group: string; name: string }) => (r.group === '' ? r.name : `${r.name}.${r.group}`);

/**
 * A discovery with some group-versions unanswered, completed with what the previous one found in
 * them: a version that did not answer this time is not one that went away, and dropping what it
 * served would stop those informers and turn their objects into "not served" until the next
 * discovery. Per version, not per group: a kind served only in a group's non-preferred version
 * (AlertmanagerConfig in monitoring.coreos.com/v1alpha1) must survive that version alone failing.
 */
export function withUnanswered(found: ApiResource[], before: ApiResource[], failures: ReadonlyArray<{ groupVersion: string }>): ApiResource[] {
  const unanswered = new Set(failures.map((f) => f.groupVersion));
  const answered = new Set(found.map(keyOfResource));
  const kept = before.filter((r) => unanswered.has(r.apiVersion) && !answered.has(keyOfResource(r)));
  if (kept.length === 0) return found;
  return [...found, ...kept].sort((a, b) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind));
}

export class ClusterWatcher {
  readonly tracker: DriftTracker;
  readonly lag = new LagHistogram();
  private readonly watched = new Map<string, Watched>();
  private discovered: ApiResource[] = [];
  private scopeIndex: { of: ApiResource[]; byKind: Map<string, boolean> } | undefined;
  private matcher: { of: ApiResource[]; matches: (pattern: string, r: ApiResource) => boolean } | undefined;
  private discoveryError: string | undefined;
  private discoveryRetry: Backoff | undefined;
  /**
   * Groups whose discovery did not answer last time (an aggregated API down): their kinds are as
   * the previous discovery found them, so the history's sweep leaves their objects alone.
   */
  private unansweredGroups: ReadonlySet<string> = new Set();
  /** Group-versions whose discovery fails, with how many discoveries in a row it has. */
  private failingGroupVersions: ReadonlyMap<string, number> = new Map();
  /** Established CRDs the last discovery did not serve, and the retries that wait for them. */
  private undiscoveredCrds: ReadonlySet<string> = new Set();
  private crdDiscoveryRetry: Backoff | undefined;
  private crdDiscoveryRetries = 0;
  /**
   * Watch restarts and relists of the informers a resource had before it was watched again (in
   * another role or version), by resource key: the counters resourceStates() and the metrics
   * report are totals, and a new informer starts its own at 0.
   */
  private readonly retiredCounters = new Map<string, { watchRestarts: number; relists: number }>();
  /** Resources now watched in another version, whose objects the old version's informer left in the tracker. */
  private readonly versionSwaps = new Set<string>();
  /** Owner resources watched again from scratch, whose owners the old informer left in the tracker. */
  private readonly ownerRewatches = new Set<string>();
  private crdInformer: SupervisedInformer | undefined;
  private openApi: SchemaProvider[] = [];
  private readonly openApiLoaded = new Set<string>();
  /**
   * Group-versions whose OpenAPI document could not be read (a timeout under load, a 5xx), with
   * why: their kinds are compared with the engine's built-in table meanwhile, and the document is
   * asked for again, backing off, until it arrives.
   */
  private readonly schemaUnread = new Map<string, string>();
  private schemaRetry: Backoff | undefined;
  private schemaRetryTimer: NodeJS.Timeout | undefined;
  /** The watch plan of the last refresh, for the schema retry. */
  private plannedSchema: Map<string, WatchPlan> | undefined;
  private readonly warnedPatterns = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;
  /** When the pending refresh timer fires, and when the first request it answers came. */
  private refreshDue = 0;
  private refreshFirstAt = 0;
  private rediscoverTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  /** Groups of CRDs changed since the last refresh: only their objects need re-preparing. */
  private pendingCrdGroups = new Set<string>();
  /** A scheduled refresh must ask the server for discovery again (not only plan again). */
  private pendingRediscovery = false;
  private stopped = false;
  /** isReady() has been true since start(): it stays true. */
  private wasReady = false;
  /** The first refresh has run (its schema and watch set are in place). */
  private started = false;
  /** The tracker is paused until the first refresh is done. */
  private holding = true;
  /** The schema has been handed to the tracker once; later refreshes pass only what changed. */
  private schemaSet = false;
  /** Bumped whenever the desired kinds may have changed; the plan records the value it saw. */
  private kindsGeneration = 0;
  private plannedGeneration = 0;
  /** The desired kinds the watch set was last planned with. */
  private plannedKinds: ReadonlyMap<string, string> = new Map();
  /** Every version each group serves, from the last discovery. */
  private servedVersions: ReadonlyMap<string, ReadonlyArray<string>> = new Map();
  /** Resources of the non-preferred versions manifests are written for, by group-version (undefined: its discovery failed). */
  private otherVersions = new Map<string, ApiResource[] | undefined>();
  /** Discoveries of group-versions under way for reads in another version (one per group-version at a time). */
  private readonly discovering = new Map<string, Promise<ApiResource[]>>();
  private readonly versionReader: VersionReader;
  /** desiredKindsChanged() callers waiting for a refresh that covers their change. */
  private planWaiters: { generation: number; resolve: () => void }[] = [];
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: ClusterWatcherOptions) {
    this.log = opts.log ?? ((m) => console.log(`[${opts.name}] ${m}`));
    this.versionReader = new VersionReader({
      resourceIn: (apiVersion, kind) => this.resourceIn(apiVersion, kind),
      read: (resource, namespace, name) => readObject(opts.kc, resource, namespace, name),
      answer: (request, result) => this.tracker.liveInVersion(request.id, request.apiVersion, request.resourceVersion, result),
      log: (m) => this.log(m),
    });
    this.tracker = new DriftTracker({
      ...opts.tracker,
      cluster: opts.name,
      kindStatus: (g, k, ns) => this.kindStatus(g, k, ns),
      versionReads: { request: (request) => this.readInVersion(request), cancel: (id) => this.versionReader.cancel(id) },
    });
    // Nothing is evaluated before the first refresh: before discovery every desired object would
    // be an error ("the cluster does not serve ..."), published only to be withdrawn a moment later.
    this.tracker.pause();
  }

  get name(): string {
    return this.opts.name;
  }

  /** Reads of objects in their desired state's version, by outcome. */
  get versionReads(): Readonly<{ ok: number; failed: number; gone: number }> {
    return this.versionReader.counts;
  }

  /** For on-demand reads beside the watches (pods/log for crash reports). */
  get kubeConfig(): KubeConfig {
    return this.opts.kc;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.wasReady = false;
    this.crdInformer = new SupervisedInformer(this.opts.kc, { ...this.opts.informer, resource: CRD_RESOURCE });
    this.crdInformer.onEvent((e) => {
      if (e.type === 'synced' && e.initial) return;
      // The first list is what the first refresh plans with: not a change.
      if (e.type !== 'synced' && e.source === 'list' && !this.started) return;
      // A CRD changed (created again, served at last) earns its discovery retries anew.
      if (e.type !== 'synced') this.undiscoveredCrds = new Set([...this.undiscoveredCrds].filter((k) => k !== crdKey(e.object)));
      this.scheduleRefresh(e.type === 'synced' ? undefined : e.object);
    });
    this.crdInformer.onState((s) => {
      if (s.status === 'forbidden' || s.status === 'error') this.log(`${s.resource}: ${s.status}: ${s.message ?? ''}; custom resources are recognised by their group, without their schemas' defaults`);
    });
    this.crdInformer.start();
    // Discovery and the CRD list go side by side; the first refresh needs both.
    const discovery = discoverResources(this.opts.kc);
    discovery.catch(() => undefined);
    try {
      // Without CRD access the dashboard still works; custom resources are then recognised by group.
      // A discovery that failed does not wait for the CRD list either: behind a firewall that drops
      // packets the list would take its whole 60-s timeout to fail, and the dashboard would not be
      // ready meanwhile. (The discovery retry that follows plans again with the CRDs, once listed.)
      const discoveryFailed = discovery.then(() => new Promise<void>(() => undefined), () => undefined);
      await Promise.race([this.crdInformer.synced().catch(() => undefined), this.untilCrdSettled(), discoveryFailed]);
      await this.serially(() => this.refresh(undefined, discovery));
      // The manifests arrived after the plan was made: plan again before anything is evaluated,
      // or their kinds would be judged "not served" for a moment.
      if (this.planIsStale()) await this.serially(() => this.refresh(undefined, this.lastDiscovery()));
    } catch (err) {
      // Nothing to wait for: the cluster could not be planned.
      this.resolvePlanWaiters(Infinity);
      throw err;
    } finally {
      this.started = true;
      if (this.holding) {
        this.holding = false;
        this.tracker.resume();
      }
    }
    // stop() came while this started: it cleared what timers there were, and none may follow it.
    if (this.stopped) return;
    // Manifests that came while discovery was failing: the next refresh answers them.
    if (this.planWaiters.length > 0) this.scheduleRefresh(undefined, 0);
    this.rediscoverTimer = setInterval(() => this.scheduleRefresh(undefined), this.opts.rediscoverMs ?? 300_000);
    this.rediscoverTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.refreshTimer);
    clearTimeout(this.schemaRetryTimer);
    clearInterval(this.rediscoverTimer);
    this.refreshTimer = undefined;
    this.schemaRetryTimer = undefined;
    this.rediscoverTimer = undefined;
    await this.refreshing.catch(() => undefined);
    this.versionReader.stop();
    this.tracker.cancelReads();
    await Promise.all([...this.watched.values()].map((w) => this.unwatch(w)));
    this.watched.clear();
    await this.crdInformer?.stop();
    this.resolvePlanWaiters(Infinity);
  }

  /** The watcher's own timers that are armed now: none once stop() has returned (for tests). */
  armedTimers(): string[] {
    const armed: string[] = [];
    if (this.refreshTimer) armed.push('refresh');
    if (this.rediscoverTimer) armed.push('rediscovery');
    if (this.schemaRetryTimer) armed.push('schema retry');
    return armed;
  }

  /** Resolves when every tracked resource has listed once (or is forbidden / failing). */
  async ready(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.isReady()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`cluster ${this.name}: not ready after ${timeoutMs} ms`);
  }

  /**
   * The first complete state has been reached: every resource listed once (or forbidden, or
   * failing) and every object judged. It stays reached: a kind the manifests name later or a CRD
   * installed makes its own resource `syncing` in resourceStates() while it lists (and the
   * cluster's summary not ready: isComplete), but taking the whole dashboard out of service (its
   * readiness probe) for it would hide the drift of everything else, just when the API server is
   * slow.
   */
  isReady(): boolean {
    if (this.wasReady) return true;
    const complete = this.isComplete();
    // A cluster that failed before discovering anything is done (its objects say why) but has not
    // been seen: once it answers, its first lists are what readiness waits for.
    if (complete && this.discovered.length > 0) this.wasReady = true;
    return complete;
  }

  /**
   * The state is complete now: every resource has listed (or is forbidden or failing), no
   * evaluation is held back, no first read in another version is outstanding. Unlike isReady(),
   * not latched: a kind added later makes it false while it lists.
   */
  isComplete(): boolean {
    if (this.discovered.length === 0 && this.discoveryError === undefined) return false;
    if (this.planIsStale()) return false;
    // Evaluations held back (the schema of a new kind is loading), or objects still being read in
    // their manifests' version: the state is not complete.
    if (this.tracker.paused || this.tracker.reading) return false;
    for (const w of this.watched.values()) {
      for (const i of w.informers) {
        const s = i.getState();
        if (!s.hasSynced && s.status === 'syncing') return false;
      }
    }
    return true;
  }

  /**
   * Why the cluster cannot be asked now: its last discovery failed as a whole (unreachable,
   * credentials refused), or every watch of it fails — an API server gone between discoveries,
   * which run every few minutes, shows in its informers first. Its resources keep what they last
   * saw, and say so.
   */
  get connectionError(): string | undefined {
    if (this.discoveryError !== undefined) return this.discoveryError;
    let first: string | undefined;
    let failing = 0;
    for (const w of this.watched.values()) {
      for (const i of w.informers) {
        const s = i.getState();
        // One resource that lists or watches (forbidden included: the server answered) is a cluster that answers.
        if (s.status !== 'error') return undefined;
        failing++;
        first ??= s.message;
      }
    }
    return failing > 0 ? `every watched resource fails: ${first ?? 'error'}` : undefined;
  }

  /** Whether discovery says a kind is namespaced; undefined when this cluster does not serve it. */
  isNamespaced(group: string, kind: string): boolean | undefined {
    // Asked once per manifest when discovery changes: an index, not a scan of every resource.
    if (this.scopeIndex?.of !== this.discovered) {
      const byKind = new Map<string, boolean>();
      for (const r of this.discovered) if (!byKind.has(`${r.group}/${r.kind}`)) byKind.set(`${r.group}/${r.kind}`, r.namespaced);
      this.scopeIndex = { of: this.discovered, byKind };
    }
    return this.scopeIndex.byKind.get(`${group}/${kind}`);
  }

  /** The manifests changed: kinds they name may need watching now. */
  /**
   * The manifests changed: kinds they name may need watching now. Resolves once the watch set
   * covers them (their informers exist and their schema is loaded), or at once when the set of
   * kinds is what the watch set was planned with.
   */
  desiredKindsChanged(): Promise<void> {
    if (this.started && sameMap(this.opts.desiredKinds(), this.plannedKinds)) return Promise.resolve();
    const generation = ++this.kindsGeneration;
    // Before start() has refreshed, its own refresh (or one right after it) covers the change.
    // The kinds are looked up in the last discovery: CRDs coming refresh it anyway.
    if (this.started) this.scheduleRefresh(undefined, 0, false);
    return new Promise((resolve) => this.planWaiters.push({ generation, resolve }));
  }

  /** The desired kinds changed after the watch set was last planned (and discovery worked). */
  private planIsStale(): boolean {
    return this.discovered.length > 0 && this.plannedGeneration !== this.kindsGeneration;
  }

  resourceStates(): ResourceSyncState[] {
    const out: ResourceSyncState[] = [];
    // Rows about the cluster rather than one resource: failing, with why.
    const failing = (resource: string, group: string, version: string, message: string): ResourceSyncState => ({
      cluster: this.name, group, version, resource, kind: '', status: 'error', message,
      objects: 0, reasons: [], lastSyncTime: null, watchRestarts: 0, relists: 0,
    });
    if (this.discoveryError) out.push(failing('(discovery)', '', '', this.discoveryError));
    for (const [gv, why] of this.schemaUnread) {
      const { group, version } = groupOf(apiVersionOfOpenApiPath(gv));
      out.push(failing('(OpenAPI schema)', group, version, `${why}: its kinds are compared with the built-in defaults and list keys until it can be read (asked again, backing off)`));
    }
    const rows: { resource: ApiResource; reasons: string[]; informers: SupervisedInformer[] }[] = [...this.watched.values()];
    // The CRD list is a watch of its own (schemas, which groups are custom): forbidden or failing,
    // custom resources lose their defaults and CRDs created later wait for the 5-minute rediscovery.
    if (this.crdInformer && !this.watched.has(keyOfResource(CRD_RESOURCE))) rows.push({ resource: CRD_RESOURCE, reasons: ['custom resource schemas'], informers: [this.crdInformer] });
    for (const w of rows) {
      const states = w.informers.map((i) => i.getState());
      const worst = worstOf(states);
      const lastSync = states.length === 0 ? 0 : Math.min(...states.map((s) => s.lastSyncTime ?? 0));
      // Counters are totals over the resource's informers, those it had before a rewatch included.
      const retired = this.retiredCounters.get(keyOfResource(w.resource));
      out.push({
        cluster: this.name,
        group: w.resource.group,
        version: w.resource.version,
        resource: w.resource.name,
        kind: w.resource.kind,
        status: worst.status,
        ...(worst.message === undefined ? {} : { message: worst.message }),
        objects: states.reduce((n, s) => n + s.objects, 0),
        reasons: w.reasons,
        lastSyncTime: lastSync > 0 ? new Date(lastSync).toISOString() : null,
        watchRestarts: (retired?.watchRestarts ?? 0) + states.reduce((n, s) => n + s.counters.watchRestarts, 0),
        relists: (retired?.relists ?? 0) + states.reduce((n, s) => n + s.counters.relists, 0),
      });
    }
    return out.sort((a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource));
  }

  /**
   * Whether this cluster's state says what is in it and what is not: discovery answers (its last
   * attempt did) and the state is complete. Groups whose discovery did not answer are named by
   * trackedKinds() (`unknownGroups`), for the sweep to leave alone: waiting for every group would
   * leave the history unswept for as long as one aggregated API is down, which can be for good.
   * A cluster that could not be reached at start is ready (done trying) but not this.
   */
  knowsItsObjects(): boolean {
    return this.discoveryError === undefined && this.discovered.length > 0 && this.isComplete();
  }

  /**
   * The tracked kinds (`group/kind`), split by whether every informer of theirs has listed and is
   * watching (the tracker then holds all their objects, in the watched namespaces) or not
   * (forbidden, failing, still listing), and the groups whose discovery did not answer. For the
   * history store's first-sync sweep.
   */
  trackedKinds(): { listed: Set<string>; unknown: Set<string>; unknownGroups: Set<string>; namespaces?: string[] } {
    const listed = new Set<string>();
    const unknown = new Set<string>();
    for (const w of this.watched.values()) {
      if (!w.tracked) continue;
      // A kind of a group that did not answer discovery is watched as the previous discovery had
      // it, and the store leaves its group alone: counted as listed, the runtime would take it for
      // swept, and never sweep it once its group answers.
      const complete = !this.unansweredGroups.has(w.resource.group) && w.informers.length > 0 && w.informers.every((i) => i.getState().hasSynced && i.getState().status === 'synced');
      (complete ? listed : unknown).add(`${w.resource.group}/${w.resource.kind}`);
    }
    // A kind listed in one version and left unlisted in another is not known in full.
    for (const k of unknown) listed.delete(k);
    const namespaces = this.opts.watch.namespaces;
    return { listed, unknown, unknownGroups: new Set(this.unansweredGroups), ...(namespaces ? { namespaces: [...namespaces] } : {}) };
  }

  /**
   * Why a live object's state may be out of date: its kind's watch, synced once, is forbidden or
   * failing now, so the last state seen stands (the informer keeps its cache) without a word.
   */
  staleness(group: string, kind: string, namespace: string): string | undefined {
    const ks = this.kindStatus(group, kind, namespace);
    if (ks === undefined || !ks.synced) return undefined;
    const gk = groupKind(group, kind);
    if (ks.status === 'forbidden') return `the dashboard may no longer list ${gk} (${ks.message ?? 'forbidden'}): this is the last state it saw`;
    if (ks.status === 'error') return `watching ${gk} fails now (${ks.message ?? 'error'}): this state may be out of date`;
    return undefined;
  }

  private kindStatus(group: string, kind: string, namespace: string): KindStatus | undefined {
    const namespaces = this.opts.watch.namespaces;
    for (const w of this.watched.values()) {
      if (w.resource.group !== group || w.resource.kind !== kind || !w.tracked) continue;
      // One informer per watched namespace, in the order of watch.namespaces: the object's own
      // decides (another namespace being forbidden says nothing about this one).
      const at = w.resource.namespaced && namespaces ? namespaces.indexOf(namespace) : -1;
      if (w.resource.namespaced && namespaces && at < 0) {
        // Reporting it missing would claim it is absent; it is only not looked at.
        return { synced: false, status: 'synced', notWatched: `not compared: namespace ${namespace || '(none)'} is not watched (watch.namespaces: ${namespaces.join(', ')})` };
      }
      const informer = at >= 0 ? w.informers[at] : undefined;
      const states = (informer ? [informer] : w.informers).map((i) => i.getState());
      const worst = worstOf(states);
      return { synced: states.every((s) => s.hasSynced), status: worst.status, ...(worst.message ? { message: worst.message } : {}) };
    }
    // Nothing known about the cluster yet: not "does not serve", it could not be asked.
    if (this.discovered.length === 0 && this.discoveryError !== undefined) return { synced: false, status: 'error', message: this.discoveryError };
    // Served, and left out of the watch set: "does not serve" would send the reader looking for a
    // missing CRD or a typo in the manifest.
    const served = this.discovered.find((r) => r.group === group && r.kind === kind);
    if (served) return { synced: false, status: 'synced', notWatched: `not compared: ${groupKind(group, kind)} is not watched (${this.whyNotWatched(served)})` };
    return undefined;
  }

  /** Why a resource the cluster serves is not in the watch set (plan() decides; this says). */
  private whyNotWatched(r: ApiResource): string {
    if (!r.verbs.includes('list') || !r.verbs.includes('watch')) return 'the cluster does not offer list and watch for it';
    const { watch } = this.opts;
    const matches = this.patternMatcher();
    const excludedBy = watch.exclude.find((p) => matches(p, r));
    if (excludedBy !== undefined) return `watch.exclude: ${excludedBy}`;
    if (NEVER_WATCHED.has(keyOfResource(r))) return `${r.name} record activity, not declared state: name it in watch.include to watch it`;
    if (!watch.desiredKinds) return 'watch.desiredKinds is off and watch.include does not name it';
    return 'neither the manifests (watch.desiredKinds) nor watch.include bring it into the watch set';
  }

  /** Whether a watch pattern (`secrets`, `deploy`, `*.example.com`) names a resource, as kubectl get would take it. */
  private patternMatcher(): (pattern: string, r: ApiResource) => boolean {
    if (this.matcher?.of !== this.discovered) {
      const coreNames = new Set<string>();
      for (const r of this.discovered) if (r.group === '') for (const n of [r.name, r.kind.toLowerCase(), ...r.shortNames]) coreNames.add(n);
      this.matcher = { of: this.discovered, matches: (p, r) => resourceMatches(p, r.name, r.group, { shortNames: r.shortNames, kind: r.kind, coreNames }) };
    }
    return this.matcher.matches;
  }

  private untilCrdSettled(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        const s = this.crdInformer?.getState();
        if (!s || s.hasSynced || s.status === 'forbidden' || s.status === 'error') {
          off?.();
          resolve();
        }
      };
      const off = this.crdInformer?.onState(check);
      check();
    });
  }

  /**
   * Runs refreshes one after another: two at once would both reconcile `watched` across their
   * awaits, and one could drop the informer the other just started while it kept running.
   */
  private serially(run: () => Promise<void>): Promise<void> {
    const next = this.refreshing.then(run);
    this.refreshing = next.catch(() => undefined);
    return next;
  }

  /** A refresh `delayMs` from now, debounced (refreshDueAt). */
  private scheduleRefresh(changedCrd: KubeObject | undefined, delayMs = 1000, rediscover = true): void {
    if (this.stopped) return;
    if (changedCrd) this.pendingCrdGroups.add(String((changedCrd.spec as { group?: unknown } | undefined)?.group ?? ''));
    this.pendingRediscovery ||= rediscover;
    const now = Date.now();
    const pending = this.refreshTimer === undefined ? undefined : { due: this.refreshDue, firstAt: this.refreshFirstAt };
    clearTimeout(this.refreshTimer);
    if (!pending) this.refreshFirstAt = now;
    const due = refreshDueAt(now, delayMs, pending);
    this.refreshDue = due;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.serially(() => {
        const rediscovery = this.pendingRediscovery;
        this.pendingRediscovery = false;
        return this.refresh(this.takePendingGroups(), rediscovery ? undefined : this.lastDiscovery());
      }).catch((err: unknown) => {
        this.log(`refresh failed: ${describeKubeError(err)}`);
      });
    }, Math.max(0, due - now));
  }

  /**
   * Discovery failed, whole (the cluster unreachable at start) or for some groups (one group-version
   * timing out under load, an aggregated API down): ask again soon rather than at the 5-minute
   * rediscovery, backing off while it keeps failing.
   */
  private retryDiscovery(): void {
    this.discoveryRetry ??= new Backoff({ initialMs: 2_000, maxMs: 60_000, factor: 2, jitter: 0.3 });
    this.scheduleRefresh(undefined, this.discoveryRetry.next());
  }

  /**
   * What a discovery's failed group-versions mean: their groups are unanswered (the history's sweep
   * leaves them alone), each is asked again soon FAST_DISCOVERY_RETRIES times, and then only with
   * the periodic rediscovery, said once; and once it answers again, that is said too.
   */
  private noteDiscoveryFailures(failures: DiscoveryResult['failures']): void {
    const before = this.failingGroupVersions;
    const now = new Map<string, number>();
    let retrySoon = false;
    for (const f of failures) {
      const n = (before.get(f.groupVersion) ?? 0) + 1;
      now.set(f.groupVersion, n);
      if (n <= FAST_DISCOVERY_RETRIES) {
        retrySoon = true;
        this.log(`discovery of ${f.groupVersion} failed: ${f.message}`);
      } else if (n === FAST_DISCOVERY_RETRIES + 1) {
        this.log(
          `discovery of ${f.groupVersion} failed ${n} times in a row (${f.message}): asked again only with the rediscovery every ${duration(this.opts.rediscoverMs ?? 300_000)}; ` +
            `meanwhile its group keeps what discovery last found, and the history leaves its objects as they were`,
        );
      }
    }
    for (const [gv, n] of before) if (n > FAST_DISCOVERY_RETRIES && !now.has(gv)) this.log(`discovery of ${gv} answers again`);
    this.failingGroupVersions = now;
    // A failure of one version of a group leaves the whole group unknown: which kinds it serves
    // there is what discovery could not say.
    this.unansweredGroups = new Set(failures.map((f) => groupOf(f.groupVersion).group));
    if (retrySoon) this.retryDiscovery();
    // Nothing left to ask soon: a group-version that fails next starts again at the shortest delay.
    else this.discoveryRetry?.reset();
  }

  /**
   * Established CRDs the discovery just asked does not serve yet are asked for again, backing off
   * (CRD_DISCOVERY_RETRIES times, about 30 s), whenever that happens and not only at start: a
   * CRD's refresh may come before the API server serves its group-version, and the kind would
   * otherwise wait for the periodic rediscovery. A CRD newly missing starts the retries over.
   */
  private retryUndiscoveredCrds(): void {
    const discovered = new Set(this.discovered.map(keyOfResource));
    const missing = new Set<string>();
    for (const crd of this.crdInformer?.getState().hasSynced ? this.crdInformer.list() : []) {
      const key = crdKey(crd);
      if (key !== undefined && isEstablished(crd) && !discovered.has(key)) missing.add(key);
    }
    const newlyMissing = [...missing].some((k) => !this.undiscoveredCrds.has(k));
    this.undiscoveredCrds = missing;
    this.crdDiscoveryRetry ??= new Backoff({ initialMs: 1_000, maxMs: 15_000, factor: 2, jitter: 0 });
    if (missing.size === 0 || newlyMissing) {
      this.crdDiscoveryRetry.reset();
      this.crdDiscoveryRetries = 0;
    }
    if (missing.size === 0 || this.crdDiscoveryRetries >= CRD_DISCOVERY_RETRIES) return;
    this.crdDiscoveryRetries++;
    this.scheduleRefresh(undefined, this.crdDiscoveryRetry.next());
  }

  /** The last successful discovery, to plan again without asking the server; undefined when there is none. */
  private lastDiscovery(): ReturnType<typeof discoverResources> | undefined {
    return this.discovered.length > 0 && this.discoveryError === undefined ? Promise.resolve({ resources: this.discovered, failures: [] }) : undefined;
  }

  private takePendingGroups(): Set<string> | undefined {
    if (this.pendingCrdGroups.size === 0) return undefined;
    const g = this.pendingCrdGroups;
    this.pendingCrdGroups = new Set();
    return g;
  }

  /** Rediscovers, reconciles the informers with the watch set, and refreshes the schema. */
  private async refresh(changedGroups: Set<string> | undefined, discovery?: ReturnType<typeof discoverResources>): Promise<void> {
    let covered = this.kindsGeneration;
    try {
      await this.refreshOnce(changedGroups, discovery);
    } finally {
      // Whoever waited for these kinds gets an answer, also when discovery failed (their
      // objects are then reported as not served) or the watcher stopped.
      covered = Math.max(covered, this.plannedGeneration);
      this.resolvePlanWaiters(covered);
    }
  }

  private resolvePlanWaiters(upTo: number): void {
    const waiting = this.planWaiters;
    this.planWaiters = waiting.filter((w) => w.generation > upTo);
    for (const w of waiting) if (w.generation <= upTo) w.resolve();
  }

  private async refreshOnce(changedGroups: Set<string> | undefined, discovery?: ReturnType<typeof discoverResources>): Promise<void> {
    if (this.stopped) return;
    // The server was asked this time (not the last answer planned again).
    let asked = false;
    try {
      const { resources, failures, servedVersions } = await (discovery ?? discoverResources(this.opts.kc));
      // stop() came while discovery was under way: nothing more to watch or arm.
      if (this.stopped) return;
      asked = resources !== this.discovered;
      this.discovered = failures.length === 0 ? resources : withUnanswered(resources, this.discovered, failures);
      if (asked) this.otherVersions.clear();
      if (servedVersions) this.servedVersions = servedVersions;
      this.discoveryError = undefined;
      // A discovery planned again has no failures of its own: what the last one asked stands.
      if (asked) {
        this.noteDiscoveryFailures(failures);
        this.opts.onDiscovery?.();
      }
    } catch (err) {
      if (this.stopped) return;
      this.discoveryError = `discovery failed: ${describeKubeError(err)}`;
      this.log(this.discoveryError);
      this.retryDiscovery();
      if (this.discovered.length === 0) return;
    }
    // The kinds plan() reads are those of every desiredKindsChanged() so far.
    const generation = this.kindsGeneration;
    // Read once: each read goes over every manifest of the cluster.
    const desired = this.opts.desiredKinds();
    await this.discoverManifestVersions(desired);
    const plan = this.plan(desired);
    if (asked) this.retryUndiscoveredCrds();
    for (const [key, w] of this.watched) {
      const p = plan.get(key);
      // Owners of a resource no longer watched as owners go now; one watched again from scratch
      // keeps its owners until its new list says which are still there.
      if (w.owner && !p?.owner) this.tracker.forgetOwners(w.resource.group, w.resource.kind);
      else if (w.owner && p && (p.resource.version !== w.resource.version || p.tracked !== w.tracked)) this.ownerRewatches.add(key);
      if (p && p.resource.version !== w.resource.version && p.tracked === w.tracked && p.owner === w.owner) {
        // Another version of the same resource (a CRD's preferred version moved): the new version's
        // informer lists the same objects. Dropping them first flashed every one as "not served"
        // and restarted its `since`; the objects its first list does not have go once it is in.
        await this.unwatch(w);
        this.watched.delete(key);
        if (w.tracked) this.versionSwaps.add(key);
      } else if (!p || p.resource.version !== w.resource.version) {
        await this.unwatch(w);
        this.watched.delete(key);
        if (w.tracked) this.tracker.dropKind(w.resource.group, w.resource.kind);
      } else if (p.tracked !== w.tracked || p.owner !== w.owner) {
        // Rare (the manifests stopped naming a kind that owners also need): rewatch from scratch.
        await this.unwatch(w);
        this.watched.delete(key);
        if (w.tracked) this.tracker.dropKind(w.resource.group, w.resource.kind);
      } else {
        w.reasons = p.reasons;
      }
    }
    // Lists and schema documents are fetched side by side; evaluation waits for both.
    this.tracker.pause();
    try {
      for (const [key, p] of plan) if (!this.watched.has(key)) this.watch(key, p);
      this.plannedGeneration = generation;
      this.plannedSchema = plan;
      await this.updateSchema(plan, changedGroups);
    } finally {
      this.tracker.resume();
    }
  }

  /** Discovery of the served, non-preferred versions that manifests are written for (once per discovery). */
  private async discoverManifestVersions(desired: ReadonlyMap<string, string>): Promise<void> {
    const wanted = new Set<string>();
    for (const [gk, apiVersion] of desired) {
      const { group, version } = groupOf(apiVersion);
      if (this.otherVersions.has(apiVersion) || !this.servedVersions.get(group)?.includes(version)) continue;
      const preferred = this.discovered.find((r) => groupKind(r.group, r.kind) === gk);
      if (preferred && preferred.apiVersion !== apiVersion) wanted.add(apiVersion);
    }
    await Promise.all(
      [...wanted].map(async (gv) => {
        try {
          this.otherVersions.set(gv, await discoverGroupVersion(this.opts.kc, gv));
        } catch (err) {
          this.otherVersions.set(gv, undefined);
          this.log(`discovery of ${gv} failed: ${describeKubeError(err)}; its manifests are compared with the preferred version`);
        }
      }),
    );
  }

  /** A read for the tracker (versionReads): queued, or why the cluster cannot give the object in that version. */
  private readInVersion(request: VersionReadRequest): string | undefined {
    // Evaluations still running after stop() (held-back slices) read nothing more.
    if (this.stopped) return 'the dashboard is stopping';
    const { group, version } = groupOf(request.apiVersion);
    if (this.servedVersions.get(group)?.includes(version) === false) return `the cluster does not serve ${request.apiVersion}`;
    this.versionReader.request(request);
    return undefined;
  }

  /** The resource that serves `kind` in `apiVersion` (its group-version discovered once per discovery), or why there is none. */
  private async resourceIn(apiVersion: string, kind: string): Promise<ApiResource | string> {
    const resource = this.discovered.find((r) => r.apiVersion === apiVersion && r.kind === kind) ?? (await this.resourcesOf(apiVersion)).find((r) => r.kind === kind);
    if (!resource) return `the cluster does not serve ${kind} in ${apiVersion}`;
    if (!resource.verbs.includes('get')) return `${kind} cannot be read (get) in ${apiVersion}`;
    return resource;
  }

  /**
   * A non-preferred group-version's resources: as discovered since the last discovery (the same
   * record the watch plan reads), or asked now, once for concurrent readers; a failure is asked
   * again by the next read.
   */
  private resourcesOf(groupVersion: string): Promise<ApiResource[]> {
    const known = this.otherVersions.get(groupVersion);
    if (known) return Promise.resolve(known);
    let lookup = this.discovering.get(groupVersion);
    if (!lookup) {
      lookup = discoverGroupVersion(this.opts.kc, groupVersion)
        .then((found) => {
          this.otherVersions.set(groupVersion, found);
          return found;
        })
        .finally(() => this.discovering.delete(groupVersion));
      this.discovering.set(groupVersion, lookup);
    }
    return lookup;
  }

  /** The resource in the version its manifests are written for, when the cluster serves it there. */
  private inManifestVersion(r: ApiResource, desired: ReadonlyMap<string, string>): ApiResource {
    const wanted = desired.get(groupKind(r.group, r.kind));
    if (wanted === undefined || wanted === r.apiVersion) return r;
    const other = this.otherVersions.get(wanted)?.find((o) => o.name === r.name && o.kind === r.kind);
    return other && other.verbs.includes('list') && other.verbs.includes('watch') ? other : r;
  }

  private customResourceKeys(): Set<string> | undefined {
    const s = this.crdInformer?.getState();
    if (!s?.hasSynced) return undefined;
    const out = new Set<string>();
    for (const crd of this.crdInformer?.list() ?? []) {
      const key = crdKey(crd);
      if (key !== undefined) out.add(key);
    }
    return out;
  }

  /** Patterns that match nothing the cluster serves (a typo, a kind not installed): said once each. */
  private warnUnmatchedPatterns(matches: (pattern: string, r: ApiResource) => boolean): void {
    const { include, exclude } = this.opts.watch;
    if (this.discovered.length === 0) return;
    for (const [list, patterns] of [['include', include], ['exclude', exclude]] as const) {
      for (const p of patterns) {
        const key = `${list}:${p}`;
        if (this.warnedPatterns.has(key) || this.discovered.some((r) => matches(p, r))) continue;
        this.warnedPatterns.add(key);
        this.log(`watch.${list}: ${p} matches no resource this cluster serves (resource, resource.group or a short name, as in kubectl get)`);
      }
    }
  }

  private plan(desired: ReadonlyMap<string, string>): Map<string, WatchPlan> {
    const { watch } = this.opts;
    this.plannedKinds = desired;
    const crs = this.customResourceKeys();
    const matches = this.patternMatcher();
    this.warnUnmatchedPatterns(matches);
    const listable = this.discovered.filter((r) => r.verbs.includes('list') && r.verbs.includes('watch'));
    // Why each resource the watch set takes is watched, by key.
    const tracked = new Map<string, string[]>();
    for (const r of listable) {
      const key = keyOfResource(r);
      const reasons: string[] = [];
      if (watch.pods && r.group === '' && r.name === 'pods') reasons.push('pods');
      const isCustom = crs ? crs.has(key) : r.group.includes('.') && !r.group.endsWith('.k8s.io');
      if (watch.customResources && isCustom) reasons.push('custom resource');
      if (watch.desiredKinds && desired.has(groupKind(r.group, r.kind))) reasons.push('in desired manifests');
      if (watch.include.some((p) => matches(p, r))) reasons.push('included');
      const excluded = watch.exclude.some((p) => matches(p, r)) || (NEVER_WATCHED.has(key) && !reasons.includes('included'));
      if (reasons.length > 0 && !excluded) tracked.set(key, reasons);
    }
    // Pods' controllers are watched when Pods end up watched, whichever way (`pods`, included,
    // declared), so that they can be judged against their templates; not when Pods are excluded.
    const ownerTemplates = this.opts.tracker.sources.includes('owner-template') && tracked.has('pods');
    const out = new Map<string, WatchPlan>();
    for (const r of listable) {
      const key = keyOfResource(r);
      const reasons = tracked.get(key);
      const owner = ownerTemplates && isTemplateOwnerKind(r.group, r.kind);
      if (reasons === undefined && !owner) continue;
      out.set(key, { resource: reasons !== undefined ? this.inManifestVersion(r, desired) : r, reasons: reasons ?? ['pod owners'], tracked: reasons !== undefined, owner });
    }
    return out;
  }

  /**
   * The OpenAPI documents (`apis/apps/v1`) the plan's tracked built-in kinds need and that are not
   * loaded yet: `fresh`, never asked for, and `unread`, asked for and failed (asked again only by
   * their retry timer, never under a refresh's pause: a request that may time out again would hold
   * every evaluation, and a manifest edit waiting for its refresh, for its whole timeout).
   */
  private schemaWanted(plan: Map<string, WatchPlan>): { fresh: string[]; unread: string[] } {
    const wanted = new Set<string>();
    const crs = this.customResourceKeys();
    for (const [key, p] of plan) if (p.tracked && !crs?.has(key)) wanted.add(openApiPathOf(p.resource.apiVersion));
    // A kind no longer watched needs its document no more, nor a word about it.
    for (const gv of this.schemaUnread.keys()) if (!wanted.has(gv)) this.schemaUnread.delete(gv);
    const missing = [...wanted].filter((gv) => !this.openApiLoaded.has(gv));
    return { fresh: missing.filter((gv) => !this.schemaUnread.has(gv)), unread: missing.filter((gv) => this.schemaUnread.has(gv)) };
  }

  /** Loads OpenAPI documents; returns the groups of those that arrived (their objects are compared again). */
  private async loadSchemaDocuments(groupVersions: string[]): Promise<Set<string>> {
    const loaded = new Set<string>();
    if (groupVersions.length === 0) return loaded;
    // CRDs come from the informer, not from another list.
    const { documents, warnings, unread } = await loadClusterSchemaDocuments(this.opts.kc, { groupVersions, crds: false });
    for (const w of warnings) this.log(`schema: ${w}`);
    if (documents.length > 0) this.openApi.push(clusterSchemaProvider(documents, []));
    for (const gv of groupVersions) {
      if (unread.has(gv)) continue;
      // Loaded, or refused for good (403, 404: a warning above; the built-in table it is).
      this.openApiLoaded.add(gv);
      this.schemaUnread.delete(gv);
      loaded.add(groupOf(apiVersionOfOpenApiPath(gv)).group);
    }
    for (const [gv, why] of unread) this.schemaUnread.set(gv, why);
    if (unread.size === 0) {
      this.schemaRetry?.reset();
      return loaded;
    }
    // Until then list keys and defaults of these kinds come from the engine's built-in table.
    // A refresh under way when stop() came: the timer it would arm now would outlive the watcher.
    if (this.stopped) return loaded;
    this.schemaRetry ??= new Backoff({ initialMs: 5_000, maxMs: 300_000, factor: 2, jitter: 0.3 });
    const delay = this.schemaRetry.next();
    this.log(`schema: ${[...unread.keys()].join(', ')} asked for again in ${Math.round(delay / 1000)} s; meanwhile their kinds are compared with the built-in defaults and list keys`);
    clearTimeout(this.schemaRetryTimer);
    this.schemaRetryTimer = setTimeout(() => {
      this.schemaRetryTimer = undefined;
      this.serially(() => this.retrySchema()).catch((err: unknown) => this.log(`schema: ${describeKubeError(err)}`));
    }, delay);
    this.schemaRetryTimer.unref();
    return loaded;
  }

  /** The retry timer: the documents that failed, asked for again beside the evaluations, not ahead of them. */
  private async retrySchema(): Promise<void> {
    if (this.stopped || !this.plannedSchema) return;
    const affected = await this.loadSchemaDocuments(this.schemaWanted(this.plannedSchema).unread);
    if (affected.size > 0) this.applySchema(affected);
  }

  private async updateSchema(plan: Map<string, WatchPlan>, changedGroups: Set<string> | undefined): Promise<void> {
    const affected = new Set(changedGroups);
    for (const g of await this.loadSchemaDocuments(this.schemaWanted(plan).fresh)) affected.add(g);
    // Rediscovery and changed manifests leave the schema as it was: nothing to re-prepare.
    if (this.schemaSet && affected.size === 0) return;
    this.applySchema(this.schemaSet ? affected : undefined);
  }

  /** Hands the tracker the schema; `affected` groups' objects (undefined: all) are prepared and compared again. */
  private applySchema(affected: Set<string> | undefined): void {
    this.schemaSet = true;
    const crdProvider = crdSchemaProvider(this.crdInformer?.list() ?? []);
    // Paused around it, so that a group's objects are compared again in slices, the event loop
    // free between them (all core objects, Pods included, when api/v1 arrives late).
    this.tracker.pause();
    try {
      this.tracker.setSchema(combineSchemaProviders(crdProvider, ...this.openApi), affected);
    } finally {
      this.tracker.resume();
    }
  }

  private watch(key: string, p: WatchPlan): void {
    const namespaces = p.resource.namespaced && this.opts.watch.namespaces ? this.opts.watch.namespaces : [undefined];
    const w: Watched = { ...p, informers: [], unsubscribe: [] };
    for (const namespace of namespaces) {
      const informer = new SupervisedInformer(this.opts.kc, {
        ...this.opts.informer,
        resource: p.resource,
        ...(namespace ? { namespace } : {}),
      });
      w.unsubscribe.push(
        informer.onEvent((e) => {
          if (e.type === 'synced') {
            if (w.tracked && this.versionSwaps.has(key) && w.informers.every((i) => i.getState().hasSynced)) {
              this.versionSwaps.delete(key);
              this.tracker.retainKind(p.resource.group, p.resource.kind, w.informers.flatMap((i) => i.list()));
            }
            if (w.owner && this.ownerRewatches.has(key) && w.informers.every((i) => i.getState().hasSynced)) {
              this.ownerRewatches.delete(key);
              this.tracker.retainOwners(p.resource.group, p.resource.kind, w.informers.flatMap((i) => i.list()));
            }
            if (w.tracked) this.tracker.reevaluateKind(p.resource.group, p.resource.kind);
            return;
          }
          if (e.source === 'watch' && e.type !== 'deleted') {
            const lag = writeLagSeconds(e.object, e.previous);
            if (lag !== undefined) this.lag.observe(lag);
          }
          if (w.tracked && this.opts.onLiveWrite) {
            this.opts.onLiveWrite({ cluster: this.name, type: e.type, object: e.object, ...(e.previous ? { previous: e.previous } : {}), source: e.source });
          }
          if (e.type === 'deleted') {
            if (w.tracked) this.tracker.deleteLive(e.object);
            if (w.owner) this.tracker.deleteOwner(e.object);
          } else {
            // Owners first: a Pod and its ReplicaSet may arrive in one relist.
            if (w.owner) this.tracker.upsertOwner(e.object);
            if (w.tracked) this.tracker.upsertLive(e.object);
          }
        }),
        informer.onState((s) => {
          if (s.status === 'forbidden' || s.status === 'error') this.log(`${s.resource}: ${s.status}: ${s.message ?? ''}`);
          if (w.tracked) this.tracker.reevaluateKind(p.resource.group, p.resource.kind);
        }),
      );
      w.informers.push(informer);
      informer.start();
    }
    this.watched.set(key, w);
  }

  private async unwatch(w: Watched): Promise<void> {
    for (const u of w.unsubscribe) u();
    await Promise.all(w.informers.map((i) => i.stop()));
    // Counted after stop(): the informers count nothing more. A rewatch's new informers start at 0
    // under the same metric labels, and a counter that goes down reads as a process restart.
    const key = keyOfResource(w.resource);
    const total = this.retiredCounters.get(key) ?? { watchRestarts: 0, relists: 0 };
    for (const i of w.informers) {
      const { counters } = i.getState();
      total.watchRestarts += counters.watchRestarts;
      total.relists += counters.relists;
    }
    this.retiredCounters.set(key, total);
  }

  /** Informer counters summed per resource, for metrics. */
  informerStates(): { resource: ApiResource; tracked: boolean; states: InformerState[] }[] {
    return [...this.watched.values()].map((w) => ({ resource: w.resource, tracked: w.tracked, states: w.informers.map((i) => i.getState()) }));
  }
}

function worstOf(states: InformerState[]): { status: ResourceSyncState['status']; message?: string } {
  const order: ResourceSyncState['status'][] = ['forbidden', 'error', 'syncing', 'synced'];
  for (const status of order) {
    const s = states.find((x) => x.status === status);
    if (s) return { status, ...(s.message === undefined ? {} : { message: s.message }) };
  }
  return { status: 'syncing' };
}

/** A CRD's resource key (`widgets.example.com`), as keyOfResource() gives it for what discovery serves. */
function crdKey(crd: KubeObject): string | undefined {
  const spec = crd.spec as { group?: unknown; names?: { plural?: unknown } } | undefined;
  return typeof spec?.group === 'string' && spec.group !== '' && typeof spec.names?.plural === 'string' && spec.names.plural !== '' ? `${spec.names.plural}.${spec.group}` : undefined;
}

/** Only an established CRD is served: one that is not (a name conflict) never shows in discovery. */
function isEstablished(crd: KubeObject): boolean {
  const conditions = (crd.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(conditions) && conditions.some((c: { type?: unknown; status?: unknown } | null) => c?.type === 'Established' && c.status === 'True');
}

/** `300_000` → `5 min`, `1_000` → `1 s`: for the log. */
function duration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

function sameMap(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/**
 * Each kind the manifests declare, with the apiVersion most of its manifests are written for (ties:
 * the first in sort order). Such a kind is watched in that version when the cluster serves it: the
 * engine compares within one version, so an autoscaling/v1 manifest read against the autoscaling/v2
 * object would show the fields the two versions name differently as drift.
 */
export function desiredKindVersions(objects: ReadonlyArray<{ manifest: KubeObject }>): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const { manifest } of objects) {
    const apiVersion = manifest.apiVersion ?? '';
    const gk = groupKind(groupOf(apiVersion).group, manifest.kind ?? '');
    let byVersion = counts.get(gk);
    if (!byVersion) counts.set(gk, (byVersion = new Map()));
    byVersion.set(apiVersion, (byVersion.get(apiVersion) ?? 0) + 1);
  }
  const out = new Map<string, string>();
  for (const [gk, byVersion] of counts) {
    const [best] = [...byVersion].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (best) out.set(gk, best[0]);
  }
  return out;
}
