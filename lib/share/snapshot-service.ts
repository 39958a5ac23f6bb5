/**
 * Taking and reading share snapshots: the server builds the payload from its own live state and
 * history (a client cannot hand in content), stores it under a fresh id, and reads it back by
 * the id's hash. Used by the API routes, the /s/<id> page and proxy.ts.
 */
import type { ObjectDetail } from '../live/object-detail';
import { parseObjectId } from '../live/types';
import type { DriftStore, ObjectHistory } from '../store/types';
import { buildSnapshotPayload } from './snapshot-build';
import { newSnapshotId, snapshotIdHash } from './snapshot-id';
import type { SnapshotPayload, SnapshotView } from './snapshot-types';

export interface TakeSnapshotInput {
  detail: ObjectDetail;
  view: { mode: 'split' | 'unified'; showAll: boolean; from?: Date; to?: Date };
  expiresInSeconds?: number;
}

export interface TakenSnapshot {
  id: string;
  createdAt: Date;
  expiresAt?: Date;
}

export async function takeSnapshot(store: DriftStore, input: TakeSnapshotInput, now: Date = new Date()): Promise<TakenSnapshot> {
  const s = input.detail.state;
  const to = input.view.to && input.view.to.getTime() < now.getTime() ? input.view.to : now;
  let history: { available: true; history: ObjectHistory | undefined } | { available: false; reason: string };
  try {
    const h = await store.objectHistory(
      { cluster: s.cluster, group: s.group, kind: s.kind, namespace: s.namespace, name: s.name },
      { ...(input.view.from ? { from: input.view.from } : {}), to },
    );
    history = { available: true, history: h };
  } catch (err) {
    history = { available: false, reason: `history could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
  const view: SnapshotView = {
    mode: input.view.mode,
    showAll: input.view.showAll,
    ...(input.view.from ? { from: input.view.from.toISOString() } : {}),
    to: to.toISOString(),
  };
  const payload = buildSnapshotPayload({ detail: input.detail, history, view, takenAt: now });
  const id = newSnapshotId();
  const expiresAt = input.expiresInSeconds ? new Date(now.getTime() + input.expiresInSeconds * 1000) : undefined;
  await store.saveSnapshot({ idHash: snapshotIdHash(id), createdAt: now, ...(expiresAt ? { expiresAt } : {}), subject: s.id, payload });
  return { id, createdAt: now, ...(expiresAt ? { expiresAt } : {}) };
}

export type SnapshotLookup =
  | { state: 'found'; createdAt: Date; expiresAt?: Date; payload: SnapshotPayload }
  | { state: 'expired'; createdAt: Date; expiresAt: Date; subject: string }
  | { state: 'revoked'; createdAt: Date; revokedAt: Date; subject: string }
  | { state: 'unknown' };

/**
 * Every id, well-formed or not, is hashed and looked up the same way, so neither the answer nor
 * its timing tells a malformed id from an unknown one.
 */
export async function readSnapshot(store: Pick<DriftStore, 'getSnapshot'>, id: string, now: Date = new Date()): Promise<SnapshotLookup> {
  const r = await store.getSnapshot(snapshotIdHash(id));
  if (!r) return { state: 'unknown' };
  if (r.revokedAt) return { state: 'revoked', createdAt: r.createdAt, revokedAt: r.revokedAt, subject: r.subject };
  if (r.expiresAt && r.expiresAt.getTime() <= now.getTime()) return { state: 'expired', createdAt: r.createdAt, expiresAt: r.expiresAt, subject: r.subject };
  if (r.payload === undefined) return { state: 'unknown' };
  return { state: 'found', createdAt: r.createdAt, ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}), payload: r.payload as SnapshotPayload };
}

/**
 * A snapshot as a reader may see it: one of an object outside their namespaces (`visible`
 * false) is unknown to them, expired, revoked or not — the same 404 as a guessed id.
 */
export function snapshotFor(r: SnapshotLookup, visible: (namespace: string) => boolean): SnapshotLookup {
  if (r.state === 'unknown') return r;
  const namespace = r.state === 'found' ? r.payload.object.namespace : parseObjectId(r.subject)?.namespace;
  return namespace !== undefined && visible(namespace) ? r : { state: 'unknown' };
}

/**
 * Revokes the snapshot with this link id if the reader may see it (snapshotFor): `now` says
 * whether this call did (not an earlier one, whose time stands). An unknown or hidden one stays
 * unknown.
 */
export async function revokeSnapshot(
  store: Pick<DriftStore, 'getSnapshot' | 'revokeSnapshot'>,
  id: string,
  visible: (namespace: string) => boolean,
  now: Date = new Date(),
): Promise<{ lookup: SnapshotLookup; now: boolean }> {
  const r = snapshotFor(await readSnapshot(store, id, now), visible);
  if (r.state === 'unknown' || r.state === 'revoked') return { lookup: r, now: false };
  // Another request may have revoked it since it was read: the store says whose time stands.
  const done = await store.revokeSnapshot(snapshotIdHash(id), now);
  if (done === undefined) return { lookup: { state: 'unknown' }, now: false };
  const subject = r.state === 'found' ? r.payload.object.id : r.subject;
  return { lookup: { state: 'revoked', createdAt: r.createdAt, revokedAt: done.revokedAt, subject }, now: done.now };
}

/** The one 404 message for unknown and malformed ids alike. */
export const SNAPSHOT_NOT_FOUND = 'no such snapshot';
