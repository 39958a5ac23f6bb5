/**
 * The server's key for Secret redaction markers (lib/drift/secrets.ts): `DRIFTWATCH_REDACTION_KEY`,
 * else a key kept in the data directory (`redaction.key`, made on first start, readable by the
 * owner only), so that markers in the history stay comparable across restarts. Several replicas
 * sharing one PostgreSQL history should all be given the same key through the variable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REDACTION_KEY_MIN_BYTES } from '../drift/secrets';

export const REDACTION_KEY_ENV = 'DRIFTWATCH_REDACTION_KEY';
export const REDACTION_KEY_FILE = 'redaction.key';

export type RedactionKey = { key: Uint8Array; origin: string } | { error: string };

/** Reads or makes the key; a key set but too short is an error for the caller to refuse the start with. */
export function loadRedactionKey(dataDir: string | undefined, env: Record<string, string | undefined> = process.env): RedactionKey {
  const fromEnv = env[REDACTION_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    const key = Buffer.from(fromEnv, 'utf8');
    if (key.length < REDACTION_KEY_MIN_BYTES) return { error: `${REDACTION_KEY_ENV} must be at least ${REDACTION_KEY_MIN_BYTES} characters (it has ${key.length})` };
    return { key, origin: REDACTION_KEY_ENV };
  }
  const dir = resolve(/*turbopackIgnore: true*/ dataDir ?? env.DRIFTWATCH_DATA_DIR ?? '.driftwatch');
  const file = join(dir, REDACTION_KEY_FILE);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!existsSync(file)) {
      // Written whole under another name, then linked into place: a link fails if the name exists,
      // so two processes starting on one data directory end with one key, and neither (nor a crash
      // between creating and writing) can leave an empty file behind that the other would read.
      const draft = join(dir, `.${REDACTION_KEY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
      writeFileSync(draft, `${randomBytes(REDACTION_KEY_MIN_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      try {
        linkSync(draft, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        rmSync(draft, { force: true });
      }
    }
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length < REDACTION_KEY_MIN_BYTES) return { error: `${file} holds no usable key (${key.length} bytes); delete it to have a new one made` };
    return { key, origin: file };
  } catch (err) {
    return { error: `cannot keep a redaction key in ${file}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
