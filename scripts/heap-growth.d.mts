export declare const DEFAULT_HEAP_GROWING_PERCENT: number;
export declare function operatorSetHeapGrowth(execArgv: readonly string[], nodeOptions?: string): boolean;
export declare function heapGrowthFlag(execArgv: readonly string[], nodeOptions?: string): string | undefined;
