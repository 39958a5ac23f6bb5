import { createHmac } from 'node:crypto';

/** The only use of node:crypto in the engine (with the redaction key's random default): hashing is computation, not I/O. */
export function hmacSha256Hex(key: Uint8Array, bytes: Uint8Array): string {
  return createHmac('sha256', key).update(bytes).digest('hex');
}
