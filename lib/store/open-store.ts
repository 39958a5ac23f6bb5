import { join, resolve } from 'node:path';
import { resolveStoreConfig, SQLITE_FILE_NAME, type OpenStoreOptions } from './config';
import { recoverHeads } from './heads';
import { openPostgresBackend } from './postgres-backend';
import { openSqliteBackend } from './sqlite-backend';
import { Store } from './store-core';
import type { DriftStore } from './types';

const defaultLog = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/**
 * Opens the history store: PostgreSQL when `databaseUrl` (or `$DATABASE_URL`, unless `dataDir`
 * is given) is set, else SQLite at `<dataDir>/history.db` (`$DRIFTWATCH_DATA_DIR`, default
 * `./.driftwatch`). Applies pending migrations before it returns.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<DriftStore> {
  const { log = defaultLog, ...rest } = options;
  const config = resolveStoreConfig(rest);
  const backend =
    config.databaseUrl !== undefined
      ? await openPostgresBackend(config.databaseUrl, config.poolSize)
      : await openSqliteBackend(sqlitePath(config.dataDir ?? '.'));
  try {
    await recoverHeads(backend);
  } catch (err) {
    await backend.close();
    throw err;
  }
  return new Store(backend, config, log);
}

/** Path of the SQLite file for a data directory. */
export function sqlitePath(dataDir: string): string {
  return join(resolve(dataDir), SQLITE_FILE_NAME);
}
