import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  detectFights,
  detectFlapping,
  detectReconcileLoops,
  FieldTrackers,
  FightTracker,
  RateTracker,
  type AnalysisThresholds,
} from './analysis';

const s = (n: number) => n * 1_000;

describe('detectFlapping', () => {
  it('flags N value changes within the window as one streak, and not N changes spread wider', () => {
    const fast = [0, 10, 20, 30, 40, 50, 60].map((t) => ({ at: s(t), manager: 'hpa' }));
    expect(detectFlapping(fast, { changes: 5, windowMs: s(60) })).toEqual([
      { firstAt: s(0), lastAt: s(60), count: 7, managers: ['hpa'] },
    ]);
    const slow = [0, 100, 200, 300, 400, 500].map((t) => ({ at: s(t) }));
    expect(detectFlapping(slow, { changes: 5, windowMs: s(60) })).toEqual([]);
  });

  it('ends a streak when the rate drops and starts a new one when it rises again', () => {
    const times = [0, 1, 2, 3, 4, 500, 1000, 1001, 1002, 1003, 1004];
    const streaks = detectFlapping(times.map((t) => ({ at: s(t) })), { changes: 5, windowMs: s(10) });
    expect(streaks.map((x) => [x.firstAt, x.lastAt, x.count])).toEqual([
      [s(0), s(4), 5],
      [s(1000), s(1004), 5],
    ]);
  });

  it('accepts events out of order', () => {
    const times = [4, 0, 3, 1, 2];
    expect(detectFlapping(times.map((t) => ({ at: s(t) })), { changes: 5, windowMs: s(10) })).toHaveLength(1);
  });
});

describe('detectFights', () => {
  const th = { switches: 3, managers: 2, windowMs: s(600) };

  it('flags alternating managers and names them', () => {
    const ev = ['hpa', 'argocd', 'hpa', 'argocd'].map((m, i) => ({ at: s(i * 30), manager: m }));
    expect(detectFights(ev, th)).toEqual([{ firstAt: 0, lastAt: s(90), count: 3, managers: ['argocd', 'hpa'] }]);
  });

  it('does not flag one manager changing a value often, nor a single takeover', () => {
    expect(detectFights([1, 2, 3, 4, 5, 6].map((i) => ({ at: s(i), manager: 'hpa' })), th)).toEqual([]);
    const takeover = ['a', 'a', 'a', 'b', 'b', 'b'].map((m, i) => ({ at: s(i), manager: m }));
    expect(detectFights(takeover, th)).toEqual([]);
  });

  it('ignores events without a manager and forgets switches that left the window', () => {
    const ev = [
      { at: s(0), manager: 'a' },
      { at: s(1) },
      { at: s(2), manager: 'b' },
      { at: s(1_000), manager: 'a' },
      { at: s(1_001), manager: 'b' },
    ];
    expect(detectFights(ev, th)).toEqual([]);
    const tracker = new FightTracker(th);
    for (const e of [...ev, { at: s(1_002), manager: 'a' }, { at: s(1_003), manager: 'b' }]) tracker.push(e.at, e.manager);
    expect(tracker.streak).toMatchObject({ firstAt: s(1_000), lastAt: s(1_003), count: 4, managers: ['a', 'b'] });
  });

  it('counts three managers taking turns', () => {
    const ev = ['a', 'b', 'c', 'a', 'b', 'c'].map((m, i) => ({ at: s(i), manager: m }));
    expect(detectFights(ev, { ...th, managers: 3 })).toEqual([{ firstAt: 0, lastAt: s(5), count: 5, managers: ['a', 'b', 'c'] }]);
  });
});

describe('detectReconcileLoops', () => {
  it('counts only writes without a spec change', () => {
    const writes = Array.from({ length: 30 }, (_, i) => ({ at: s(i), specChanged: i % 2 === 0, manager: 'op' }));
    expect(detectReconcileLoops(writes, { writes: 10, windowMs: s(60) })).toEqual([
      { firstAt: s(1), lastAt: s(29), count: 15, managers: ['op'] },
    ]);
    expect(detectReconcileLoops(writes, { writes: 20, windowMs: s(60) })).toEqual([]);
  });

  it('tracks the last event time for eviction', () => {
    const t = new RateTracker(3, 1_000);
    expect(t.lastAt()).toBe(0);
    t.push(5);
    t.push(7);
    t.push(9);
    t.push(11);
    expect(t.lastAt()).toBe(11);
  });
});

describe('FieldTrackers (trackers built on a second change within the window)', () => {
  /** A small deterministic generator, so a failure names its seed. */
  function rng(seed: number): () => number {
    let x = seed >>> 0 || 1;
    return () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 4294967296;
    };
  }

  const thresholdSets: AnalysisThresholds[] = [
    DEFAULT_THRESHOLDS,
    { flapping: { changes: 2, windowMs: 60_000 }, fight: { switches: 2, managers: 2, windowMs: 120_000 }, reconcileLoop: DEFAULT_THRESHOLDS.reconcileLoop },
    { flapping: { changes: 3, windowMs: 300_000 }, fight: { switches: 1, managers: 2, windowMs: 60_000 }, reconcileLoop: DEFAULT_THRESHOLDS.reconcileLoop },
    // A lone change starts a streak: no waiting possible, trackers from the first change.
    { flapping: { changes: 1, windowMs: 60_000 }, fight: { switches: 1, managers: 1, windowMs: 60_000 }, reconcileLoop: DEFAULT_THRESHOLDS.reconcileLoop },
  ];

  it('reports exactly what trackers fed every change report, on random change sequences', () => {
    let streaks = 0;
    let waited = 0;
    for (const th of thresholdSets) {
      for (let seed = 1; seed <= 300; seed++) {
        const r = rng(seed * 7919);
        const lazy = new FieldTrackers(th);
        const flap = new RateTracker(th.flapping.changes, th.flapping.windowMs);
        const fight = new FightTracker(th.fight);
        let at = 1_000_000;
        let fedAt = Number.NEGATIVE_INFINITY;
        const window = Math.max(th.flapping.windowMs, th.fight.windowMs);
        for (let i = 0; i < 60; i++) {
          // Mostly far apart (nothing to track), sometimes bursts, sometimes late (even by more
          // than a window, after a change that was dropped).
          const p = r();
          at += p < 0.5 ? window + 1 + Math.floor(r() * window * 3) : p < 0.9 ? Math.floor(r() * window * 0.5) : -Math.floor(r() * window * 3);
          const manager = r() < 0.15 ? undefined : ['argocd', 'hpa', 'kubectl-edit'][Math.floor(r() * 3)];
          const got = lazy.push(at, manager);
          // A late change counts as simultaneous with the last one (FieldTrackers.push).
          fedAt = Math.max(fedAt, at);
          const want = { flapping: flap.push(fedAt, manager), fight: fight.push(fedAt, manager) };
          // 72,000 steps: expect() only where a cheap comparison differs, or the test takes
          // seconds of CPU (past the unit timeout on a loaded 2-core machine).
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            expect(got, `seed ${seed}, change ${i}, thresholds ${JSON.stringify(th)}`).toEqual(want);
          }
          if (want.flapping || want.fight) streaks++;
          if (lazy.lastAt() !== flap.lastAt()) expect(lazy.lastAt(), `seed ${seed}, change ${i}`).toBe(flap.lastAt());
        }
        if (FieldTrackers.canWait(th)) waited++;
      }
    }
    // The sequences did form streaks (the comparison is not vacuous) and most thresholds allowed waiting.
    expect(streaks).toBeGreaterThan(500);
    expect(waited).toBe(900);
  }, 30_000);

  it('takes a late change as simultaneous with the last one, whether or not the trackers exist yet', () => {
    const th: AnalysisThresholds = {
      flapping: { changes: 3, windowMs: 100 },
      fight: { switches: 2, managers: 2, windowMs: 100 },
      reconcileLoop: DEFAULT_THRESHOLDS.reconcileLoop,
    };
    const f = new FieldTrackers(th);
    expect(f.push(0, 'a')).toEqual({ flapping: undefined, fight: undefined });
    expect(f.push(1000, 'b')).toEqual({ flapping: undefined, fight: undefined });
    // At 50 by its clock, counted at 1000: not within 100 ms of the change at 0.
    expect(f.push(50, 'a').flapping).toBeUndefined();
    expect(f.lastAt()).toBe(1000);
    // Three changes within the window from here on: flapping.
    expect(f.push(1010, 'b').flapping?.streak).toMatchObject({ firstAt: 1000, lastAt: 1010, count: 3 });
  });
});
