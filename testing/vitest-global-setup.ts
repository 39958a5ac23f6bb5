import type { TestProject } from 'vitest/node';
import { STATE_DIR_ENV, startTestCluster } from './test-cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    testClusterStateDir: string;
  }
}

/** Uses the cluster the test command started, or starts one for a standalone `vitest` run. */
export default async function setup(project: TestProject) {
  const given = process.env[STATE_DIR_ENV];
  if (given) {
    project.provide('testClusterStateDir', given);
    return;
  }
  const cluster = await startTestCluster();
  project.provide('testClusterStateDir', cluster.stateDir);
  return async () => cluster.stop();
}
