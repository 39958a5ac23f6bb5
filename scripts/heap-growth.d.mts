export declare const DEFAULT_HEAP_GROWING_PERCENT: number;
export declare function heapGrowthFlag(execArgv: readonly string[]): string | undefined;
