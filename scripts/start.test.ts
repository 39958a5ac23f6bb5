import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverBundleDir } from './server-bundle.mjs';

const root = resolve(__dirname, '..');

describe('npm start (scripts/start.mjs)', () => {
  const empty = mkdtempSync(join(tmpdir(), 'driftwatch-no-build-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('without a build, says to run npm run build and exits 1 instead of a module-not-found trace', () => {
    // A build directory that holds nothing (relative, as next.config.js reads it).
    const env = { ...process.env, DRIFTWATCH_NEXT_DIST_DIR: relative(root, empty) };
    const res = spawnSync(process.execPath, [join(root, 'scripts', 'start.mjs')], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('run `npm run build` first');
    expect(res.stderr).toContain(serverBundleDir(root, env));
    expect(res.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
  });
});
