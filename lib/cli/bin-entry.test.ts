/**
 * bin/driftwatch.js picks the compiled CLI (dist/cli, built by `npm install`) only while it is at
 * least as new as every source it was built from, and the TypeScript through tsx otherwise. Run on
 * a copy of the entry point in a package of stubs, so each side says which one ran.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '..', '..');
const pkg = mkdtempSync(join(tmpdir(), 'driftwatch-bin-'));
afterAll(() => rmSync(pkg, { recursive: true, force: true }));

mkdirSync(join(pkg, 'bin'));
mkdirSync(join(pkg, 'lib', 'cli'), { recursive: true });
mkdirSync(join(pkg, 'dist', 'cli'), { recursive: true });
copyFileSync(join(repo, 'bin', 'driftwatch.js'), join(pkg, 'bin', 'driftwatch.js'));
writeFileSync(join(pkg, 'package.json'), '{"type":"module"}\n');
symlinkSync(join(repo, 'node_modules'), join(pkg, 'node_modules'));
const source = join(pkg, 'lib', 'cli', 'driftwatch.ts');
const compiled = join(pkg, 'dist', 'cli', 'driftwatch.mjs');
const inputs = join(pkg, 'dist', 'cli', 'inputs.json');
writeFileSync(source, "export function run(args: string[]): number { console.log('source', args.join(' ')); return 0; }\n");
writeFileSync(compiled, "export function run(args) { console.log('compiled', args.join(' ')); return 0; }\n");
writeFileSync(inputs, JSON.stringify(['lib/cli/driftwatch.ts']));

function setTimes(file: string, seconds: number): void {
  utimesSync(file, seconds, seconds);
}

function which(): string {
  const r = spawnSync(process.execPath, [join(pkg, 'bin', 'driftwatch.js'), 'diff', 'a'], { encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

describe('bin/driftwatch.js', { timeout: 120_000 }, () => {
  it('runs the compiled CLI when it is newer than its sources', () => {
    setTimes(source, 1_000_000);
    setTimes(compiled, 2_000_000);
    expect(which()).toBe('compiled diff a');
  });

  it('runs the sources through tsx once one of them is newer than the compiled CLI', () => {
    setTimes(source, 3_000_000);
    expect(which()).toBe('source diff a');
  });

  it('runs the sources when the list of inputs is missing or names a file that went', () => {
    setTimes(source, 1_000_000);
    writeFileSync(inputs, JSON.stringify(['lib/cli/driftwatch.ts', 'lib/gone.ts']));
    expect(which()).toBe('source diff a');
    rmSync(inputs);
    expect(which()).toBe('source diff a');
  });
});
