/**
 * The drift tracker's record of objects read in their desired state's version, not the version
 * their kind is watched in (manifests of one kind in several versions: the kind is watched in the
 * version most are written for, and the engine compares within one version — an autoscaling/v1
 * manifest against the autoscaling/v2 object would show every field the versions name
 * differently as drift). Per object: the read asked for which watched state, the last good read
 * and the watched state it stands for, the last failure. No I/O: reads go out through the client
 * (lib/live/version-reader.ts) and come back through answer().
 */
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

interface Entry {
  apiVersion: string;
  /** The watched state the latest unanswered request is for. */
  asked?: { rv: string | undefined };
  read?: { object: KubeObject; standsFor: string | undefined; watched: Fingerprint };
  failure?: { rv: string | undefined; message: string };
}

function fingerprint(obj: KubeObject): Fingerprint {
  const m = obj.metadata as Record<string, unknown>;
  return { uid: obj.metadata.uid, generation: m.generation, meta: [m.labels, m.annotations, m.ownerReferences, m.finalizers, m.deletionTimestamp] };
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
    const rv = live.metadata.resourceVersion;
    if (e?.read && this.stands(e.read, live)) return { as: 'read', object: e.read.object };
    if (e?.asked && e.asked.rv === rv) return { as: 'pending' };
    if (e?.failure && e.failure.rv === rv) return { as: 'watched', why: e.failure.message };
    const why = this.client.request(request);
    if (why !== undefined) {
      this.forget(id);
      return { as: 'watched', why };
    }
    if (!e) this.entries.set(id, (e = { apiVersion }));
    e.asked = { rv };
    e.failure = undefined;
    if (!hasState) this.first.add(id);
    return { as: 'pending' };
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
    const latest = (e.asked !== undefined && e.asked.rv === forRv) || (e.asked === undefined && e.failure !== undefined && e.failure.rv === forRv);
    if (result.ok) {
      const current = result.object.metadata.resourceVersion === rv;
      if (result.object.metadata.uid !== live.metadata.uid || (!latest && !current)) return false;
      e.read = { object: result.object, standsFor: current ? rv : forRv, watched: fingerprint(live) };
      if (latest || e.asked?.rv === rv) e.asked = undefined;
      e.failure = undefined;
      this.first.delete(id);
      return true;
    }
    if (!latest) return false;
    e.asked = undefined;
    this.first.delete(id);
    // Gone: its delete event follows, and until then the state it has stands.
    if (result.gone) return false;
    e.failure = { rv: forRv, message: result.message };
    return true;
  }

  /** The object as last read, for showing beside a state compared with it (undefined: compared as watched). */
  shown(id: string, apiVersion: string | undefined, live: KubeObject): KubeObject | undefined {
    const e = this.entries.get(id);
    if (!e?.read || e.apiVersion !== apiVersion || e.read.object.metadata.uid !== live.metadata.uid) return undefined;
    if (e.failure && e.failure.rv === live.metadata.resourceVersion) return undefined;
    return e.read.object;
  }

  forget(id: string): void {
    this.first.delete(id);
    if (this.entries.delete(id)) this.client.cancel(id);
  }

  /** The reads under way will not be answered (the watcher stopped): asked again when next needed. */
  cancelPending(): void {
    for (const e of this.entries.values()) e.asked = undefined;
    this.first.clear();
  }

  /**
   * Whether a read stands for `live`: it is of this state, or of one that differs from it only in
   * what a read in another version does not depend on — status, mostly (an HPA's is written every
   * 15 s): the same object, generation (spec) and metadata.
   */
  private stands(read: NonNullable<Entry['read']>, live: KubeObject): boolean {
    if (read.object.metadata.uid !== live.metadata.uid) return false;
    const rv = live.metadata.resourceVersion;
    const now = fingerprint(live);
    const same =
      read.standsFor === rv ||
      read.object.metadata.resourceVersion === rv ||
      (typeof now.generation === 'number' && now.generation === read.watched.generation && deepEqual(now.meta, read.watched.meta));
    if (same) {
      read.standsFor = rv;
      read.watched = now;
    }
    return same;
  }
}
