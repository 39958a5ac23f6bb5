/**
 * How much V8 may grow the old generation after a full collection. `npm start` allows twice what
 * survived (scripts/heap-growth.mjs), which keeps the many collections of a small, growing heap
 * few. A large heap is another matter: the first sync of a big cluster produces garbage far faster
 * than it keeps objects (1.5 GB allocated for ≈ 210 MB kept at 15,000 objects), so each cycle
 * fills the heap to its limit, and twice a 190–210 MB live heap let the server reach 485–523 MiB
 * of RSS in bench:live. Once the heap in use passes LARGE_HEAP_BYTES the server allows 1.5 times.
 */
import v8 from 'node:v8';
import { operatorSetHeapGrowth } from '../../scripts/heap-growth.mjs';

export const LARGE_HEAP_BYTES = 128 * 2 ** 20;
export const LARGE_HEAP_GROWING_PERCENT = 50;

/**
 * Watches the heap and lowers the growth once it is large, unless the operator set their own.
 * V8 reads the flag whenever it sets the next collection's limit, so it takes effect from the next
 * full collection (checked: a heap of 420 MB live then collected at ≈ 690 MB instead of ≈ 910).
 * Returns a function that stops watching.
 */
export function tightenHeapGrowthWhenLarge(opts: { checkMs?: number; largeBytes?: number; onTightened?: (usedBytes: number) => void } = {}): () => void {
  if (operatorSetHeapGrowth(process.execArgv)) return () => undefined;
  const largeBytes = opts.largeBytes ?? LARGE_HEAP_BYTES;
  const timer = setInterval(() => {
    const used = v8.getHeapStatistics().used_heap_size;
    if (used < largeBytes) return;
    v8.setFlagsFromString(`--heap-growing-percent=${LARGE_HEAP_GROWING_PERCENT}`);
    clearInterval(timer);
    opts.onTightened?.(used);
  }, opts.checkMs ?? 200);
  timer.unref();
  return () => clearInterval(timer);
}
