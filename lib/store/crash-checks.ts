/** What must hold after the crash writer was killed: continuity of every episode's history. */
import { expect } from 'vitest';
import { CRASH_T0, HEAVY_OBJECTS, heavy, heavyState, victim } from './crash-writer';
import { openStore } from './open-store';

export async function verifyAfterKill(options: { dataDir?: string; databaseUrl?: string }, committedRound: number): Promise<void> {
  const store = await openStore({ ...options, retention: { intervalMs: 0 }, log: () => undefined });
  try {
    // The victim's episode was open when the process died: it is still open, with its one transition.
    const v = await store.objectHistory(victim);
    expect(v?.episodes).toHaveLength(1);
    expect(v?.episodes[0]?.closedAt).toBeUndefined();
    expect(v?.episodes[0]?.transitionCount).toBe(1);

    // Every heavy object has one open episode per path, and its transitions are an unbroken prefix
    // of the rounds written: 1..k with k at least the last round reported committed.
    let maxRound = 0;
    for (const i of [0, 1, Math.floor(HEAVY_OBJECTS / 2), HEAVY_OBJECTS - 1]) {
      const h = await store.objectHistory(heavy(i), { transitionLimit: 1_000_000 });
      expect(h?.episodes).toHaveLength(2);
      const replicas = h?.episodes.find((e) => e.path === 'spec.replicas');
      const values = replicas?.transitions.map((t) => t.live) ?? [];
      expect(values.length).toBe(replicas?.transitionCount);
      expect(values.length).toBeGreaterThanOrEqual(committedRound);
      expect(values).toEqual(values.map((_, k) => k + 1));
      const ticks = h?.episodes.find((e) => e.path === 'metadata.annotations.tick');
      expect(ticks?.transitionCount).toBe(values.length);
      maxRound = Math.max(maxRound, values.length);
    }

    // After restart the pipeline reconciles: the victim is in sync now, heavy objects go on.
    const end = new Date(CRASH_T0 + 10 * 60 * 60_000);
    store.recordObjectState({ ...victim, at: end, status: 'in-sync', changes: [] });
    store.recordObjectState({ ...heavyState(0, maxRound + 1) });
    await store.flush();
    const after = await store.objectHistory(victim);
    expect(after?.episodes).toHaveLength(1);
    expect(after?.episodes[0]?.closedAt).toEqual(end);
    expect(after?.episodes[0]?.closeReason).toBe('in-sync');
    const h0 = await store.objectHistory(heavy(0), { transitionLimit: 1_000_000 });
    expect(h0?.episodes).toHaveLength(2);
    const rep = h0?.episodes.find((e) => e.path === 'spec.replicas');
    expect(rep?.transitions.at(-1)?.live).toBe(maxRound + 1);
    expect(rep?.transitionCount).toBe(rep?.transitions.length);
  } finally {
    await store.close();
  }
}
