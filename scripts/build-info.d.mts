export declare const BUILD_INFO: string;
export declare function currentCommit(root: string): string | undefined;
export declare function workTreeChanged(root: string): boolean | undefined;
export declare function writeBuildInfo(root: string, dir: string): void;
export declare function buildIsCurrent(root: string, dir: string): boolean;
export declare function staleBuildWarning(root: string, dir: string): string | undefined;
