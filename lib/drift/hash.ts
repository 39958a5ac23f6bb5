import { createHash } from 'node:crypto';

/** The only use of node:crypto in the engine: hashing is computation, not I/O. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
