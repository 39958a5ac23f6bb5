// Runs every suite against one shared test cluster and ends with "N passed, N failed".
//   --suite typecheck,vitest,e2e   run only these (default: all)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_DIR_ENV, startTestCluster, type TestCluster } from '../testing/test-cluster';

interface SuiteResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  note?: string;
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
      rmSync(out, { force: true });
      const code = await run(npx('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], env);
      const report = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }>(out);
      if (!report) return { passed: 0, failed: 1, skipped: 0, note: `vitest exited ${code} without a report` };
      const failed = report.numFailedTests + (code !== 0 && report.numFailedTests === 0 ? 1 : 0);
      return {
        passed: report.numPassedTests,
        failed,
        skipped: report.numPendingTests + report.numTodoTests,
        note: failed > report.numFailedTests ? `vitest exited ${code} (a suite failed to load?)` : undefined,
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
      const report = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(out);
      if (!report) return { passed: 0, failed: 1, skipped: 0, note: `playwright exited ${code} without a report` };
      const { expected, unexpected, flaky, skipped } = report.stats;
      const failed = unexpected + (code !== 0 && unexpected === 0 ? 1 : 0);
      return { passed: expected + flaky, failed, skipped, note: flaky ? `${flaky} flaky` : undefined };
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
}
console.log(`total time ${((Date.now() - started) / 1000).toFixed(1)}s`);
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed > 0 || results.length === 0 ? 1 : 0);
