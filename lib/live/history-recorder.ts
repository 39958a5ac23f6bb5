/**
 * Feeds the history store from the live runtime: every change of an object's drift state, every
 * live write (for reconcile-loop detection), objects appearing and disappearing, and Pod restarts
 * and CrashLoopBackOff. The store's record calls return at once (it batches on its own), so
 * nothing here can slow the watch path down.
 */
import { manifestPath } from '../desired/manifest-path';
import type { DriftStore, FirstSyncInput, ObjectRef } from '../store';
import type { KubeObject } from '../kube/cache-diff';
import { deepEqual } from '../kube/cache-diff';
import { maskedTerminationMessage } from '../health/log-mask';
import type { DesiredSource, DriftChange } from './types';
import { groupOf, objectIdentity } from './types';

export interface LiveWrite {
  cluster: string;
  type: 'added' | 'modified' | 'deleted';
  object: KubeObject;
  previous?: KubeObject;
  /** From a watch (a write as it happened) or from comparing a relist with the cache. */
  source: 'watch' | 'list';
}

function refOf(cluster: string, obj: KubeObject): ObjectRef {
  const { group, version } = groupOf(obj.apiVersion);
  return {
    cluster,
    group,
    version,
    kind: obj.kind ?? '',
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
    ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
  };
}

/** The manager of the newest managedFields entry: who made this write. */
function lastManager(obj: KubeObject): string | undefined {
  let best: { t: string; m: string } | undefined;
  for (const e of obj.metadata.managedFields ?? []) {
    if (typeof e.manager !== 'string') continue;
    const t = typeof e.time === 'string' ? e.time : '';
    if (!best || t > best.t) best = { t, m: e.manager };
  }
  return best?.m;
}

interface ContainerStatus {
  name?: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; message?: string } };
  lastState?: { terminated?: { reason?: string; message?: string } };
}

function containerStatuses(pod: KubeObject | undefined): ContainerStatus[] {
  const status = pod?.status as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] } | undefined;
  return [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])];
}

/**
 * The source as the store records it. A manifest names its directory as well as its file: two
 * directories' `app.yaml` are different manifests, and a move between them shows in the history.
 */
export function historySourceName(source: DesiredSource): string {
  if (source.type !== 'manifest-dir') return source.type;
  const file = source.file ?? '';
  if (source.root === undefined) return `manifest-dir:${file}`;
  return `manifest-dir:${manifestPath(source.root, file)}`;
}

export class HistoryRecorder {
  /**
   * Objects whose last state was `missing`, by id: when one is dropped (its manifest went too), the
   * store is told, or its drift would stay open. Other drops need nothing: a live object's
   * deletion was recorded as it happened.
   */
  private readonly missing = new Map<string, ObjectRef>();

  constructor(private readonly store: DriftStore) {}

  onDriftChange(change: DriftChange): void {
    if (change.type === 'delete') {
      const ref = this.missing.get(change.id);
      if (ref === undefined) return;
      this.missing.delete(change.id);
      this.store.recordObjectEvent({ ref, type: 'undeclared', at: new Date(change.at) });
      return;
    }
    const s = change.state;
    if (s.status === 'missing') this.missing.set(s.id, objectIdentity(s));
    else this.missing.delete(s.id);
    this.store.recordObjectState({
      ...objectIdentity(s),
      ...(s.uid ? { uid: s.uid } : {}),
      at: new Date(change.at),
      status: s.status,
      ...(s.source ? { source: historySourceName(s.source) } : {}),
      ...(s.desiredRevision ? { desiredRevision: s.desiredRevision } : {}),
      ...(s.resourceVersion ? { resourceVersion: s.resourceVersion } : {}),
      changes: s.changes,
    });
  }

  /**
   * After the first sync of a cluster: which objects the dashboard has, and which kinds it knows in
   * full. The store ends what it still holds and the dashboard no longer has (gone, or no longer
   * watched, while the dashboard was not running), except objects of `unknownGroups` (discovery did
   * not answer for them). Again, with `kinds`, for kinds first listed later.
   */
  onFirstSync(cluster: string, kinds: Pick<FirstSyncInput, 'listed' | 'unknown' | 'unknownGroups' | 'namespaces' | 'kinds'>, states: Iterable<ObjectRef>, at: Date): void {
    const present = new Set<string>();
    for (const s of states) present.add(`${s.group}/${s.kind}/${s.namespace}/${s.name}`);
    this.store.recordFirstSync({ cluster, present, ...kinds, at });
  }

  onLiveWrite(w: LiveWrite): void {
    const at = new Date();
    const ref = refOf(w.cluster, w.object);
    if (w.type === 'added' && w.source === 'watch') this.store.recordObjectEvent({ ref, type: 'appeared', at, ...rv(w.object) });
    if (w.type === 'deleted') {
      this.store.recordObjectEvent({ ref, type: 'disappeared', at, ...rv(w.object) });
      return;
    }
    if (w.type === 'modified' && w.source === 'watch') {
      const manager = lastManager(w.object);
      this.store.recordObjectWrite({
        ref,
        at,
        resourceVersion: w.object.metadata.resourceVersion ?? '',
        // generation also moves on some metadata-only writes; the spec itself is what counts.
        specChanged: !deepEqual(w.object.spec, w.previous?.spec),
        ...(manager ? { manager } : {}),
      });
    }
    if (ref.kind === 'Pod' && ref.group === '') this.podHealth(w, at);
  }

  /** A restart count that went up, or a container that entered CrashLoopBackOff. */
  private podHealth(w: LiveWrite, at: Date): void {
    // A Pod first seen in a list (the dashboard starting) has no before: its restarts and its
    // back-off happened at some earlier time, not now, and were recorded then if we were running.
    if (w.previous === undefined && w.source === 'list') return;
    const before = new Map(containerStatuses(w.previous).map((c) => [c.name ?? '', c]));
    for (const c of containerStatuses(w.object)) {
      const prev = before.get(c.name ?? '');
      const restarts = c.restartCount ?? 0;
      const waiting = c.state?.waiting?.reason;
      const restarted = restarts > (prev?.restartCount ?? 0);
      const crashLoop = waiting === 'CrashLoopBackOff' && prev?.state?.waiting?.reason !== 'CrashLoopBackOff';
      if (!restarted && !crashLoop) continue;
      const reason = waiting ?? c.lastState?.terminated?.reason ?? c.state?.terminated?.reason;
      // The store keeps a termination message masked and cut, as the API shows it.
      const message = c.state?.waiting?.message ?? c.lastState?.terminated?.message;
      this.store.recordPodHealth({
        cluster: w.cluster,
        namespace: w.object.metadata.namespace ?? '',
        name: w.object.metadata.name,
        ...(w.object.metadata.uid ? { uid: w.object.metadata.uid } : {}),
        ...(c.name ? { container: c.name } : {}),
        restarts,
        ...(reason ? { reason } : {}),
        ...(message ? { message: maskedTerminationMessage(message) } : {}),
        at,
      });
    }
  }
}

function rv(obj: KubeObject): { resourceVersion?: string } {
  return obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {};
}
