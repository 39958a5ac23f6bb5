import { join, resolve } from 'node:path';
import { resolveStoreConfig, SQLITE_FILE_NAME, type OpenStoreOptions } from './config';
import { recoverHeads } from './heads';
import { openPostgresBackend } from './postgres-backend';
import { openSqliteBackend } from './sqlite-backend';
import { DeferredStore } from './deferred-store';
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

/**
 * The same store, opened on `open()` (or the first query, flush or close) instead of now; records
 * made before are kept and handed over (see DeferredStore). Bad options throw here, at once.
 */
export function openStoreDeferred(options: OpenStoreOptions = {}, onOpenError?: (err: unknown) => void): DeferredStore {
  const { log = defaultLog, ...rest } = options;
  const config = resolveStoreConfig(rest);
  return new DeferredStore(config.databaseUrl !== undefined ? 'postgres' : 'sqlite', () => openStore(options), { log, ...(onOpenError ? { onOpenError } : {}) });
}

/** Path of the SQLite file for a data directory. */
export function sqlitePath(dataDir: string): string {
  return join(resolve(dataDir), SQLITE_FILE_NAME);
}
