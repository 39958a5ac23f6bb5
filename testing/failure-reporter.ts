// A vitest reporter that writes every failure, with where it happened, to the file named by
// DRIFTWATCH_FAILURES_FILE. The JSON reporter drops the errors of a failed beforeAll in a describe
// (its tests only show as skipped), and CI keeps only the tail of the log, so scripts/run-tests.ts
// repeats these in its summary.
import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export interface RecordedFailure {
  /** A test's own failure, or one outside any test (a hook, a file that did not load, an unhandled error). */
  kind: 'test' | 'outside a test';
  where: string;
  message: string;
}

interface ErrorLike {
  message?: string;
  name?: string;
}

const firstLines = (e: ErrorLike): string =>
  `${e.name && !(e.message ?? '').startsWith(e.name) ? `${e.name}: ` : ''}${e.message ?? 'unknown error'}`.split('\n').slice(0, 6).join('\n');

export default class FailureReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<ErrorLike>): void {
    const out = process.env.DRIFTWATCH_FAILURES_FILE;
    if (!out) return;
    const failures: RecordedFailure[] = [];
    for (const m of testModules) {
      for (const e of m.errors()) failures.push({ kind: 'outside a test', where: m.relativeModuleId, message: firstLines(e) });
      for (const s of m.children.allSuites()) {
        for (const e of s.errors()) failures.push({ kind: 'outside a test', where: `${m.relativeModuleId} > ${s.fullName}`, message: firstLines(e) });
      }
      for (const t of m.children.allTests('failed')) {
        // A test's first error stands for it: the count beside it is of tests.
        const e = t.result().errors?.[0];
        if (e) failures.push({ kind: 'test', where: `${m.relativeModuleId} > ${t.fullName}`, message: firstLines(e) });
      }
    }
    for (const e of unhandledErrors) failures.push({ kind: 'outside a test', where: 'unhandled error', message: firstLines(e) });
    writeFileSync(out, `${JSON.stringify(failures, null, 2)}\n`);
  }
}
