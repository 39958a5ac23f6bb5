/**
 * How much V8 may grow the old generation after a full collection, once the first sync is done.
 * During the sync `npm start` allows twice what survived (scripts/heap-growth.mjs): tighter, the
 * many collections of a growing heap slow the sync down. Afterwards the heap holds about what it
 * will hold, and twice that is room for garbage: with 15,000 objects (≈ 210 MB live) the heap
 * could reach ≈ 420 MB before the next full collection, ≈ 520 MiB of RSS (bench:live saw 523 MiB).
 * At 1.5 times it stays near 320 MB, for a full collection somewhat more often while objects change.
 */
import v8 from 'node:v8';

export const SYNCED_HEAP_GROWING_PERCENT = 50;

/** The operator chose a growth of their own (node options or NODE_OPTIONS): leave it alone. */
export function operatorSetHeapGrowth(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  const own = (a: string) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent');
  return execArgv.some(own) || nodeOptions.split(/\s+/).some(own);
}

/** Applies SYNCED_HEAP_GROWING_PERCENT unless the operator set their own; true if it did. */
export function tightenHeapGrowthAfterSync(): boolean {
  if (operatorSetHeapGrowth()) return false;
  // V8 reads the flag whenever it sets the next collection's limit: this takes effect from the
  // next full collection on (checked: a heap of 420 MB live then collected at ≈ 690 MB instead of ≈ 910).
  v8.setFlagsFromString(`--heap-growing-percent=${SYNCED_HEAP_GROWING_PERCENT}`);
  return true;
}
