import { z } from 'zod';
import { DEFAULT_THRESHOLDS } from './analysis';

export const DATA_DIR_ENV = 'DRIFTWATCH_DATA_DIR';
export const DATABASE_URL_ENV = 'DATABASE_URL';
export const DEFAULT_DATA_DIR = '.driftwatch';
export const SQLITE_FILE_NAME = 'history.db';

const DAY = 24 * 60 * 60_000;

const windowMs = z.number().int().positive();
const count = z.number().int().min(1);

export const storeOptionsSchema = z.object({
  /** SQLite: directory of `history.db`. Default `$DRIFTWATCH_DATA_DIR`, else `./.driftwatch`. */
  dataDir: z.string().min(1).optional(),
  /** PostgreSQL: `postgres://…`. Default `$DATABASE_URL`. When set, PostgreSQL is used. */
  databaseUrl: z
    .string()
    .regex(/^postgres(?:ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  /** A queued record waits at most this long before its batch is written. */
  flushIntervalMs: z.number().int().min(1).max(60_000).default(100),
  /**
   * Most records in one batch (one transaction). A batch is written when it is full, or
   * `flushIntervalMs` after its first record once the previous transaction has committed (group
   * commit: under load batches grow up to this bound, which bounds a transaction's duration).
   */
  maxBatchRecords: z.number().int().min(1).default(20_000),
  /**
   * Bound of records recorded but not yet committed. Beyond it records wait unprocessed in a
   * second queue of the same bound, where a new state of an object replaces its waiting state
   * (counted as merged) and other records are dropped (counted as dropped).
   */
  maxQueue: z.number().int().min(10).default(100_000),
  /** Longer canonical JSON values are stored as a `$truncated` summary (the hash covers the full value). */
  maxValueChars: z.number().int().min(64).default(2_048),
  retention: z
    .object({
      maxAgeMs: z.number().int().positive().default(30 * DAY),
      /** How often retention runs on its own; 0 = only when `runRetention()` is called. */
      intervalMs: z.number().int().min(0).default(10 * 60_000),
      /** Rows deleted per statement. */
      batchRows: z.number().int().min(1).default(2_000),
      /** Pause between two delete statements so writes and requests get their turn. */
      pauseMs: z.number().int().min(0).default(5),
    })
    .prefault({}),
  thresholds: z
    .object({
      flapping: z.object({ changes: count, windowMs }).default(DEFAULT_THRESHOLDS.flapping),
      fight: z
        .object({ switches: count, managers: z.number().int().min(2), windowMs })
        .default(DEFAULT_THRESHOLDS.fight),
      reconcileLoop: z.object({ writes: count, windowMs }).default(DEFAULT_THRESHOLDS.reconcileLoop),
    })
    .prefault({}),
  /** A finding's row is rewritten at most once per this much event time while its streak goes on. */
  findingWriteIntervalMs: z.number().int().min(0).default(60_000),
  /** A drift episode close is attributed to the manager of an object write at most this long before it. */
  closeAttributionMs: z.number().int().min(0).default(10_000),
  /** PostgreSQL pool size. */
  poolSize: z.number().int().min(2).max(100).default(4),
});

export type StoreOptionsInput = z.input<typeof storeOptionsSchema>;
export type StoreConfig = z.output<typeof storeOptionsSchema>;

export interface StoreHooks {
  /** Where the store reports write errors and retention results. Default: stderr. */
  log?: (message: string) => void;
}

export type OpenStoreOptions = StoreOptionsInput & StoreHooks;

/** Validates options, filling defaults and the two environment variables. */
export function resolveStoreConfig(input: StoreOptionsInput = {}, env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const withEnv: StoreOptionsInput = { ...input };
  if (withEnv.databaseUrl === undefined && withEnv.dataDir === undefined) {
    const url = env[DATABASE_URL_ENV];
    if (url) withEnv.databaseUrl = url;
  }
  if (withEnv.dataDir === undefined) {
    const dir = env[DATA_DIR_ENV];
    withEnv.dataDir = dir && dir.length > 0 ? dir : DEFAULT_DATA_DIR;
  }
  const parsed = storeOptionsSchema.safeParse(withEnv);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
    throw new Error(`invalid history store options: ${detail}`);
  }
  return parsed.data;
}
