/**
 * How long a snapshot lookup takes for a known id, an unknown well-formed id and a malformed id
 * (SQLite, the default store), so "no timing leak" is a figure rather than a claim. Prints median
 * and p90 per case and the ratio of each to the known-id median.
 *   npx tsx bench/snapshot-lookup.ts [--snapshots 2000] [--lookups 3000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../lib/store';
import { newSnapshotId, snapshotIdHash } from '../lib/share/snapshot-id';
import { readSnapshot } from '../lib/share/snapshot-service';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const N = arg('snapshots', 2000);
const L = arg('lookups', 3000);

const dir = mkdtempSync(join(tmpdir(), 'dw-snap-bench-'));
const store = await openStore({ dataDir: dir, retention: { intervalMs: 0 }, log: () => undefined });
try {
  const ids: string[] = [];
  const payload = { changes: Array.from({ length: 20 }, (_, i) => ({ path: `data.k${i}`, op: 'changed', desired: 'a'.repeat(40), live: 'b'.repeat(40) })) };
  for (let i = 0; i < N; i++) {
    const id = newSnapshotId();
    ids.push(id);
    await store.saveSnapshot({ idHash: snapshotIdHash(id), createdAt: new Date(), subject: `c/apps/Deployment/ns/o${i}`, payload });
  }
  const cases: Record<string, () => string> = {
    known: () => ids[Math.floor(Math.random() * ids.length)]!,
    'unknown (well-formed)': () => newSnapshotId(),
    // Random too: a repeated string would find its B-tree pages in cache every time.
    'malformed (short)': () => `x${Math.random().toString(36).slice(2, 6)}`,
    'malformed (300 chars)': () => `../${newSnapshotId()}`.padEnd(300, '!'),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  // Interleaved so that load on the machine affects every case alike.
  for (let i = 0; i < L; i++) {
    for (const [name, make] of Object.entries(cases)) {
      const id = make();
      const t = process.hrtime.bigint();
      await readSnapshot(store, id);
      samples[name]!.push(Number(process.hrtime.bigint() - t) / 1000);
    }
  }
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
  const base = q(samples.known!, 0.5);
  console.log(`snapshot lookup (SQLite, ${N} snapshots, ${L} lookups per case, interleaved)`);
  for (const [name, xs] of Object.entries(samples)) {
    console.log(`${name.padEnd(24)} median ${q(xs, 0.5).toFixed(1).padStart(7)} µs  p90 ${q(xs, 0.9).toFixed(1).padStart(7)} µs  ratio to known ${(q(xs, 0.5) / base).toFixed(2)}`);
  }
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
