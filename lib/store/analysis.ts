/**
 * Flapping fields, fights between field managers, and reconcile loops. Each detector is a small
 * incremental tracker (a reducer over events in time order, O(1) amortised per event), so the
 * store runs it as it writes; `detectFlapping`/`detectFights`/`detectReconcileLoops` run the same
 * trackers over an array and are pure.
 */

export interface FlappingThresholds {
  /** Value changes of one field ... */
  changes: number;
  /** ... within this window. */
  windowMs: number;
}

export interface FightThresholds {
  /** Changes of the writing manager (A→B counts one) ... */
  switches: number;
  /** ... among at least this many distinct managers ... */
  managers: number;
  /** ... within this window. */
  windowMs: number;
}

export interface ReconcileLoopThresholds {
  /** Live updates without a spec change ... */
  writes: number;
  /** ... within this window. */
  windowMs: number;
}

export interface AnalysisThresholds {
  flapping: FlappingThresholds;
  fight: FightThresholds;
  reconcileLoop: ReconcileLoopThresholds;
}

export const DEFAULT_THRESHOLDS: AnalysisThresholds = {
  flapping: { changes: 5, windowMs: 10 * 60_000 },
  fight: { switches: 3, managers: 2, windowMs: 10 * 60_000 },
  reconcileLoop: { writes: 20, windowMs: 60_000 },
};

/** One value change of a field: drift opened, live value changed, or drift ended. */
export interface FieldEvent {
  at: number;
  /** Who wrote the new value, when known. */
  manager?: string;
}

/** One live update of an object. */
export interface WriteEvent {
  at: number;
  specChanged: boolean;
  manager?: string;
}

/** A run of events during which the condition held. */
export interface Streak {
  firstAt: number;
  lastAt: number;
  count: number;
  managers: string[];
}

export interface StreakUpdate {
  streak: Streak;
  /** True on the event that started the streak. */
  started: boolean;
}

/** Flags N events within a window: flapping fields (value changes) and reconcile loops (writes). */
export class RateTracker {
  private readonly times: number[] = [];
  private readonly mgrs: Array<string | undefined> = [];
  private head = 0;
  private current: Streak | undefined;

  constructor(
    private readonly n: number,
    private readonly windowMs: number,
  ) {}

  get streak(): Streak | undefined {
    return this.current;
  }

  /** Events must come in time order (an earlier one is treated as simultaneous). */
  push(at: number, manager?: string): StreakUpdate | undefined {
    const n = Math.max(1, this.n);
    if (this.times.length < n) {
      this.times.push(at);
      this.mgrs.push(manager);
    } else {
      this.times[this.head] = at;
      this.mgrs[this.head] = manager;
      this.head = (this.head + 1) % n;
    }
    const oldest = this.times.length < n ? this.times[0] : this.times[this.head];
    const qualifies = this.times.length >= n && oldest !== undefined && at - oldest <= this.windowMs;
    if (!qualifies) {
      this.current = undefined;
      return undefined;
    }
    if (this.current === undefined) {
      const managers = new Set<string>();
      for (const m of this.mgrs) if (m !== undefined) managers.add(m);
      this.current = { firstAt: oldest ?? at, lastAt: at, count: n, managers: [...managers].sort() };
      return { streak: this.current, started: true };
    }
    this.current.lastAt = Math.max(this.current.lastAt, at);
    this.current.count++;
    if (manager !== undefined && !this.current.managers.includes(manager)) {
      this.current.managers = [...this.current.managers, manager].sort();
    }
    return { streak: this.current, started: false };
  }

  /** Last event time seen, for eviction of idle trackers. */
  lastAt(): number {
    const last = this.times.length < this.n ? this.times[this.times.length - 1] : this.times[(this.head + this.n - 1) % this.n];
    return last ?? 0;
  }
}

/**
 * Flags two or more managers alternately overwriting one field: within the window, at least
 * `switches` changes of writer among at least `managers` distinct writers. Events without a
 * known manager neither count nor break the alternation.
 */
export class FightTracker {
  // Events in the window as parallel arrays from `start` (no object per event).
  private ats: number[] = [];
  private mgrs: string[] = [];
  private switchedAt: boolean[] = [];
  private start = 0;
  private switches = 0;
  /** Distinct managers in the window and how many events each has there (few: linear scan). */
  private names: string[] = [];
  private counts: number[] = [];
  private lastManager: string | undefined;
  private current: Streak | undefined;

  /** lastManager: the writer before the first event pushed, when known (a switch to another counts). */
  constructor(
    private readonly th: FightThresholds,
    lastManager?: string,
  ) {
    this.lastManager = lastManager;
  }

  get streak(): Streak | undefined {
    return this.current;
  }

  private count(manager: string, delta: number): void {
    const i = this.names.indexOf(manager);
    if (i < 0) {
      this.names.push(manager);
      this.counts.push(delta);
      return;
    }
    const c = (this.counts[i] ?? 0) + delta;
    if (c > 0) {
      this.counts[i] = c;
    } else {
      // Order does not matter (streaks sort their managers): move the last entry here, no splice.
      const last = this.names.length - 1;
      this.names[i] = this.names[last] ?? manager;
      this.counts[i] = this.counts[last] ?? 0;
      this.names.pop();
      this.counts.pop();
    }
  }

  push(at: number, manager?: string): StreakUpdate | undefined {
    // Evict what left the window.
    while (this.start < this.ats.length && at - (this.ats[this.start] ?? at) > this.th.windowMs) {
      if (this.switchedAt[this.start]) this.switches--;
      this.count(this.mgrs[this.start] ?? '', -1);
      this.start++;
    }
    if (this.start > 32 && this.start * 2 > this.ats.length) {
      this.ats = this.ats.slice(this.start);
      this.mgrs = this.mgrs.slice(this.start);
      this.switchedAt = this.switchedAt.slice(this.start);
      this.start = 0;
    }
    if (manager === undefined) {
      return this.current ? { streak: this.current, started: false } : undefined;
    }
    const switched = this.lastManager !== undefined && this.lastManager !== manager;
    this.lastManager = manager;
    this.ats.push(at);
    this.mgrs.push(manager);
    this.switchedAt.push(switched);
    if (switched) this.switches++;
    this.count(manager, 1);

    if (this.switches < this.th.switches || this.names.length < this.th.managers) {
      this.current = undefined;
      return undefined;
    }
    if (this.current === undefined) {
      this.current = {
        firstAt: this.ats[this.start] ?? at,
        lastAt: at,
        count: this.switches,
        managers: [...this.names].sort(),
      };
      return { streak: this.current, started: true };
    }
    this.current.lastAt = Math.max(this.current.lastAt, at);
    if (switched) this.current.count++;
    if (!this.current.managers.includes(manager)) this.current.managers = [...this.current.managers, manager].sort();
    return { streak: this.current, started: false };
  }

  lastAt(): number {
    return this.ats[this.ats.length - 1] ?? 0;
  }
}

function collect(push: (e: { at: number; manager?: string }) => StreakUpdate | undefined, events: ReadonlyArray<{ at: number; manager?: string }>): Streak[] {
  const out: Streak[] = [];
  const sorted = [...events].sort((a, b) => a.at - b.at);
  for (const e of sorted) {
    const u = push(e);
    if (u?.started) out.push(u.streak);
  }
  // Streak objects are live: later events extended them in place. Return copies.
  return out.map((s) => ({ ...s, managers: [...s.managers] }));
}

/** Streaks in which a field's value changed at least `changes` times within `windowMs`. */
export function detectFlapping(events: readonly FieldEvent[], th: FlappingThresholds = DEFAULT_THRESHOLDS.flapping): Streak[] {
  const t = new RateTracker(th.changes, th.windowMs);
  return collect((e) => t.push(e.at, e.manager), events);
}

/** Streaks in which two or more managers kept overwriting each other's value of one field. */
export function detectFights(events: readonly FieldEvent[], th: FightThresholds = DEFAULT_THRESHOLDS.fight): Streak[] {
  const t = new FightTracker(th);
  return collect((e) => t.push(e.at, e.manager), events);
}

/** Streaks in which an object was rewritten at least `writes` times within `windowMs` without a spec change. */
export function detectReconcileLoops(writes: readonly WriteEvent[], th: ReconcileLoopThresholds = DEFAULT_THRESHOLDS.reconcileLoop): Streak[] {
  const t = new RateTracker(th.writes, th.windowMs);
  return collect((e) => t.push(e.at, e.manager), writes.filter((w) => !w.specChanged));
}

/**
 * The flapping and fight trackers of one field, built only once they can matter. Most fields
 * change seldom: while every change comes more than a window after the one before, no streak can
 * form, so only the last change is kept (with who wrote before it, which a fight counts) and the
 * trackers are built when a change first follows another within the window. Built then from that
 * last change, they are as if they had seen every change: the earlier ones are outside every
 * window from there on. A late change is taken as simultaneous with the last one (see push).
 */
export class FieldTrackers {
  /** The last change (NaN before the first). */
  private lastEventAt = Number.NaN;
  private lastManager: string | undefined;
  private managerBefore: string | undefined;
  private flap: RateTracker | undefined;
  private fight: FightTracker | undefined;

  constructor(private readonly th: AnalysisThresholds) {}

  /** Whether a lone change can never start a streak, so the trackers may wait for a second one. */
  static canWait(th: AnalysisThresholds): boolean {
    return th.flapping.changes >= 2 && (th.fight.switches >= 2 || th.fight.managers >= 2);
  }

  /**
   * A change of the field; the streaks it continues or starts. A change older than the last one
   * counts as simultaneous with it (the trackers' own rule for late events), so the trackers see
   * time in order and changes dropped before them cannot matter again.
   */
  push(at: number, manager?: string): { flapping: StreakUpdate | undefined; fight: StreakUpdate | undefined } {
    if (at < this.lastEventAt) at = this.lastEventAt;
    let flap = this.flap;
    let fight = this.fight;
    if (flap === undefined || fight === undefined) {
      const first = Number.isNaN(this.lastEventAt);
      const window = Math.max(this.th.flapping.windowMs, this.th.fight.windowMs);
      if (FieldTrackers.canWait(this.th) && (first || at - this.lastEventAt > window)) {
        if (this.lastManager !== undefined) this.managerBefore = this.lastManager;
        this.lastEventAt = at;
        this.lastManager = manager;
        return NO_STREAKS;
      }
      flap = new RateTracker(this.th.flapping.changes, this.th.flapping.windowMs);
      fight = new FightTracker(this.th.fight, this.managerBefore);
      // The change kept, which cannot have started a streak on its own (canWait).
      if (!first) {
        flap.push(this.lastEventAt, this.lastManager);
        fight.push(this.lastEventAt, this.lastManager);
      }
      this.flap = flap;
      this.fight = fight;
    }
    this.lastEventAt = at;
    return { flapping: flap.push(at, manager), fight: fight.push(at, manager) };
  }

  /** Last change seen, for eviction of idle fields. */
  lastAt(): number {
    return this.lastEventAt;
  }
}

const NO_STREAKS = { flapping: undefined, fight: undefined } as const;
