/**
 * Snapshot link ids: 128 random bits as base64url (22 characters). Only their SHA-256 is stored
 * and looked up, so every lookup (well-formed, malformed, known or not) costs one hash and one
 * primary-key read, and a copy of the database hands out no working links.
 */
import { createHash, randomBytes } from 'node:crypto';
import { decodePath } from '../api/decode-path';

export const SNAPSHOT_ID_BYTES = 16;
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function newSnapshotId(): string {
  return randomBytes(SNAPSHOT_ID_BYTES).toString('base64url');
}

export function isWellFormedSnapshotId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The key the store knows a snapshot by. Any string hashes, so malformed ids take the same path as unknown ones. */
export function snapshotIdHash(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** How logs name a snapshot: the start of its id's hash, never the id (the secret that opens it). */
export function snapshotLogName(id: string): string {
  return snapshotIdHash(id).slice(0, 16);
}

/**
 * A request path as the server log may keep it: a snapshot's link id (the secret that opens it)
 * replaced by the start of its hash, as the audit log names snapshots.
 */
export function loggablePath(pathname: string): string {
  // As the router reads it: `/api/v1/%73napshots/<id>` is the snapshot route too.
  const path = decodePath(pathname) ?? pathname;
  return path.replace(/(^|\/)(s|snapshots)\/([^/]+)/g, (_m, lead: string, route: string, id: string) => `${lead}${route}/sha256:${snapshotLogName(id)}`);
}
