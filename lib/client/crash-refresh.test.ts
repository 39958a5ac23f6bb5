/**
 * The crash panel's refresh rules: where it may poll, how the pace backs off while refreshes fail,
 * which stream events bring a refresh forward and when, and open excerpts across refreshes.
 */
import { describe, expect, it } from 'vitest';
import type { CrashTimeline } from './health';
import {
  advanceCursor,
  crashPollingAllowed,
  crashRefetchInterval,
  crashWatchOf,
  cursorAt,
  eventConcerns,
  excerptKey,
  nudgeDecision,
  retryNotBefore,
  withExcerptOpen,
  CRASH_REFRESH_MAX_MS,
  CRASH_REFRESH_MS,
  NUDGE_MIN_GAP_MS,
  STREAM_SETTLE_MS,
} from './crash-refresh';
import type { DriftStreamEvent, ObjectDriftState } from './types';

const DEPLOY = 'c1/apps/Deployment/shop/api';

function report(): CrashTimeline {
  const health = { phase: 'Running', verdict: 'degraded' as const, problems: ['CrashLoopBackOff'], restarts: 3, containers: [], deleting: false };
  return {
    id: DEPLOY,
    object: { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'api' },
    owners: [],
    pods: [{ namespace: 'shop', name: 'api-7d9c-x1', owner: { group: 'apps', kind: 'ReplicaSet', namespace: 'shop', name: 'api-7d9c' }, health, crashed: [] }],
    morePods: 0,
    drifts: [],
    crashes: [],
    windowMs: 900_000,
    logLimits: { tailLines: 500, limitBytes: 262_144 },
  };
}

const upsert = (seq: number, id: string): DriftStreamEvent => ({ seq, type: 'upsert', state: { id } as ObjectDriftState, at: '2026-11-26T10:00:00Z' });
const del = (seq: number, id: string): DriftStreamEvent => ({ seq, type: 'delete', id, cluster: 'c1', at: '2026-11-26T10:00:00Z' });

describe('crashPollingAllowed', () => {
  it('polls on the app pages, which hold the live stream', () => {
    expect(crashPollingAllowed({ hasLiveStream: true, pathname: '/objects' })).toBe(true);
    expect(crashPollingAllowed({ hasLiveStream: true, pathname: undefined })).toBe(true);
  });
  it('never in embeds (Providers live={false}, or an /embed/ path) nor in snapshots', () => {
    expect(crashPollingAllowed({ hasLiveStream: false, pathname: '/objects' })).toBe(false);
    expect(crashPollingAllowed({ hasLiveStream: true, pathname: '/embed/object' })).toBe(false);
    expect(crashPollingAllowed({ hasLiveStream: true, pathname: '/embed' })).toBe(false);
    expect(crashPollingAllowed({ hasLiveStream: true, pathname: '/s/abc123' })).toBe(false);
    // Only the path segments count, not a name that starts alike.
    expect(crashPollingAllowed({ hasLiveStream: true, pathname: '/embedded-things' })).toBe(true);
  });
});

describe('crashRefetchInterval', () => {
  const opened = 1_000_000;
  it('is off where polling is not allowed', () => {
    expect(crashRefetchInterval(false, { dataUpdatedAt: opened, errorUpdatedAt: 0, openedAt: opened })).toBe(false);
  });
  it('keeps the steady pace while answers come', () => {
    expect(crashRefetchInterval(true, { dataUpdatedAt: 0, errorUpdatedAt: 0, openedAt: opened })).toBe(CRASH_REFRESH_MS);
    expect(crashRefetchInterval(true, { dataUpdatedAt: opened + 5, errorUpdatedAt: opened + 1, openedAt: opened })).toBe(CRASH_REFRESH_MS);
  });
  it('doubles the wait while refreshes fail, up to the cap, and is back to the pace after an answer', () => {
    let t = opened;
    const good = t;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      t += waits.at(-1) ?? CRASH_REFRESH_MS;
      const w = crashRefetchInterval(true, { dataUpdatedAt: good, errorUpdatedAt: t, openedAt: opened });
      waits.push(w as number);
    }
    expect(waits).toEqual([15_000, 30_000, 60_000, 120_000, CRASH_REFRESH_MAX_MS, CRASH_REFRESH_MAX_MS]);
    expect(crashRefetchInterval(true, { dataUpdatedAt: t + 10, errorUpdatedAt: t, openedAt: opened })).toBe(CRASH_REFRESH_MS);
  });
  it('counts failing from the panel opening when no answer ever came', () => {
    expect(crashRefetchInterval(true, { dataUpdatedAt: 0, errorUpdatedAt: opened + 200, openedAt: opened })).toBe(CRASH_REFRESH_MS);
    expect(crashRefetchInterval(true, { dataUpdatedAt: 0, errorUpdatedAt: opened + 45_000, openedAt: opened })).toBe(45_000);
  });
});

describe('stream events that bring a refresh forward', () => {
  const w = crashWatchOf(DEPLOY, report())!;
  it('takes the object, its Pods and a workload’s new Pods and ReplicaSets', () => {
    expect(eventConcerns(upsert(1, DEPLOY), w)).toBe(true);
    expect(eventConcerns(upsert(1, 'c1//Pod/shop/api-7d9c-x1'), w)).toBe(true);
    expect(eventConcerns(del(1, 'c1//Pod/shop/api-7d9c-x1'), w)).toBe(true);
    expect(eventConcerns(upsert(1, 'c1//Pod/shop/api-55aa-q2'), w)).toBe(true);
    expect(eventConcerns(upsert(1, 'c1/apps/ReplicaSet/shop/api-55aa'), w)).toBe(true);
  });
  it('leaves out other objects, namespaces, clusters and kinds', () => {
    expect(eventConcerns(upsert(1, 'c1//Pod/shop/web-1'), w)).toBe(false);
    expect(eventConcerns(upsert(1, 'c1//Pod/other/api-7d9c-x1'), w)).toBe(false);
    expect(eventConcerns(upsert(1, 'c2//Pod/shop/api-7d9c-x1'), w)).toBe(false);
    expect(eventConcerns(upsert(1, 'c1//ConfigMap/shop/api-config'), w)).toBe(false);
    expect(eventConcerns(upsert(1, 'c1/apps/Deployment/shop/api2'), w)).toBe(false);
  });
  it('for a Pod, takes only the Pod and its owners', () => {
    const t = report();
    t.object = { group: '', kind: 'Pod', namespace: 'shop', name: 'api-7d9c-x1' };
    t.owners = [{ group: 'apps', kind: 'ReplicaSet', namespace: 'shop', name: 'api-7d9c' }];
    const pw = crashWatchOf('c1//Pod/shop/api-7d9c-x1', t)!;
    expect(eventConcerns(upsert(1, 'c1/apps/ReplicaSet/shop/api-7d9c'), pw)).toBe(true);
    expect(eventConcerns(upsert(1, 'c1//Pod/shop/api-7d9c-x1-sidecar'), pw)).toBe(false);
  });
  it('works before the first answer, from the id alone', () => {
    const w0 = crashWatchOf(DEPLOY, undefined)!;
    expect(eventConcerns(upsert(1, 'c1//Pod/shop/api-7d9c-x1'), w0)).toBe(true);
    expect(crashWatchOf('not-an-id', undefined)).toBeUndefined();
  });
});

describe('advanceCursor', () => {
  it('reads only events after the cursor and starts after what the buffer held at opening', () => {
    const c0 = cursorAt(0, [upsert(4, DEPLOY), upsert(7, DEPLOY)]);
    expect(c0).toEqual({ seq: 7, resets: 0 });
    const r = advanceCursor(c0, 0, [upsert(7, DEPLOY), upsert(8, 'c1//Pod/shop/web-1')], w());
    expect(r).toEqual({ cursor: { seq: 8, resets: 0 }, hit: false });
    expect(advanceCursor(r.cursor, 0, [upsert(9, 'c1//Pod/shop/api-1')], w()).hit).toBe(true);
  });
  it('after a reset, takes the new events even when their numbers start again', () => {
    const r = advanceCursor({ seq: 900, resets: 0 }, 1, [upsert(3, DEPLOY)], w());
    expect(r).toEqual({ cursor: { seq: 3, resets: 1 }, hit: true });
  });
  it('moves on without a watch (the id did not parse)', () => {
    expect(advanceCursor({ seq: 1, resets: 0 }, 0, [upsert(2, DEPLOY)], undefined)).toEqual({ cursor: { seq: 2, resets: 0 }, hit: false });
  });
  function w() {
    return crashWatchOf(DEPLOY, report());
  }
});

describe('nudgeDecision', () => {
  const at = 5_000_000;
  const base = { pendingSince: at, lastAnswerAt: at - 60_000, fetching: false, hidden: false };
  it('waits for the event to settle, then refreshes', () => {
    expect(nudgeDecision({ ...base, now: at + STREAM_SETTLE_MS - 1 })).toBe('wait');
    expect(nudgeDecision({ ...base, now: at + STREAM_SETTLE_MS })).toBe('fetch');
  });
  it('keeps the minimum gap after the last answer', () => {
    const s = { ...base, lastAnswerAt: at + 1_000 };
    expect(nudgeDecision({ ...s, now: at + STREAM_SETTLE_MS })).toBe('wait');
    expect(nudgeDecision({ ...s, now: at + 1_000 + NUDGE_MIN_GAP_MS })).toBe('fetch');
  });
  it('is covered by an answer after the event settled, and waits while hidden or fetching', () => {
    expect(nudgeDecision({ ...base, lastAnswerAt: at + STREAM_SETTLE_MS, now: at + 10_000 })).toBe('covered');
    expect(nudgeDecision({ ...base, hidden: true, now: at + 10_000 })).toBe('wait');
    expect(nudgeDecision({ ...base, fetching: true, now: at + 10_000 })).toBe('wait');
  });
  it('asks no sooner than the back-off while refreshes fail, however many events come', () => {
    // Data at t0, failing since: the back-off after 2 minutes of failures is 2 minutes.
    const t = { dataUpdatedAt: at - 120_000, errorUpdatedAt: at, openedAt: at - 200_000 };
    const notBefore = retryNotBefore(true, t);
    expect(notBefore).toBe(at + 120_000);
    const failing = { ...base, lastAnswerAt: at, pendingSince: at + 1_000, notBefore };
    expect(nudgeDecision({ ...failing, now: at + 10_000 })).toBe('wait');
    expect(nudgeDecision({ ...failing, now: at + 120_000 })).toBe('fetch');
    expect(retryNotBefore(true, { ...t, errorUpdatedAt: 0 })).toBe(0);
  });
});

describe('open excerpts across refreshes', () => {
  it('adds and removes keys, and returns the same set when nothing changed', () => {
    const k = excerptKey('shop', 'api-7d9c-x1', 'manager');
    const none: ReadonlySet<string> = new Set();
    const open = withExcerptOpen(none, k, true);
    expect([...open]).toEqual(['shop/api-7d9c-x1/manager']);
    expect(withExcerptOpen(open, k, true)).toBe(open);
    expect(withExcerptOpen(none, k, false)).toBe(none);
    expect(withExcerptOpen(open, k, false).has(k)).toBe(false);
    expect(none.size).toBe(0);
  });
});
