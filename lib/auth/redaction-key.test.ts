import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../testing/temp-dirs';
import { loadRedactionKey, REDACTION_KEY_FILE } from './redaction-key';

const tempDir = tempDirs('dw-redaction-key-');

describe('the redaction key', () => {
  it('is made once in the data directory, readable by its owner only, and the same on the next start', () => {
    const dir = join(tempDir(), 'data');
    const first = loadRedactionKey(dir, {});
    if (!('key' in first)) throw new Error(first.error);
    expect(first.key.length).toBeGreaterThanOrEqual(32);
    expect(first.origin).toBe(join(dir, REDACTION_KEY_FILE));
    expect(statSync(first.origin).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([REDACTION_KEY_FILE]);
    const again = loadRedactionKey(dir, {});
    expect('key' in again && Buffer.from(again.key).equals(Buffer.from(first.key))).toBe(true);
    // Another data directory, another key.
    const other = loadRedactionKey(join(tempDir(), 'data'), {});
    expect('key' in other && Buffer.from(other.key).equals(Buffer.from(first.key))).toBe(false);
  });

  it('comes from DRIFTWATCH_REDACTION_KEY when set, which must be long enough', () => {
    const dir = tempDir();
    const set = loadRedactionKey(dir, { DRIFTWATCH_REDACTION_KEY: 'k'.repeat(40) });
    expect(set).toEqual({ key: Buffer.from('k'.repeat(40)), origin: 'DRIFTWATCH_REDACTION_KEY' });
    expect(loadRedactionKey(dir, { DRIFTWATCH_REDACTION_KEY: 'short' })).toEqual({ error: 'DRIFTWATCH_REDACTION_KEY must be at least 32 characters (it has 5)' });
  });

  it('says what is wrong with a damaged key file or a data directory that cannot hold one', () => {
    const dir = tempDir();
    writeFileSync(join(dir, REDACTION_KEY_FILE), 'abc\n');
    expect(loadRedactionKey(dir, {})).toEqual({ error: `${join(dir, REDACTION_KEY_FILE)} holds no usable key (2 bytes); delete it to have a new one made` });
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, '');
    expect(loadRedactionKey(join(file, 'data'), {})).toMatchObject({ error: expect.stringMatching(/^cannot keep a redaction key in .*not-a-dir\/data\/redaction\.key: /) });
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});
