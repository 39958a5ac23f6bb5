/**
 * Per-process counters: concurrent event streams per user and a fixed-window rate limit for
 * expensive endpoints. One process serves one dashboard, so memory is the right place; with
 * several replicas each enforces its own share.
 */
import type { LimitsConfig } from './auth-config';

const streams = new Map<string, number>();
let streamsTotal = 0;

export type StreamSlot = { ok: true; release: () => void } | { ok: false; reason: string };

export function acquireStreamSlot(user: string, limits: Pick<LimitsConfig, 'maxStreamsPerUser' | 'maxStreams'>): StreamSlot {
  const mine = streams.get(user) ?? 0;
  if (mine >= limits.maxStreamsPerUser) return { ok: false, reason: `too many open event streams for ${user} (limit ${limits.maxStreamsPerUser}); close another tab or wait` };
  if (streamsTotal >= limits.maxStreams) return { ok: false, reason: `too many open event streams on this server (limit ${limits.maxStreams})` };
  streams.set(user, mine + 1);
  streamsTotal++;
  let released = false;
  return {
    ok: true,
    release: () => {
      if (released) return;
      released = true;
      streamsTotal--;
      const n = (streams.get(user) ?? 1) - 1;
      if (n <= 0) streams.delete(user);
      else streams.set(user, n);
    },
  };
}

export function openStreams(): number {
  return streamsTotal;
}

const windows = new Map<string, { start: number; count: number }>();
const WINDOW_MS = 60_000;

/** true when this call is within `perMinute` for `key`; otherwise the seconds until the window resets. */
export function rateLimit(key: string, perMinute: number, now: number = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
  let w = windows.get(key);
  if (!w || now - w.start >= WINDOW_MS) {
    if (windows.size > 50_000) for (const [k, v] of windows) if (now - v.start >= WINDOW_MS) windows.delete(k);
    w = { start: now, count: 0 };
    windows.set(key, w);
  }
  if (w.count >= perMinute) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000)) };
  w.count++;
  return { ok: true };
}

/** Endpoints whose cost is far above a list read: each counts against the per-minute limit. */
export function isExpensive(method: string, pathname: string): boolean {
  if (method === 'POST' && (pathname === '/api/v1/snapshots' || pathname === '/api/auth/login')) return true;
  return pathname.startsWith('/api/v1/health/') || pathname.startsWith('/api/v1/history/');
}
