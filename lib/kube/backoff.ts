/** Exponential backoff with jitter, for reconnecting watches and retrying lists. */
export interface BackoffOptions {
  /** First delay before jitter. */
  initialMs: number;
  /** No delay is ever longer than this. */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
  /**
   * Fraction of each delay that is random: a delay is `base * (1 - jitter * random())`, so with
   * 0.5 it lies in [base/2, base]. Spreads the reconnects of many informers after an outage.
   */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 200, maxMs: 30_000, factor: 2, jitter: 0.5 };

export class Backoff {
  private attempt = 0;
  private readonly opts: BackoffOptions;

  constructor(
    opts: Partial<BackoffOptions> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.opts = { ...defaultBackoff, ...opts };
    if (!(this.opts.initialMs > 0) || this.opts.maxMs < this.opts.initialMs || this.opts.factor < 1) {
      throw new Error(`invalid backoff ${JSON.stringify(this.opts)}`);
    }
    if (this.opts.jitter < 0 || this.opts.jitter >= 1) throw new Error('backoff jitter must be in [0, 1)');
  }

  /** The delay before the next attempt; each call counts one more failed attempt. */
  next(): number {
    const { initialMs, maxMs, factor, jitter } = this.opts;
    // Cap the exponent so that a long outage never overflows to Infinity.
    const base = Math.min(maxMs, initialMs * factor ** Math.min(this.attempt, 64));
    this.attempt++;
    return Math.round(base * (1 - jitter * clamp01(this.random())));
  }

  /** Back to the initial delay, after something worked for a while. */
  reset(): void {
    this.attempt = 0;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }
}

/** `ms` moved randomly by up to ±`fraction` of itself: 300 s ± 20 % is 240–360 s. */
export function jittered(ms: number, fraction: number, random: () => number = Math.random): number {
  return Math.round(ms * (1 + fraction * (2 * clamp01(random()) - 1)));
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
