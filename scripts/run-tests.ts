// Runs every suite against one shared test cluster and ends with "N passed, N failed".
//   --suite typecheck,vitest,e2e   run only these (default: all)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedFailure } from '../testing/failure-reporter';
import { STATE_DIR_ENV, startTestCluster, type TestCluster } from '../testing/test-cluster';

interface SuiteResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  note?: string;
  /** Where each failure happened and its first lines, repeated in the summary because CI keeps only the log's tail. */
  failures?: RecordedFailure[];
}

const allSuites = ['typecheck', 'vitest', 'e2e'] as const;
type Suite = (typeof allSuites)[number];

const suiteArg = process.argv.indexOf('--suite');
const selected = new Set<Suite>(
  suiteArg >= 0
    ? ((process.argv[suiteArg + 1] ?? '').split(',').filter((s) => (allSuites as readonly string[]).includes(s)) as Suite[])
    : allSuites,
);

const artifacts = join(process.cwd(), 'artifacts');
mkdirSync(artifacts, { recursive: true });
const started = Date.now();
const results: SuiteResult[] = [];
let cluster: TestCluster | undefined;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.once('error', () => resolve(127));
  });
}

function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function timed(name: string, fn: () => Promise<Omit<SuiteResult, 'name' | 'seconds'>>) {
  const t0 = Date.now();
  console.log(`\n=== ${name}`);
  let r: Omit<SuiteResult, 'name' | 'seconds'>;
  try {
    r = await fn();
  } catch (err) {
    r = { passed: 0, failed: 1, skipped: 0, note: err instanceof Error ? err.message : String(err) };
  }
  results.push({ name, seconds: (Date.now() - t0) / 1000, ...r });
}

interface PlaywrightSuite {
  title: string;
  suites?: PlaywrightSuite[];
  specs?: { title: string; file: string; line: number; tests: { status: string; results: { error?: { message?: string } }[] }[] }[];
}
interface PlaywrightReport {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  suites?: PlaywrightSuite[];
  errors?: { message?: string }[];
}

function playwrightFailures(report: PlaywrightReport): RecordedFailure[] {
  const found: RecordedFailure[] = (report.errors ?? []).map((e) => ({ kind: 'outside a test', where: 'playwright', message: e.message ?? 'unknown error' }));
  const walk = (suite: PlaywrightSuite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests) {
        if (t.status !== 'unexpected') continue;
        const error = t.results.map((r) => r.error?.message).find(Boolean) ?? 'failed without a message';
        found.push({ kind: 'test', where: `${spec.file}:${spec.line} > ${spec.title}`, message: error });
      }
    }
    for (const s of suite.suites ?? []) walk(s);
  };
  for (const s of report.suites ?? []) walk(s);
  return found;
}

const npx = (bin: string) => join(process.cwd(), 'node_modules', '.bin', bin);

try {
  if (selected.has('typecheck')) {
    await timed('typecheck (tsc --noEmit)', async () => {
      const code = await run(npx('tsc'), ['--noEmit']);
      return { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 };
    });
  }

  if (selected.has('vitest') || selected.has('e2e')) {
    console.log('\n=== starting the test cluster (real kube-apiserver + etcd + controller manager)');
    cluster = await startTestCluster();
  }
  const env = { ...process.env, [STATE_DIR_ENV]: cluster?.stateDir ?? '' };

  if (selected.has('vitest')) {
    await timed('unit + integration (vitest)', async () => {
      const out = join(artifacts, 'vitest.json');
      const failuresOut = join(artifacts, 'vitest-failures.json');
      rmSync(out, { force: true });
      rmSync(failuresOut, { force: true });
      const code = await run(
        npx('vitest'),
        ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, '--reporter=./testing/failure-reporter.ts'],
        { ...env, DRIFTWATCH_FAILURES_FILE: failuresOut },
      );
      const report = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }>(out);
      const failures = readJson<RecordedFailure[]>(failuresOut);
      if (!report) return { passed: 0, failed: 1, skipped: 0, note: `vitest exited ${code} without a report`, failures };
      // A failed hook or file fails no test (its tests count as skipped), so it is counted on its own.
      const outside = (failures ?? []).filter((f) => f.kind !== 'test').length;
      const failed = report.numFailedTests + outside + (code !== 0 && report.numFailedTests + outside === 0 ? 1 : 0);
      return {
        passed: report.numPassedTests,
        failed,
        skipped: report.numPendingTests + report.numTodoTests,
        note: outside > 0 ? `${outside} failed outside a test (a hook, a file that did not load)` : failed > report.numFailedTests ? `vitest exited ${code}` : undefined,
        failures,
      };
    });
  }

  if (selected.has('e2e')) {
    await timed('end-to-end (playwright, chromium)', async () => {
      const out = join(artifacts, 'playwright.json');
      rmSync(out, { force: true });
      const code = await run(npx('playwright'), ['test', '-c', 'e2e/playwright.config.ts'], {
        ...env,
        PLAYWRIGHT_JSON_OUTPUT_NAME: out,
      });
      const report = readJson<PlaywrightReport>(out);
      if (!report) return { passed: 0, failed: 1, skipped: 0, note: `playwright exited ${code} without a report` };
      const { expected, unexpected, flaky, skipped } = report.stats;
      const failed = unexpected + (code !== 0 && unexpected === 0 ? 1 : 0);
      return { passed: expected + flaky, failed, skipped, note: flaky ? `${flaky} flaky` : undefined, failures: playwrightFailures(report) };
    });
  }
} finally {
  await cluster?.stop();
}

const total = results.reduce(
  (acc, r) => ({ passed: acc.passed + r.passed, failed: acc.failed + r.failed, skipped: acc.skipped + r.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log('\n=== summary');
for (const r of results) {
  console.log(
    `${r.failed ? 'FAIL' : 'ok  '} ${r.name}: ${r.passed} passed, ${r.failed} failed` +
      `${r.skipped ? `, ${r.skipped} skipped` : ''} (${r.seconds.toFixed(1)}s)${r.note ? ` - ${r.note}` : ''}`,
  );
  const failures = r.failures ?? [];
  for (const f of failures.slice(0, 20)) {
    const message = f.message.replace(/\u001b\[[0-9;]*m/g, '').split('\n').slice(0, 6).join('\n       ');
    console.log(`     x ${f.where}\n       ${message}`);
  }
  if (failures.length > 20) console.log(`     ... and ${failures.length - 20} more (artifacts/)`);
}
console.log(`total time ${((Date.now() - started) / 1000).toFixed(1)}s`);
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed > 0 || results.length === 0 ? 1 : 0);
