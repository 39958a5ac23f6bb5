import { describe, expect, it } from 'vitest';
import { Backoff, defaultBackoff, jittered } from './backoff';

describe('Backoff', () => {
  it('doubles from 200 ms to a 30 s cap without jitter at random() = 0', () => {
    const b = new Backoff({}, () => 0);
    const delays = Array.from({ length: 12 }, () => b.next());
    expect(delays).toEqual([200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000, 30_000]);
  });

  it('keeps every jittered delay within [half the base, the base] and never below 100 ms or above 30 s', () => {
    for (let run = 0; run < 200; run++) {
      const b = new Backoff();
      let base = defaultBackoff.initialMs;
      for (let attempt = 0; attempt < 20; attempt++) {
        const d = b.next();
        expect(d).toBeGreaterThanOrEqual(Math.floor(base / 2));
        expect(d).toBeLessThanOrEqual(base);
        expect(d).toBeGreaterThanOrEqual(100);
        expect(d).toBeLessThanOrEqual(30_000);
        base = Math.min(30_000, base * 2);
      }
    }
  });

  it('is really random: the delays for one attempt are spread out', () => {
    const samples = Array.from({ length: 200 }, () => new Backoff({ initialMs: 1000, maxMs: 1000 }).next());
    expect(Math.min(...samples)).toBeLessThan(600);
    expect(Math.max(...samples)).toBeGreaterThan(900);
  });

  it('starts over after reset, and survives a very long outage', () => {
    const b = new Backoff({}, () => 0);
    for (let i = 0; i < 5000; i++) b.next();
    expect(b.next()).toBe(30_000);
    expect(b.attempts).toBe(5001);
    b.reset();
    expect(b.next()).toBe(200);
  });

  it('treats out-of-range random values as bounds', () => {
    expect(new Backoff({}, () => 7).next()).toBe(100);
    expect(new Backoff({}, () => Number.NaN).next()).toBe(200);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow();
    expect(() => new Backoff({ initialMs: 500, maxMs: 100 })).toThrow();
    expect(() => new Backoff({ jitter: 1 })).toThrow();
  });
});

describe('jittered', () => {
  it('stays within ± the fraction', () => {
    expect(jittered(300, 0.2, () => 0)).toBe(240);
    expect(jittered(300, 0.2, () => 1)).toBe(360);
    expect(jittered(300, 0.2, () => 0.5)).toBe(300);
    for (let i = 0; i < 1000; i++) {
      const v = jittered(60_000, 0.1);
      expect(v).toBeGreaterThanOrEqual(54_000);
      expect(v).toBeLessThanOrEqual(66_000);
    }
  });
});
