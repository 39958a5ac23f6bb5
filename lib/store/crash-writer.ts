/**
 * Child process of the kill tests: opens the store given on the command line, opens one drift
 * episode on the "victim" object, then writes transitions for many objects as fast as it can
 * until it is killed. Prints `READY` once the victim's episode is committed and `ROUND <n>` each
 * time every round up to n is committed.
 *   tsx lib/store/crash-writer.ts '{"dataDir":"..."}' | '{"databaseUrl":"..."}'
 */
import { openStore } from './open-store';
import type { ObjectStateInput } from './types';

export const CRASH_T0 = Date.UTC(2025, 2, 1);
export const HEAVY_OBJECTS = 500;
export const victim = { cluster: 'c', group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'crash', name: 'victim', uid: 'v' };
export const heavy = (i: number) => ({ ...victim, name: `heavy-${i}`, uid: `h${i}` });

export function heavyState(i: number, round: number): ObjectStateInput {
  return {
    ...heavy(i),
    at: new Date(CRASH_T0 + round * 1_000),
    status: 'drifted',
    changes: [
      { path: 'spec.replicas', op: 'changed', desired: 1, live: round, manager: { name: i % 2 ? 'a' : 'b', operation: 'Update' } },
      { path: 'metadata.annotations.tick', op: 'added', live: `r${round}`, manager: { name: 'ticker', operation: 'Apply' } },
    ],
  };
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: crash-writer.ts <options json>');
  const options = JSON.parse(arg) as { dataDir?: string; databaseUrl?: string };
  const store = await openStore({ ...options, flushIntervalMs: 10, log: (m) => process.stderr.write(`${m}\n`) });
  store.recordObjectState({
    ...victim,
    at: new Date(CRASH_T0),
    status: 'drifted',
    changes: [{ path: 'spec.template.spec.containers[name=app].image', op: 'changed', desired: 'app:1', live: 'app:debug' }],
  });
  await store.flush();
  process.stdout.write('READY\n');
  for (let round = 1; ; round++) {
    for (let i = 0; i < HEAVY_OBJECTS; i++) store.recordObjectState(heavyState(i, round));
    if (round % 5 === 0) {
      const r = round;
      // Not awaited in the loop: writing goes on while this round's flush commits.
      store.flush().then(
        () => process.stdout.write(`ROUND ${r}\n`),
        () => undefined,
      );
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

if (process.argv[1]?.endsWith('crash-writer.ts')) {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
