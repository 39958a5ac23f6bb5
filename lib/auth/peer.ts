/**
 * The TCP peer of a request. Next's own X-Forwarded-For keeps whatever the client sent (it only
 * fills the header when absent), so it cannot decide whether proxy headers are trusted. The
 * Driftwatch server (scripts/serve.ts) overwrites `x-driftwatch-peer` on every request with a
 * per-process nonce and the socket's address; without that nonce the peer is unknown and no proxy
 * header is trusted.
 */
import { BlockList, isIP } from 'node:net';

export const PEER_HEADER = 'x-driftwatch-peer';
export const PEER_NONCE_ENV = 'DRIFTWATCH_PEER_NONCE';

/**
 * Set on globalThis by scripts/serve.ts, read by instrumentation.ts: this process is the
 * Driftwatch server. A global, unlike an environment variable, cannot be handed to bare `next start`.
 */
const SERVED_BY_DRIFTWATCH = Symbol.for('driftwatch.served-by-serve-ts');

export function markServedByDriftwatch(): void {
  (globalThis as Record<symbol, unknown>)[SERVED_BY_DRIFTWATCH] = true;
}

export function servedByDriftwatch(): boolean {
  return (globalThis as Record<symbol, unknown>)[SERVED_BY_DRIFTWATCH] === true;
}

/** The value serve.ts puts in PEER_HEADER. */
export function peerHeaderValue(nonce: string, address: string | undefined): string {
  return `${nonce} ${address ?? ''}`;
}

/** The peer's address, or undefined when the request did not come through the Driftwatch server. */
export function peerAddress(headerValue: string | null, nonce: string | undefined = process.env[PEER_NONCE_ENV]): string | undefined {
  if (!nonce || !headerValue) return undefined;
  const sp = headerValue.indexOf(' ');
  if (sp < 0 || headerValue.slice(0, sp) !== nonce) return undefined;
  const addr = normalizeAddress(headerValue.slice(sp + 1));
  return isIP(addr) ? addr : undefined;
}

/** `::ffff:10.1.2.3` (IPv4 on a dual-stack socket) is 10.1.2.3. */
export function normalizeAddress(addr: string): string {
  const m = /^::ffff:([0-9.]+)$/i.exec(addr);
  return m?.[1] ?? addr;
}

export function addressMatcher(entries: readonly string[]): (addr: string | undefined) => boolean {
  const bl = new BlockList();
  for (const e of entries) {
    const [a, bits] = e.split('/');
    if (!a) continue;
    const ip = normalizeAddress(a);
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) bl.addAddress(ip, type);
    else bl.addSubnet(ip, Number(bits), type);
  }
  return (addr) => {
    if (!addr) return false;
    const ip = normalizeAddress(addr);
    const v = isIP(ip);
    return v !== 0 && bl.check(ip, v === 6 ? 'ipv6' : 'ipv4');
  };
}

export const isLoopback = (addr: string | undefined): boolean => addr !== undefined && /^(127\.|::1$)/.test(normalizeAddress(addr));
