import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the `postgres` database of a throwaway server; tests create their own databases. */
    postgresAdminUrl: string;
  }
}

/** Environment variable through which a caller can hand tests an already running server. */
export const POSTGRES_ADMIN_URL_ENV = 'DRIFTWATCH_TEST_POSTGRES_ADMIN_URL';

/** Starts a PostgreSQL server (Debian's package) for the integration tests, or uses the given one. */
export default async function setup(project: TestProject) {
  const given = process.env[POSTGRES_ADMIN_URL_ENV];
  if (given) {
    project.provide('postgresAdminUrl', given);
    return;
  }
  const server = await startPostgres();
  project.provide('postgresAdminUrl', server.adminUrl);
  return async () => server.stop();
}
