import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { RecordedFailure } from './failure-reporter';

const repo = resolve(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'dw-failure-reporter-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('records a failed beforeAll (which the JSON report leaves out) and a failed assertion, with where each happened', () => {
  const out = join(work, 'failures.json');
  const run = spawnSync(
    join(repo, 'node_modules', '.bin', 'vitest'),
    ['run', '--config', 'testing/fixtures/failure-reporter/vitest.config.ts', `--reporter=${join(repo, 'testing', 'failure-reporter.ts')}`],
    { cwd: repo, env: { ...process.env, DRIFTWATCH_FAILURES_FILE: out }, encoding: 'utf8' },
  );
  expect(run.status, run.stderr).toBe(1);
  const failures = JSON.parse(readFileSync(out, 'utf8')) as RecordedFailure[];
  expect(failures).toEqual([
    { kind: 'outside a test', where: 'failing.fixture.ts > a describe whose beforeAll throws', message: 'Error: the hook broke' },
    { kind: 'test', where: 'failing.fixture.ts > fails an assertion', message: expect.stringContaining('one is two') },
  ]);
}, 60_000);
