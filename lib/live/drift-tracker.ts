/**
 * The drift state of one cluster: live objects and desired objects in, one ObjectDriftState per
 * object out, recomputed only when one side really changed. No I/O: the cluster watcher feeds it
 * informer events, the manifest watcher feeds it desired objects, and tests feed it directly.
 */
import { diffPrepared, isCrossVersionWarning, prepareDesired, type DiffOptions, type FieldChange, type PreparedDesired, type SchemaProvider } from '../drift';
import { redactionDigest } from '../drift/secrets';
import { lastAppliedDesired } from '../desired/last-applied';
import { controllerRefOf, isTemplateOwnerKind, ownerDeletedMessage, ownerTemplateInputs } from '../desired/owner-template';
import type { OwnerRefSummary } from '../desired/types';
import { deepEqual, type KubeObject } from '../kube/cache-diff';
import {
  groupKind,
  groupOf,
  objectId,
  type DesiredObject,
  type DesiredSource,
  type DesiredSourceType,
  type DriftChange,
  type DriftStatus,
  type ObjectDriftState,
} from './types';
import { movedKindHint } from './removed-apis';
import { VersionReads, type VersionRead, type VersionReadClient } from './version-reads';

const RESUME_SLICE_MS = 40;

/** A desired state built from the live side (a Pod's owner template), or why there is none. */
export type BuiltDesired = { ok: true; manifest: KubeObject; revision: string; warnings: ReadonlyArray<string> } | { ok: false; message: string };

/**
 * Builds a Pod's desired state from its controller's pod template; `owner` is undefined when the
 * controller is not known (not watched, or gone). undefined: the Pod has no template owner.
 */
export type OwnerTemplateBuilder = (pod: KubeObject, owner: KubeObject | undefined) => BuiltDesired | undefined;

/** What the tracker knows about a kind in this cluster, from discovery and the informers. */
export interface KindStatus {
  /** The kind's informer completed its first list: absence now means absent. */
  synced: boolean;
  status: 'syncing' | 'synced' | 'forbidden' | 'error';
  message?: string;
  /** The kind is watched, but not in the namespace asked about (`watch.namespaces`): why not. */
  notWatched?: string;
}

export interface DriftTrackerOptions {
  cluster: string;
  /** Order in which sources are tried for a live object. */
  sources: ReadonlyArray<DesiredSourceType>;
  /** Ignore rules and the like; `fieldManager` applies to the manifest-dir source only. */
  diffOptions: DiffOptions;
  ownerTemplate?: OwnerTemplateBuilder;
  /** undefined: the cluster does not serve this kind (or it is not watched). `namespace`: '' for cluster-scoped objects. */
  kindStatus: (group: string, kind: string, namespace: string) => KindStatus | undefined;
  onEvent: (event: DriftChange) => void;
  now?: () => Date;
  /**
   * Prepared desired objects kept for re-evaluation, most recently used first. The engine's
   * prepared form is tens of KiB per object (a compiled tree), many times the manifest: kept for
   * every object it was most of the dashboard's memory, while most objects are evaluated once and
   * then only when they change. An object's prepared form is kept from its third evaluation on
   * (kept earlier, the initial sync and the objects that change once would churn through the
   * cache and the old generation of the heap). Default 256.
   */
  preparedCacheSize?: number;
  /** Longest run of held-back evaluations between turns of the event loop (see resume()). Default 40 ms. */
  resumeSliceMs?: number;
  /**
   * Reads objects in the version their desired state is written for when their kind is watched in
   * another (lib/live/version-reads.ts says why); answers come through liveInVersion(). Without
   * it, such objects are compared across versions, with the engine's warning.
   */
  versionReads?: VersionReadClient;
}

interface LiveEntry {
  obj: KubeObject;
  group: string;
  version: string;
  kind: string;
}

interface PreparedEntry {
  key: string;
  prepared: PreparedDesired;
}

/**
 * The desired state an object is compared with, if any source gave one, and what the user should
 * know about how it was found: why a source that applied could not be used (an annotation that is
 * not JSON, an owner that is gone) and the chosen source's caveats (a rollout in progress).
 */
type Resolution = { desired: DesiredObject; options: DiffOptions; notes: string[] } | { desired: undefined; notes: string[] };

function labelsOf(obj: KubeObject | undefined): Record<string, string> {
  const l = obj?.metadata.labels;
  if (typeof l !== 'object' || l === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(l)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Whether an object (an owner, as cached) is of this kind of this API group. */
function isOfKind(o: KubeObject, group: string, kind: string): boolean {
  return o.kind === kind && groupOf(o.apiVersion).group === group;
}

/** The Pod's controller when its pod template is the Pod's desired state (a ReplicaSet, a Job, …). */
function templateOwnerOf(pod: KubeObject): OwnerRefSummary | undefined {
  const ref = controllerRefOf(pod);
  if (ref === undefined || !isTemplateOwnerKind(groupOf(ref.apiVersion).group, ref.kind)) return undefined;
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid };
}

/**
 * A Secret manifest's revision as shown and stored: a plain hash of content that holds the Secret's
 * values would let anyone who reads it test guesses of them, so it is keyed like the markers.
 */
function secretRevision(revision: string): string {
  return redactionDigest(revision);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class DriftTracker {
  private readonly live = new Map<string, LiveEntry>();
  private readonly manifests = new Map<string, DesiredObject>();
  private readonly owners = new Map<string, KubeObject>();
  /**
   * Owners deleted while Pods of theirs are still live, by uid, as last seen. The garbage collector
   * deletes the Pods after their owner (background cascade: `kubectl delete deploy`, Job TTL,
   * CronJob history): judged without it, each Pod flipped to unmanaged, restarted its `since` and
   * wrote history moments before going. Kept only while some Pod refers to it (releaseOwner()).
   */
  private readonly deletedOwners = new Map<string, KubeObject>();
  private readonly podsByOwner = new Map<string, Set<string>>();
  private readonly states = new Map<string, ObjectDriftState>();
  /** id → prepared desired, in least recently used order (a Map keeps insertion order). */
  private readonly prepared = new Map<string, PreparedEntry>();
  private readonly preparedCacheSize: number;
  /** Ids prepared once since their first evaluation (oldest first): a second time gets them cached. */
  private readonly recentlyPrepared = new Set<string>();
  private schema: SchemaProvider | undefined;
  /** Bumped when the whole schema changes; per group when only some groups' schemas changed. */
  private schemaGeneration = 0;
  private readonly groupGenerations = new Map<string, number>();
  private options: { schema: SchemaProvider | undefined; manifest: DiffOptions; other: DiffOptions } | undefined;
  private readonly now: () => Date;
  /** Evaluations run (for metrics and tests that check nothing is recomputed needlessly). */
  evaluations = 0;
  private pauseDepth = 0;
  private stateRevision = 0;
  private readonly deferred = new Set<string>();
  private sliceScheduled = false;
  /** Objects read in their desired state's version (see versionReads). */
  private readonly reads: VersionReads | undefined;

  constructor(private readonly opts: DriftTrackerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.preparedCacheSize = Math.max(0, opts.preparedCacheSize ?? 256);
    this.reads = opts.versionReads ? new VersionReads(opts.versionReads) : undefined;
  }

  get cluster(): string {
    return this.opts.cluster;
  }

  private idOf(group: string, kind: string, namespace: string | undefined, name: string): string {
    return objectId({ cluster: this.opts.cluster, group, kind, namespace: namespace ?? '', name });
  }

  /** A live object was added or really changed. */
  upsertLive(obj: KubeObject): void {
    const { group, version } = groupOf(obj.apiVersion);
    const kind = obj.kind ?? '';
    const id = this.idOf(group, kind, obj.metadata.namespace, obj.metadata.name);
    const before = this.live.get(id);
    // A Pod can change controller (orphaned, adopted): it is no longer its old owner's.
    const formerOwner = before?.kind === 'Pod' && before.group === '' ? this.unindexPod(id, before.obj) : undefined;
    this.live.set(id, { obj, group, version, kind });
    if (kind === 'Pod' && group === '') this.indexPod(id, obj);
    // After indexing again: the same Pod updated still refers to its deleted owner.
    if (formerOwner !== undefined) this.releaseOwner(formerOwner);
    this.evaluate(id);
  }

  deleteLive(obj: KubeObject): void {
    const { group } = groupOf(obj.apiVersion);
    const id = this.idOf(group, obj.kind ?? '', obj.metadata.namespace, obj.metadata.name);
    const entry = this.live.get(id);
    if (!entry) return;
    this.live.delete(id);
    this.reads?.forget(id);
    const formerOwner = entry.kind === 'Pod' ? this.unindexPod(id, entry.obj) : undefined;
    if (formerOwner !== undefined) this.releaseOwner(formerOwner);
    this.evaluate(id);
  }

  /** Forgets every live object of a kind (its informer stopped: the kind is no longer watched). */
  dropKind(group: string, kind: string): void {
    for (const [id, e] of this.live) if (e.group === group && e.kind === kind) this.deleteLive(e.obj);
    this.reevaluateKind(group, kind);
  }

  /** Forgets the live objects of a kind that are not among `listed` (a new informer's first list). */
  retainKind(group: string, kind: string, listed: ReadonlyArray<KubeObject>): void {
    const keep = new Set(listed.map((o) => this.idOf(group, kind, o.metadata.namespace, o.metadata.name)));
    for (const [id, e] of this.live) if (e.group === group && e.kind === kind && !keep.has(id)) this.deleteLive(e.obj);
  }

  /** A kind's informer changed state (synced, forbidden, …): desired objects of it may now be missing or errors. */
  reevaluateKind(group: string, kind: string): void {
    const gk = groupKind(group, kind);
    for (const [id, d] of this.manifests) {
      const g = groupOf(d.manifest.apiVersion).group;
      if (!this.live.has(id) && groupKind(g, d.manifest.kind ?? '') === gk) this.evaluate(id);
    }
  }

  /** Replaces the manifest-dir desired objects (keyed by what `desiredId` gives) and re-evaluates what changed. */
  replaceManifests(desired: ReadonlyArray<DesiredObject>): void {
    const next = new Map<string, DesiredObject>();
    for (const d of desired) next.set(this.desiredId(d), d);
    const touched: string[] = [];
    const moved: string[] = [];
    for (const [id, d] of next) {
      const before = this.manifests.get(id);
      // A manifest kept from its file's last load (the file has an error now), or no longer: its
      // state says so in its warnings, so it is judged again.
      if (before?.revision !== d.revision || before.source.stale !== d.source.stale) touched.push(id);
      else if (!deepEqual(before.source, d.source)) moved.push(id);
    }
    for (const id of this.manifests.keys()) if (!next.has(id)) touched.push(id);
    this.manifests.clear();
    for (const [id, d] of next) this.manifests.set(id, d);
    // Another directory, file, line or commit, the same content: nothing to compare again, and the
    // verdict (and its `since`) stands; the state only shows where the manifest is now. A commit that
    // touches no manifest moves every object's source, so re-evaluating here would re-diff them all.
    for (const id of moved) {
      const state = this.states.get(id);
      if (state?.source?.type !== 'manifest-dir' || this.deferred.has(id)) continue;
      state.source = (next.get(id) as DesiredObject).source;
      this.stateRevision++;
    }
    for (const id of touched) this.evaluate(id);
  }

  desiredId(d: DesiredObject): string {
    const { group } = groupOf(d.manifest.apiVersion);
    return this.idOf(group, d.manifest.kind ?? '', d.manifest.metadata.namespace, d.manifest.metadata.name);
  }

  /** A controller (ReplicaSet, StatefulSet, …) changed: its Pods' desired state may have too. */
  upsertOwner(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const before = this.owners.get(uid);
    this.owners.set(uid, obj);
    // Listed again after all (a relist that found it): its Pods lose the "deleted" warning.
    const revived = this.deletedOwners.delete(uid);
    // Controllers write their status on every Pod they start or see ready, and scaling moves
    // spec.replicas (and the generation) without touching a Pod: re-evaluating all their Pods each
    // time made a rollout of n Pods cost n² evaluations.
    if (!revived && before && sameTemplateInputs(before, obj)) return;
    for (const pod of this.podsByOwner.get(uid) ?? []) this.evaluate(pod);
  }

  deleteOwner(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    const last = uid ? this.owners.get(uid) : undefined;
    if (!uid || !last) return;
    this.owners.delete(uid);
    const pods = this.podsByOwner.get(uid);
    if (!pods || pods.size === 0) return;
    // Its Pods are about to be garbage-collected: their verdict (and `since`) stands against the
    // template they were judged by, and the state says why the owner is no longer there.
    this.deletedOwners.set(uid, last);
    for (const pod of pods) this.evaluate(pod);
  }

  /**
   * Forgets the owners of a kind that are not among `listed`: its informer stopped (Pods are no
   * longer watched: nothing) or was started again and has listed (an owner deleted in between
   * would otherwise stay, its Pods judged against its last template without a word). Each goes
   * as deleteOwner() would take it: kept, saying so, while Pods of its are still live.
   */
  retainOwners(group: string, kind: string, listed: ReadonlyArray<KubeObject>): void {
    const keep = new Set(listed.map((o) => o.metadata.uid));
    for (const o of [...this.owners.values()]) if (isOfKind(o, group, kind) && !keep.has(o.metadata.uid)) this.deleteOwner(o);
    // A bound on tombstones whatever path led to one: unlisted and referred to by no Pod, it goes.
    for (const [uid, o] of [...this.deletedOwners]) if (isOfKind(o, group, kind) && !keep.has(uid)) this.releaseOwner(uid);
  }

  /**
   * Forgets every owner of a kind no longer watched as owners: not deleted (no tombstone, no
   * "was deleted" on their Pods), only no longer known, which their Pods then say.
   */
  forgetOwners(group: string, kind: string): void {
    const pods = new Set<string>();
    for (const [uid, o] of [...this.owners, ...this.deletedOwners]) {
      if (!isOfKind(o, group, kind)) continue;
      this.owners.delete(uid);
      this.deletedOwners.delete(uid);
      for (const pod of this.podsByOwner.get(uid) ?? []) pods.add(pod);
    }
    for (const pod of pods) this.evaluate(pod);
  }

  /** New schema knowledge (CRDs came or changed): re-prepare and re-evaluate the affected objects. */
  setSchema(schema: SchemaProvider, affectedGroups?: ReadonlySet<string>): void {
    this.schema = schema;
    // Prepared desired objects of other groups stay valid: only the affected ones are redone.
    if (affectedGroups) for (const g of affectedGroups) this.groupGenerations.set(g, (this.groupGenerations.get(g) ?? 0) + 1);
    else {
      this.schemaGeneration++;
      this.groupGenerations.clear();
    }
    for (const id of this.allIds()) {
      const group = this.live.get(id)?.group ?? (this.manifests.get(id) ? groupOf(this.manifests.get(id)?.manifest.apiVersion).group : '');
      if (!affectedGroups || affectedGroups.has(group)) this.evaluate(id);
    }
  }

  /**
   * Holds evaluations back (they are remembered, each once) until resume(): while the first lists,
   * the manifests and the cluster schema arrive at the same time, evaluating as they come would
   * judge objects against half the inputs and publish verdicts only to revise them a moment later.
   */
  pause(): void {
    this.pauseDepth++;
  }

  /** Evaluations are being held back (see pause()), or the held-back ones have not all run yet. */
  get paused(): boolean {
    return this.pauseDepth > 0 || this.deferred.size > 0;
  }

  /** Objects without a state yet wait for their read in another version (versionReads). */
  get reading(): boolean {
    return this.reads?.reading ?? false;
  }

  /** The answer to a versionReads request (VersionReads.answer() says which count). */
  liveInVersion(id: string, apiVersion: string, forRv: string | undefined, result: VersionRead): void {
    if (this.reads?.answer(id, apiVersion, forRv, result, this.live.get(id)?.obj)) this.evaluate(id);
  }

  /** Reads under way will not be answered (the watcher stopped): they are asked again when next needed. */
  cancelReads(): void {
    this.reads?.cancelPending();
  }

  /**
   * Runs the held-back evaluations, in slices (resumeSliceMs) with the event loop free in
   * between. At a first sync they are thousands (1.3 s of work at 15,000 objects): run in one go,
   * the list pages that arrive meanwhile waited, and the API server, which prepares each next page
   * only when asked, sat idle. Until the last has run, evaluations of other changes queue behind
   * them (in order, each object once) and `paused` stays true.
   */
  resume(): void {
    if (this.pauseDepth === 0 || --this.pauseDepth > 0) return;
    this.runDeferred();
  }

  private runDeferred(): void {
    const until = performance.now() + (this.opts.resumeSliceMs ?? RESUME_SLICE_MS);
    let n = 0;
    for (const id of this.deferred) {
      this.deferred.delete(id);
      this.evaluateNow(id);
      if (this.pauseDepth > 0) return;
      if ((++n & 31) === 0 && performance.now() > until) break;
    }
    if (this.deferred.size === 0 || this.sliceScheduled) return;
    this.sliceScheduled = true;
    setImmediate(() => {
      this.sliceScheduled = false;
      // A pause() meanwhile: its resume() goes on from here.
      if (this.pauseDepth === 0) this.runDeferred();
    });
  }

  get(id: string): ObjectDriftState | undefined {
    return this.states.get(id);
  }

  /**
   * Moves whenever any state is stored, updated in place or removed: a reader that keeps something
   * derived from list() (the drift list's response cache) may reuse it while this stays the same.
   */
  get revision(): number {
    return this.stateRevision;
  }

  list(): ObjectDriftState[] {
    return [...this.states.values()];
  }

  /** The desired manifest and live object behind a state, for the detail view. */
  inputsOf(id: string): { desired?: DesiredObject; live?: KubeObject } {
    const live = this.live.get(id);
    const desired = this.resolve(id, live).desired;
    const read = live && desired ? this.reads?.shown(id, desired.manifest.apiVersion, live.obj) : undefined;
    return { desired, live: read ?? live?.obj };
  }

  /** Objects with a drift state. */
  get size(): number {
    return this.states.size;
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** Deleted owners kept while their Pods await garbage collection (for metrics and tests). */
  get deletedOwnerCount(): number {
    return this.deletedOwners.size;
  }

  private allIds(): Set<string> {
    return new Set([...this.live.keys(), ...this.manifests.keys()]);
  }

  private indexPod(id: string, pod: KubeObject): void {
    const owner = templateOwnerOf(pod);
    if (!owner) return;
    let s = this.podsByOwner.get(owner.uid);
    if (!s) this.podsByOwner.set(owner.uid, (s = new Set()));
    s.add(id);
  }

  /** Returns the uid of the owner the Pod was indexed under, for releaseOwner(). */
  private unindexPod(id: string, pod: KubeObject): string | undefined {
    const owner = templateOwnerOf(pod);
    if (!owner) return undefined;
    const s = this.podsByOwner.get(owner.uid);
    s?.delete(id);
    if (s?.size === 0) this.podsByOwner.delete(owner.uid);
    return owner.uid;
  }

  /** Forgets a deleted owner once no Pod refers to it: nothing can be judged against it any more. */
  private releaseOwner(uid: string): void {
    if (!this.podsByOwner.has(uid)) this.deletedOwners.delete(uid);
  }

  /** Diff options with the current schema: as configured (manifest-dir), and without the field manager (other sources). */
  private optionsFor(): { manifest: DiffOptions; other: DiffOptions } {
    if (this.options === undefined || this.options.schema !== this.schema) {
      const base = this.opts.diffOptions;
      this.options = { schema: this.schema, manifest: { ...base, schema: this.schema }, other: { ...base, fieldManager: undefined, schema: this.schema } };
    }
    return this.options;
  }

  private resolve(id: string, live: LiveEntry | undefined): Resolution {
    const { manifest: manifestOptions, other: withoutManager } = this.optionsFor();
    const notes: string[] = [];
    for (const type of this.opts.sources) {
      if (type === 'manifest-dir') {
        const d = this.manifests.get(id);
        if (d) return { desired: d, options: manifestOptions, notes: d.source.stale !== undefined ? [d.source.stale] : notes };
      } else if (type === 'last-applied' && live) {
        const r = lastAppliedDesired(live.obj);
        if (r === undefined) continue;
        if (!r.ok) {
          notes.push(r.message);
          continue;
        }
        return { desired: { manifest: r.desired.manifest as unknown as KubeObject, source: { type: 'last-applied' }, revision: r.desired.revision }, options: withoutManager, notes };
      } else if (type === 'owner-template' && live && live.kind === 'Pod' && this.opts.ownerTemplate) {
        const ref = templateOwnerOf(live.obj);
        if (!ref) continue;
        const current = this.owners.get(ref.uid);
        const deleted = current === undefined ? this.deletedOwners.get(ref.uid) : undefined;
        const r = this.opts.ownerTemplate(live.obj, current ?? deleted);
        if (r === undefined) continue;
        if (deleted !== undefined) notes.push(ownerDeletedMessage(ref));
        if (!r.ok) {
          notes.push(r.message);
          continue;
        }
        return {
          desired: { manifest: r.manifest, source: { type: 'owner-template', owner: ref }, revision: r.revision },
          options: withoutManager,
          notes: [...notes, ...r.warnings],
        };
      }
    }
    return { desired: undefined, notes };
  }

  private preparedFor(id: string, r: Resolution & { desired: DesiredObject }, evaluatedBefore: boolean): PreparedDesired {
    const group = groupOf(r.desired.manifest.apiVersion).group;
    const key = `${r.desired.source.type}|${r.desired.revision}|${this.schemaGeneration}.${this.groupGenerations.get(group) ?? 0}`;
    const hit = this.prepared.get(id);
    if (hit !== undefined) this.prepared.delete(id);
    if (hit?.key === key) {
      this.prepared.set(id, hit);
      return hit.prepared;
    }
    // Kept only for objects that come back: one change after the initial sync is the common case
    // (and a kept prepared object that is dropped later is old-generation garbage, the costly kind).
    const cacheable = this.preparedCacheSize > 0 && evaluatedBefore;
    const kept = cacheable && this.recentlyPrepared.has(id);
    const prepared = prepareDesired(r.desired.manifest, r.options, { once: !kept });
    if (kept) {
      this.recentlyPrepared.delete(id);
      this.prepared.set(id, { key, prepared });
      if (this.prepared.size > this.preparedCacheSize) this.prepared.delete(this.prepared.keys().next().value as string);
    } else if (cacheable) {
      this.recentlyPrepared.add(id);
      if (this.recentlyPrepared.size > 4 * this.preparedCacheSize) this.recentlyPrepared.delete(this.recentlyPrepared.values().next().value as string);
    }
    return prepared;
  }

  /**
   * `watched` as compared with a desired state written for `apiVersion`: as watched (the same
   * version, or one the cluster cannot give: then with a note that replaces the engine's warning),
   * as read in that version, or not yet ('pending').
   */
  private subjectIn(id: string, watched: LiveEntry, apiVersion: string | undefined, notes: string[]): LiveEntry | 'pending' | 'noted' | undefined {
    const watchedAs = watched.obj.apiVersion;
    if (!this.reads || !apiVersion || !watchedAs || apiVersion === watchedAs) {
      this.reads?.forget(id);
      return undefined;
    }
    const { metadata } = watched.obj;
    const request = { id, apiVersion, group: watched.group, kind: watched.kind, namespace: metadata.namespace, name: metadata.name, resourceVersion: metadata.resourceVersion };
    const s = this.reads.subject(request, watched.obj, this.states.has(id));
    if (s.as === 'pending') return 'pending';
    if (s.as === 'read') return { obj: s.object, group: watched.group, version: groupOf(apiVersion).version, kind: watched.kind };
    notes.push(`compared as watched (${watchedAs}), not as ${apiVersion} (${s.why ?? 'not read'}): fields the two versions name differently may show as drift`);
    return 'noted';
  }

  private evaluate(id: string): void {
    if (this.pauseDepth > 0 || this.deferred.size > 0) {
      this.deferred.add(id);
      return;
    }
    this.evaluateNow(id);
  }

  private evaluateNow(id: string): void {
    this.evaluations++;
    const watched = this.live.get(id);
    const resolved = this.resolve(id, watched);
    const desired = resolved.desired;
    // Compared in the version the desired state is written for when the kind is watched in another.
    let live = watched;
    let acrossVersions = false;
    if (watched && desired) {
      const read = this.subjectIn(id, watched, desired.manifest.apiVersion, resolved.notes);
      // The object keeps the state it has (or gets none yet) until the read is answered.
      if (read === 'pending') return;
      if (read === 'noted') acrossVersions = true;
      else if (read) live = read;
    } else {
      this.reads?.forget(id);
    }
    const template = live ?? (desired ? this.entryOfDesired(desired) : undefined);
    if (!template) {
      this.remove(id);
      return;
    }
    // One object literal with every field, in one order: all states share one shape (object
    // spreads of this many fields made dictionary-mode objects, twice the memory per state).
    const make = (status: DriftStatus, changes: FieldChange[], ignored: FieldChange[], warnings: string[], error: string | undefined): ObjectDriftState => ({
      cluster: this.opts.cluster,
      group: template.group,
      version: template.version,
      kind: template.kind,
      namespace: template.obj.metadata.namespace ?? '',
      name: template.obj.metadata.name,
      id,
      uid: live?.obj.metadata.uid,
      status,
      changes,
      ignored,
      warnings,
      error,
      source: desired?.source,
      desiredRevision: desired && template.kind === 'Secret' && template.group === '' ? secretRevision(desired.revision) : desired?.revision,
      // The watched object's: the newest state seen (a read in another version may stand for several).
      resourceVersion: watched?.obj.metadata.resourceVersion,
      labels: labelsOf(live?.obj ?? desired?.manifest),
      since: '',
    });
    let next: ObjectDriftState;
    if (!live) {
      // Only manifest-dir desired objects get here (the other sources need a live object). Their
      // notes (a manifest kept from before its file broke) hold here too.
      const ks = this.opts.kindStatus(template.group, template.kind, template.obj.metadata.namespace ?? '');
      const gk = groupKind(template.group, template.kind);
      if (!ks) {
        const hint = movedKindHint(template.group, template.kind);
        next = make('error', [], [], resolved.notes, hint ? `the cluster does not serve ${gk}: ${hint}` : `the cluster does not serve ${gk}`);
      } else if (ks.notWatched !== undefined) {
        next = make('error', [], [], resolved.notes, ks.notWatched);
      } else if (ks.status === 'forbidden') {
        next = make('error', [], [], resolved.notes, forbiddenNote(gk, ks.message));
      } else if (ks.status === 'error' && !ks.synced) {
        // Never listed: absence means nothing, but the object must not vanish from the list unexplained.
        next = make('error', [], [], resolved.notes, `cannot list ${gk}: ${ks.message ?? 'the list failed'}`);
      } else if (!ks.synced) {
        // Not listed yet: absence means nothing until the first list completes, and a state from
        // before (its kind's informer being replaced: a CRD version swap) stands until then.
        return;
      } else {
        next = make('missing', [{ path: '', op: 'missing' }], [], resolved.notes, undefined);
      }
    } else if (resolved.desired === undefined) {
      next = make('unmanaged', [], [], resolved.notes, undefined);
    } else {
      try {
        const report = diffPrepared(this.preparedFor(id, resolved, this.states.has(id)), live.obj, resolved.options);
        // The note says it already, with why the object was not read in the manifest's version.
        const engine = acrossVersions ? report.warnings.filter((w) => !isCrossVersionWarning(w)) : report.warnings;
        const warnings = resolved.notes.length === 0 ? engine : [...resolved.notes, ...engine];
        next = make(report.drift ? 'drifted' : 'in-sync', report.changes, report.ignored, warnings, undefined);
      } catch (err) {
        next = make('error', [], [], resolved.notes, `cannot compare: ${errorMessage(err)}`);
      }
    }
    this.store(id, next);
  }

  private entryOfDesired(d: DesiredObject): LiveEntry {
    const { group, version } = groupOf(d.manifest.apiVersion);
    return { obj: d.manifest, group, version, kind: d.manifest.kind ?? '' };
  }

  private store(id: string, next: ObjectDriftState): void {
    const prev = this.states.get(id);
    this.stateRevision++;
    if (prev && sameVerdict(prev, next)) {
      // The verdict holds: `since` stays.
      if (sameShown(prev, next) && sameSourceKind(prev.source, next.source)) {
        // Nothing a client shows changed either: emit nothing, but remember where the object is now.
        prev.resourceVersion = next.resourceVersion;
        prev.desiredRevision = next.desiredRevision;
        prev.source = next.source;
        prev.version = next.version;
        return;
      }
      // What is shown beside the verdict changed (ignored changes, warnings, labels, when a
      // manager last wrote a drifted field), or another source took over and says the same (a
      // manifest deleted, its last-applied annotation now the desired state): clients get it.
      next.since = prev.since;
      this.states.set(id, next);
      this.opts.onEvent({ type: 'upsert', state: next, at: this.now().toISOString() });
      return;
    }
    const now = this.now();
    const at = now.toISOString();
    // A verdict reached at first sight did not come to be now (the object was drifted before the
    // dashboard looked): its `since` is the best evidence there is. The event's `at` stays now: the
    // history records when the dashboard observed the object, not this estimate.
    next.since = prev === undefined ? firstSightSince(next, now) : at;
    this.states.set(id, next);
    this.opts.onEvent({ type: 'upsert', state: next, at });
  }

  private remove(id: string): void {
    this.prepared.delete(id);
    this.reads?.forget(id);
    if (!this.states.delete(id)) return;
    this.stateRevision++;
    this.opts.onEvent({ type: 'delete', id, cluster: this.opts.cluster, at: this.now().toISOString() });
  }
}

/**
 * `since` of a verdict first reached in this process: `now`, unless the object is drifted and every
 * change names when its manager last wrote the object; then the latest of those times, by which
 * every drifted field was as it is (managedFields keep one time per manager, moved by any write of
 * it: a field can be older, never newer). First sight (the dashboard's start, the kind's first
 * list) is the least informative answer to "drifted since when?", and it made the header disagree
 * with the fields' "last written". A change without a time (a field missing live, a manager that
 * recorded none) leaves the start unknown: now, as before. Never later than now: a skewed API
 * server clock must not date the drift in the future. Written as toISOString() writes it, like
 * every other `since`: readers order states by comparing these strings.
 */
function firstSightSince(state: ObjectDriftState, now: Date): string {
  const nowMs = now.getTime();
  if (state.status !== 'drifted' || state.changes.length === 0) return now.toISOString();
  let latest = -Infinity;
  for (const c of state.changes) {
    const t = c.manager?.time === undefined ? NaN : Date.parse(c.manager.time);
    if (Number.isNaN(t)) return now.toISOString();
    if (t > latest) latest = t;
  }
  return latest < nowMs ? new Date(latest).toISOString() : now.toISOString();
}

/**
 * The verdict on one object: `since` moves only when this changes. The same name with another uid
 * is another object (deleted and created again while evaluations were held back, say); a manager
 * writing a drifted field again, with the same value, changes when it wrote, not the drift.
 */
function sameVerdict(a: ObjectDriftState, b: ObjectDriftState): boolean {
  return (
    a.status === b.status &&
    a.error === b.error &&
    (a.uid === undefined || b.uid === undefined || a.uid === b.uid) &&
    a.changes.length === b.changes.length &&
    a.changes.every((c, i) => sameChange(c, b.changes[i] as FieldChange))
  );
}

function sameChange(a: FieldChange, b: FieldChange): boolean {
  return (
    a.path === b.path &&
    a.op === b.op &&
    a.reason === b.reason &&
    a.manager?.name === b.manager?.name &&
    a.manager?.operation === b.manager?.operation &&
    deepEqual(a.desired, b.desired) &&
    deepEqual(a.live, b.live)
  );
}

/** Everything a client shows of a state besides where the object is: an event goes out when this changes. */
function sameShown(a: ObjectDriftState, b: ObjectDriftState): boolean {
  return (
    a.uid === b.uid &&
    deepEqual(a.changes, b.changes) &&
    deepEqual(a.ignored, b.ignored) &&
    deepEqual(a.warnings, b.warnings) &&
    deepEqual(a.labels, b.labels)
  );
}

/** The same source, wherever in it the desired state now is (directory, file, line, commit). */
function sameSourceKind(a: DesiredSource | undefined, b: DesiredSource | undefined): boolean {
  return a?.type === b?.type && a?.owner?.uid === b?.owner?.uid;
}

/**
 * Whether two versions of a controller give its Pods the same desired state: the same pod
 * template and the few other fields the Pod builders read (ownerTemplateInputs), such as a
 * StatefulSet's update revision (Pods of another one are reported as possibly mid-rollout).
 * The generation alone moved with every scale step (spec.replicas), re-evaluating every Pod of a
 * Deployment rollout at each step for nothing; it still answers the common case cheaply, since
 * status writes (most owner updates) leave it alone.
 */
function sameTemplateInputs(a: KubeObject, b: KubeObject): boolean {
  const ga = a.metadata.generation;
  if (typeof ga === 'number' && ga === b.metadata.generation && statusRevision(a) === statusRevision(b)) return true;
  return deepEqual(ownerTemplateInputs(a), ownerTemplateInputs(b));
}

function statusRevision(owner: KubeObject): unknown {
  const status = owner.status as { updateRevision?: unknown } | undefined;
  return status?.updateRevision;
}

/** Secrets are unreadable by design with the shipped read-only role: say so instead of a bare 403. */
export const SECRETS_NOT_READABLE =
  'not compared: Secrets are not readable by this dashboard (Secret access is off by default; deploy/optional/secret-access.yaml turns it on, see docs/security.md)';

function forbiddenNote(gk: string, message: string | undefined): string {
  if (gk === 'Secret') return `${SECRETS_NOT_READABLE}. The API server said: ${message ?? 'forbidden'}`;
  return `cannot list ${gk}: ${message ?? 'forbidden'}`;
}
