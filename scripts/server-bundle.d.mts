export function serverBundleDir(root: string, env?: NodeJS.ProcessEnv): string;
export const SERVER_ENTRY: string;
