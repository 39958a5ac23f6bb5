/**
 * The history store of the running dashboard, for proxy.ts. The proxy is bundled separately from
 * the routes and must not start a second runtime, so it only looks at the slot that
 * lib/live/server-runtime.ts fills on globalThis (same key) and never imports that module.
 */
import type { DriftStore } from '../store/types';

const key = Symbol.for('driftwatch.live.runtime');

interface RuntimeLike {
  historyStore(): { store: DriftStore } | { error: string };
}

export function peekHistoryStore(): DriftStore | undefined {
  const slot = (globalThis as { [key]?: { runtime?: RuntimeLike } })[key];
  const h = slot?.runtime?.historyStore();
  return h && 'store' in h ? h.store : undefined;
}
