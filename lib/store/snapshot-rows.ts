/**
 * Snapshot rows: opaque, already-redacted JSON payloads keyed by the SHA-256 of their link id.
 * The id itself is never stored, so reading the database (or a backup) does not hand out links.
 * An expired or revoked snapshot keeps its row without the payload, so its link answers
 * "expired" or "revoked" rather than "unknown".
 */
import type { Backend } from './backend';
import type { SnapshotRecord, SnapshotRecordInput, SnapshotRevocation } from './types';

const ID_HASH = /^[0-9a-f]{64}$/;

interface SnapshotRow {
  created_at: number;
  expires_at: number | null;
  subject: string;
  payload: string | null;
  revoked_at: number | null;
}

export async function insertSnapshot(db: Backend, s: SnapshotRecordInput): Promise<void> {
  if (!ID_HASH.test(s.idHash)) throw new Error('snapshot idHash must be 64 lowercase hex digits (SHA-256)');
  if (s.expiresAt && s.expiresAt.getTime() <= s.createdAt.getTime()) throw new Error('snapshot expiresAt must be after createdAt');
  const payload = JSON.stringify(s.payload);
  if (payload === undefined) throw new Error('snapshot payload must be JSON');
  await db.run('INSERT INTO snapshots (id_hash, created_at, expires_at, subject, payload) VALUES (?, ?, ?, ?, ?)', [
    s.idHash,
    s.createdAt.getTime(),
    s.expiresAt?.getTime() ?? null,
    s.subject,
    payload,
  ]);
}

export async function selectSnapshot(db: Backend, idHash: string): Promise<SnapshotRecord | undefined> {
  // Malformed hashes still query: the caller's timing does not depend on the input's shape.
  const [r] = await db.all<SnapshotRow>('SELECT created_at, expires_at, subject, payload, revoked_at FROM snapshots WHERE id_hash = ?', [idHash]);
  if (!r) return undefined;
  return {
    createdAt: new Date(Number(r.created_at)),
    ...(r.expires_at !== null ? { expiresAt: new Date(Number(r.expires_at)) } : {}),
    subject: r.subject,
    ...(r.revoked_at !== null ? { revokedAt: new Date(Number(r.revoked_at)) } : {}),
    ...(r.payload !== null ? { payload: JSON.parse(r.payload) as unknown } : {}),
  };
}

/**
 * Drops a snapshot's payload for good and records when. The first revocation's time stands:
 * answers the stored time and whether this call set it; undefined when no snapshot has that hash.
 */
export async function revokeSnapshotRow(db: Backend, idHash: string, at: Date): Promise<SnapshotRevocation | undefined> {
  const changed = await db.run('UPDATE snapshots SET payload = NULL, revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL', [at.getTime(), idHash]);
  if (changed > 0) return { revokedAt: at, now: true };
  const [r] = await db.all<{ revoked_at: number | null }>('SELECT revoked_at FROM snapshots WHERE id_hash = ?', [idHash]);
  return r?.revoked_at == null ? undefined : { revokedAt: new Date(Number(r.revoked_at)), now: false };
}

/** Drops the payloads of snapshots expired before `now`; returns how many. */
export function purgeSnapshotPayloads(db: Backend, now: Date): Promise<number> {
  return db.run('UPDATE snapshots SET payload = NULL WHERE expires_at IS NOT NULL AND expires_at <= ? AND payload IS NOT NULL', [now.getTime()]);
}
