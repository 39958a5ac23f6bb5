export function serverBundleDir(root: string, env?: NodeJS.ProcessEnv): string;
export const SERVER_ENTRY: string;
export const PARSE_WORKER_ENTRY: string;
export const PARSE_WORKER_ENV: string;
