export declare const BUILD_INFO: string;
export declare function currentCommit(root: string): string | undefined;
export declare function writeBuildInfo(root: string, dir: string): void;
export declare function staleBuildWarning(root: string, dir: string): string | undefined;
