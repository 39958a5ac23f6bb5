import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIsCurrent, currentCommit, staleBuildWarning, writeBuildInfo } from './build-info.mjs';
import { heapGrowthFlag, operatorSetHeapGrowth } from './heap-growth.mjs';
import { serverBundleDir, SERVER_ENTRY } from './server-bundle.mjs';

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

  // V8 logs the factor it grows the old generation by after each full collection.
  const growthFactors = (execArgv: string[]): number[] => {
    const dist = mkdtempSync(join(tmpdir(), 'driftwatch-heap-'));
    try {
      const env = { ...process.env, DRIFTWATCH_NEXT_DIST_DIR: relative(root, dist) };
      const bundle = serverBundleDir(root, env);
      mkdirSync(bundle, { recursive: true });
      // A stand-in server that keeps what it allocates, as the first sync does.
      writeFileSync(
        join(bundle, SERVER_ENTRY),
        'const keep = []; for (let r = 0; r < 60; r++) { const b = []; for (let i = 0; i < 20000; i++) b.push({ i, s: "x" + i }); keep.push(b); }\n',
      );
      const res = spawnSync(process.execPath, [...execArgv, '--trace-gc-verbose', join(root, 'scripts', 'start.mjs')], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
      expect(res.status).toBe(0);
      return [...res.stdout.matchAll(/\[HeapController\] Limit: .*\((\d+\.\d+)\)/g)].map((m) => Number(m[1]));
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  };

  it('caps the old generation\'s growth after a full GC at 2x (V8 picks up to 4x while a sync allocates fast)', () => {
    const factors = growthFactors([]);
    expect(factors.length).toBeGreaterThan(0);
    // V8 may choose less (under memory pressure), never more; uncapped it prints 4.0 here.
    expect(Math.max(...factors)).toBe(2);
  });

  it("leaves an operator's own --heap-growing-percent alone", () => {
    expect(heapGrowthFlag(['--heap-growing-percent=50'])).toBeUndefined();
    expect(heapGrowthFlag(['--inspect'])).toBe('--heap-growing-percent=100');
    expect(Math.max(...growthFactors(['--heap-growing-percent=50']))).toBe(1.5);
  });

  it("sees the operator's own flag in node options or NODE_OPTIONS, in either spelling", () => {
    expect(operatorSetHeapGrowth([], '')).toBe(false);
    expect(operatorSetHeapGrowth(['--max-old-space-size=2048'], '--enable-source-maps')).toBe(false);
    expect(operatorSetHeapGrowth(['--heap-growing-percent=30'], '')).toBe(true);
    expect(operatorSetHeapGrowth([], '--enable-source-maps --heap_growing_percent=20')).toBe(true);
    expect(heapGrowthFlag([], '--heap-growing-percent=30')).toBeUndefined();
  });
});

describe('a build of another commit than the one checked out (scripts/build-info.mjs)', () => {
  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const repo = mkdtempSync(join(tmpdir(), 'driftwatch-build-info-'));
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('is named by npm start, read from git\'s files: loose and packed refs, a detached HEAD, a linked worktree', () => {
    git(repo, 'init', '-q');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'one');
    const first = git(repo, 'rev-parse', 'HEAD');
    expect(currentCommit(repo)).toBe(first);
    const dist = join(repo, 'dist');
    mkdirSync(dist);
    writeBuildInfo(repo, dist);
    expect(staleBuildWarning(repo, dist)).toBeUndefined();
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'two');
    const second = git(repo, 'rev-parse', 'HEAD');
    expect(staleBuildWarning(repo, dist)).toBe(
      `[driftwatch] this build is of commit ${first.slice(0, 12)} (${JSON.parse(readFileSync(join(dist, 'build-info.json'), 'utf8')).builtAt}), but ${second.slice(0, 12)} is checked out: run \`npm run build\` to serve the code you have`,
    );
    git(repo, 'pack-refs', '--all');
    expect(currentCommit(repo)).toBe(second);
    git(repo, 'checkout', '-q', first);
    expect(currentCommit(repo)).toBe(first);
    const linked = join(repo, '..', `${repo.split('/').pop()}-wt`);
    git(repo, 'worktree', 'add', '-q', '-b', 'side', linked, second);
    try {
      expect(currentCommit(linked)).toBe(second);
    } finally {
      rmSync(linked, { recursive: true, force: true });
    }
    // Outside git (an image built from the sources): nothing to compare, nothing said.
    expect(currentCommit(dist)).toBeUndefined();
  });

  it('is current for the demo (no rebuild) only when built from this commit with nothing changed, then or since', () => {
    const tree = mkdtempSync(join(tmpdir(), 'driftwatch-build-current-'));
    const dist = mkdtempSync(join(tmpdir(), 'driftwatch-build-current-dist-'));
    try {
      git(tree, 'init', '-q');
      writeFileSync(join(tree, 'a.ts'), 'one\n');
      git(tree, 'add', 'a.ts');
      git(tree, 'commit', '-q', '-m', 'one');
      expect(buildIsCurrent(tree, dist)).toBe(false); // no build yet
      writeBuildInfo(tree, dist);
      expect(buildIsCurrent(tree, dist)).toBe(true);
      writeFileSync(join(tree, 'a.ts'), 'two\n');
      expect(buildIsCurrent(tree, dist)).toBe(false); // a tracked file edited since
      // Built from the edited tree, then the edit undone: the build holds code no commit has.
      writeBuildInfo(tree, dist);
      git(tree, 'checkout', '-q', '--', 'a.ts');
      expect(buildIsCurrent(tree, dist)).toBe(false);
      writeBuildInfo(tree, dist);
      writeFileSync(join(tree, 'b.ts'), 'new\n');
      expect(buildIsCurrent(tree, dist)).toBe(false); // an untracked file a build would include
      rmSync(join(tree, 'b.ts'));
      expect(buildIsCurrent(tree, dist)).toBe(true);
      git(tree, 'commit', '-q', '--allow-empty', '-m', 'two');
      expect(buildIsCurrent(tree, dist)).toBe(false); // another commit
    } finally {
      rmSync(tree, { recursive: true, force: true });
      rmSync(dist, { recursive: true, force: true });
    }
  });
});
