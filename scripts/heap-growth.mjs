// How much V8 may grow the old generation after a full GC, for `npm start`. V8 picks a factor
// between 1.1 and 4 from how fast its collections run; during the initial sync they run fast, so it
// picks 4, and a start-up whose live data settles at ~150 MB could reach 733–781 MiB of RSS before
// the next full GC (docs/benchmarks.md). Capped at 2, the same start-ups peaked at 414–470 MiB with
// no measurable start-up cost. An operator's own `--heap-growing-percent` wins.
export const DEFAULT_HEAP_GROWING_PERCENT = 100;

/** The operator chose a growth of their own, in the node options or NODE_OPTIONS (which execArgv leaves out). */
export function operatorSetHeapGrowth(execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '') {
  const own = (a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent');
  return execArgv.some(own) || nodeOptions.split(/\s+/).some(own);
}

/** The V8 flag to set in a process started with these node options, or undefined to leave V8 alone. */
export function heapGrowthFlag(execArgv, nodeOptions) {
  if (operatorSetHeapGrowth(execArgv, nodeOptions)) return undefined;
  return `--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`;
}
