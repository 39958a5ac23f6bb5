/**
 * The drift tracker's record of objects read in their desired state's version, not the version
 * their kind is watched in (manifests of one kind in several versions: the kind is watched in the
 * version most are written for, and the engine compares within one version — an autoscaling/v1
 * manifest against the autoscaling/v2 object would show every field the versions name
 * differently as drift). Per object: the read asked for which watched state, the last good read
 * and the watched state it stands for, the last failure. No I/O: reads go out through the client
 * (lib/live/version-reader.ts) and come back through answer().
 */
import { isRecord } from '../drift/normalize';
import { deepEqual, type KubeObject } from '../kube/cache-diff';

export interface VersionReadRequest {
  id: string;
  apiVersion: string;
  group: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  /** The watched object's resourceVersion: the answer is for this state of it (or a newer one). */
  resourceVersion: string | undefined;
}

/** What a read gave: the object in that version, or why there is none (`gone`: it does not exist). */
export type VersionRead = { ok: true; object: KubeObject } | { ok: false; message: string; gone?: boolean };

export interface VersionReadClient {
  /** Queues a read (undefined), or says why it cannot be done (the version is not served). */
  request(request: VersionReadRequest): string | undefined;
  /** The object's reads are no longer wanted: a queued one is dropped, retries stop. */
  cancel(id: string): void;
}

/** How to compare an object with its desired state: as watched (with why, when not read), as read, or not yet. */
export type Subject = { as: 'watched'; why?: string } | { as: 'read'; object: KubeObject } | { as: 'pending' };

/** What of a watched object, besides its status, a read in another version depends on. */
interface Fingerprint {
  uid: string | undefined;
  generation: unknown;
  meta: unknown[];
}

/** The watched state a read (or its failure) stands for: its resourceVersion, and what else it depends on. */
interface Watched {
  rv: string | undefined;
  fp: Fingerprint;
}

interface Entry {
  apiVersion: string;
  /** The watched state the latest unanswered request is for. */
  asked?: Watched;
  read?: { object: KubeObject; objectRv: string | undefined; watched: Watched };
  /** The last read failed (it is being tried again); `held`: the state compared with the last good read stands meanwhile. */
  failure?: { watched: Watched; message: string; held: boolean };
  /** Reads failed in a row. */
  failures: number;
  /** What the last evaluation compared with: the read object, or undefined (as watched). */
  shown?: KubeObject;
}

/**
 * Reads that fail in a row while the object keeps the verdict of its last good read (2 + 4 + 8 s
 * of retries): one timeout or 429 is not a reason to compare across versions, and publish the
 * false drift that shows, only to take it back at the next try.
 */
const HELD_FAILURES = 3;

function fingerprint(obj: KubeObject): Fingerprint {
  const m = obj.metadata as Record<string, unknown>;
  // managedFields besides the status writers': who owns what is part of a verdict (added and
  // removed fields, who changed them), and a write that leaves the values as they were moves it.
  const owners = Array.isArray(m.managedFields) ? m.managedFields.filter((e) => !(isRecord(e) && e.subresource === 'status')) : m.managedFields;
  return { uid: obj.metadata.uid, generation: m.generation, meta: [m.labels, m.annotations, m.ownerReferences, m.finalizers, m.deletionTimestamp, owners] };
}

function watchedOf(obj: KubeObject): Watched {
  return { rv: obj.metadata.resourceVersion, fp: fingerprint(obj) };
}

/**
 * Whether what was read for the watched state `was` stands for `live`: the same state, or one
 * that differs only in what a read in another version does not depend on — its status, mostly (an
 * HPA's is written every 15 s): the same object, generation (spec), metadata and owners of fields.
 * Kinds without a generation are read again at every change.
 */
function standsFor(was: Watched, live: KubeObject): boolean {
  if (was.rv === live.metadata.resourceVersion) return true;
  const now = fingerprint(live);
  return now.uid === was.fp.uid && typeof now.generation === 'number' && now.generation === was.fp.generation && deepEqual(now.meta, was.fp.meta);
}

export class VersionReads {
  private readonly entries = new Map<string, Entry>();
  /** Objects without a state whose first read is under way. */
  private readonly first = new Set<string>();

  constructor(private readonly client: VersionReadClient) {}

  /** Objects without a state yet wait for their first read. */
  get reading(): boolean {
    return this.first.size > 0;
  }

  /** How `live` (watched in another version than `request.apiVersion`) is to be compared now; asks for a read when needed. */
  subject(request: VersionReadRequest, live: KubeObject, hasState: boolean): Subject {
    const { id, apiVersion } = request;
    let e = this.entries.get(id);
    if (e && e.apiVersion !== apiVersion) {
      this.forget(id);
      e = undefined;
    }
    const subject = this.known(e, live, hasState);
    if (subject !== undefined) {
      if (e && subject.as !== 'pending') e.shown = subject.as === 'read' ? subject.object : undefined;
      return subject;
    }
    const why = this.client.request(request);
    if (why !== undefined) {
      this.forget(id);
      return { as: 'watched', why };
    }
    if (!e) this.entries.set(id, (e = { apiVersion, failures: 0 }));
    e.asked = watchedOf(live);
    e.failure = undefined;
    if (!hasState) this.first.add(id);
    return { as: 'pending' };
  }

  /** What is known of `live` in the entry's version without a new read: undefined when it must be read. */
  private known(e: Entry | undefined, live: KubeObject, hasState: boolean): Subject | undefined {
    if (!e) return undefined;
    const rv = live.metadata.resourceVersion;
    if (e.read && e.read.object.metadata.uid === live.metadata.uid && (e.read.objectRv === rv || standsFor(e.read.watched, live))) {
      e.read.watched = watchedOf(live);
      return { as: 'read', object: e.read.object };
    }
    if (e.asked && e.asked.rv === rv) return { as: 'pending' };
    // A failed read is being tried again (the reader backs off): a status write does not ask anew.
    if (e.failure && standsFor(e.failure.watched, live)) return e.failure.held && hasState ? { as: 'pending' } : { as: 'watched', why: e.failure.message };
    return undefined;
  }

  /**
   * A read's answer; true when the object is to be evaluated again. Taken when it answers the
   * latest request (a retry of a failed one included) or is of the object as now watched; an
   * answer of a state since replaced, of another object of the same name (deleted and created
   * again meanwhile), or for a version no longer wanted, is dropped.
   */
  answer(id: string, apiVersion: string, forRv: string | undefined, result: VersionRead, live: KubeObject | undefined): boolean {
    const e = this.entries.get(id);
    if (!e || e.apiVersion !== apiVersion || !live) return false;
    const rv = live.metadata.resourceVersion;
    const asked = e.asked !== undefined && e.asked.rv === forRv ? e.asked : e.asked === undefined && e.failure !== undefined && e.failure.watched.rv === forRv ? e.failure.watched : undefined;
    if (result.ok) {
      const current = result.object.metadata.resourceVersion === rv;
      if (result.object.metadata.uid !== live.metadata.uid || (!asked && !current)) return false;
      // It stands for the watched state it was asked for (a newer one may be watched already, its
      // evaluation held back), or for the one now watched when it is of that very state.
      e.read = { object: result.object, objectRv: result.object.metadata.resourceVersion, watched: current ? watchedOf(live) : (asked as Watched) };
      if (asked || e.asked?.rv === rv) e.asked = undefined;
      e.failure = undefined;
      e.failures = 0;
      this.first.delete(id);
      return true;
    }
    if (!asked) return false;
    e.asked = undefined;
    const firstRead = this.first.delete(id);
    // Gone: its delete event follows, and until then the state it has stands.
    if (result.gone) return false;
    e.failures++;
    const held = !firstRead && e.read !== undefined && e.failures < HELD_FAILURES;
    e.failure = { watched: asked, message: result.message, held };
    return !held;
  }

  /** The object as last compared, when that was a read in its desired state's version (undefined: as watched). */
  shown(id: string, apiVersion: string | undefined, live: KubeObject): KubeObject | undefined {
    const e = this.entries.get(id);
    if (!e?.shown || e.apiVersion !== apiVersion || e.shown.metadata.uid !== live.metadata.uid) return undefined;
    return e.shown;
  }

  forget(id: string): void {
    this.first.delete(id);
    if (this.entries.delete(id)) this.client.cancel(id);
  }

  /** Reads under way and retries will not be answered (the watcher stopped): asked again when next needed. */
  cancelPending(): void {
    for (const e of this.entries.values()) {
      e.asked = undefined;
      e.failure = undefined;
      e.failures = 0;
    }
    this.first.clear();
  }
}
