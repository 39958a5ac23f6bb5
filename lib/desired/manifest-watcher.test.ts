import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManifestDirectoryLoader } from './manifest-directory';
import { ManifestDirectoryWatcher, type ManifestChange } from './manifest-watcher';

const cm = (name: string, data = 'v'): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: ${data}\n`;

let base: string;
let root: string;
let watcher: ManifestDirectoryWatcher | undefined;
let changes: ManifestChange[];

function put(rel: string, text: string): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

async function start(options: ConstructorParameters<typeof ManifestDirectoryWatcher>[1] = {}): Promise<ManifestChange> {
  watcher = new ManifestDirectoryWatcher(root, { debounceMs: 50, missingPollMs: 100, gitPollMs: 0, rescanIntervalMs: 0, onError: (e) => { throw e; }, ...options });
  const first = await watcher.start();
  watcher.subscribe((c) => changes.push(c));
  return first;
}

/** Waits until the accumulated changes satisfy `ok`; returns them and starts a new batch. */
async function until(ok: (all: ManifestChange[]) => boolean, what: string, timeoutMs = 15_000): Promise<ManifestChange[]> {
  const deadline = Date.now() + timeoutMs;
  while (!ok(changes)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(changes.map(summary))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const got = changes;
  changes = [];
  return got;
}

function summary(c: ManifestChange): Record<string, unknown> {
  return {
    added: c.added.map((o) => o.key.name),
    changed: c.changed.map((o) => o.key.name),
    removed: c.removed.map((o) => o.key.name),
    relocated: c.relocated.map((o) => `${o.key.name}@${o.source.file}`),
    problems: c.problems.map((p) => `${p.file}:${p.line} ${p.message}`),
  };
}

const names = (all: ManifestChange[], k: 'added' | 'changed' | 'removed' | 'relocated'): string[] => all.flatMap((c) => c[k].map((o) => o.key.name));

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'dw-watch-'));
  root = join(base, 'manifests');
  mkdirSync(root);
  changes = [];
});
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  rmSync(base, { recursive: true, force: true });
});

// Generous timeouts: the machine is shared with compiles; nothing here asserts on time.
describe('ManifestDirectoryWatcher', { timeout: 30_000 }, () => {
  it('starts with everything added, then reports added, changed and removed objects', async () => {
    put('a.yaml', cm('a'));
    const first = await start();
    expect(first.added.map((o) => o.id)).toEqual(['/ConfigMap/default/a']);
    expect(watcher?.current().index.get({ group: '', kind: 'ConfigMap', namespace: 'default', name: 'a' })).toBeDefined();

    put('sub/b.yaml', cm('b'));
    expect(names(await until((c) => names(c, 'added').includes('b'), 'b added'), 'added')).toEqual(['b']);

    put('a.yaml', cm('a', 'two'));
    const changed = await until((c) => names(c, 'changed').includes('a'), 'a changed');
    expect(names(changed, 'changed')).toEqual(['a']);
    expect(changed.at(-1)?.changed[0]?.revision).not.toBe(first.added[0]?.revision);

    rmSync(join(root, 'sub/b.yaml'));
    expect(names(await until((c) => names(c, 'removed').includes('b'), 'b removed'), 'removed')).toEqual(['b']);
    expect(watcher?.current().objects.size).toBe(1);
  });

  it('reports a rename as relocated (same content) and an editor’s atomic save as changed', async () => {
    put('a.yaml', cm('a'));
    await start();
    renameSync(join(root, 'a.yaml'), join(root, 'renamed.yaml'));
    const moved = await until((c) => names(c, 'relocated').includes('a'), 'a relocated');
    expect(moved.flatMap((c) => c.relocated.map((o) => o.source.file))).toEqual(['renamed.yaml']);
    expect(names(moved, 'added')).toEqual([]);
    expect(names(moved, 'removed')).toEqual([]);

    // vim/JetBrains style: write a temporary file, then rename it over the original.
    put('.renamed.yaml.swp', cm('a', 'saved'));
    renameSync(join(root, '.renamed.yaml.swp'), join(root, 'renamed.yaml'));
    expect(names(await until((c) => names(c, 'changed').includes('a'), 'a changed'), 'changed')).toEqual(['a']);
  });

  it('reports a half-written file with file and line, keeps the others, and clears the problem once fixed', async () => {
    put('a.yaml', cm('a'));
    put('b.yaml', cm('b'));
    await start();
    put('b.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata: {k: [');
    const broken = await until((c) => c.some((x) => x.problems.length > 0), 'a problem');
    const last = broken.at(-1) as ManifestChange;
    expect(last.problems).toMatchObject([{ file: 'b.yaml', line: 5, severity: 'error' }]);
    expect(last.problemsChanged).toBe(true);
    // b keeps its last loaded form, marked stale (its source moved, its content did not).
    expect(names(broken, 'removed')).toEqual([]);
    expect(names(broken, 'relocated')).toEqual(['b']);
    expect(last.snapshot.objects.get('/ConfigMap/default/b')?.source.stale).toMatch(/^b\.yaml has an error at line 5 /);
    expect(last.snapshot.objects.has('/ConfigMap/default/a')).toBe(true);

    put('b.yaml', cm('b', 'fixed'));
    const fixed = await until((c) => c.some((x) => x.problems.length === 0 && x.problemsChanged), 'the problem to clear');
    expect(names(fixed, 'changed')).toEqual(['b']);
    expect(fixed.at(-1)?.snapshot.objects.get('/ConfigMap/default/b')?.source.stale).toBeUndefined();
  });

  it('survives the directory being removed and recreated, keeping the last objects meanwhile', async () => {
    put('a.yaml', cm('a'));
    put('sub/b.yaml', cm('b'));
    await start();
    rmSync(root, { recursive: true });
    const gone = await until((c) => c.some((x) => !x.snapshot.exists), 'the directory to be missing');
    const last = gone.at(-1) as ManifestChange;
    expect(last.problems).toEqual([{ file: '', line: 0, message: 'the manifest directory does not exist; keeping the 2 objects loaded before', severity: 'error' }]);
    expect(last.snapshot.objects.size).toBe(2);
    expect(names(gone, 'removed')).toEqual([]);

    mkdirSync(root);
    put('a.yaml', cm('a'));
    put('c.yaml', cm('c'));
    const back = await until((c) => c.some((x) => x.snapshot.exists && x.snapshot.objects.has('/ConfigMap/default/c')), 'the directory to come back');
    expect(names(back, 'added')).toEqual(['c']);
    expect(names(back, 'removed')).toEqual(['b']);
    expect(back.at(-1)?.problems).toEqual([]);

    // And it is watched again: a change in the new directory is seen.
    put('c.yaml', cm('c', 'two'));
    await until((c) => names(c, 'changed').includes('c'), 'c changed in the recreated directory');
  });

  it('watches anew a subdirectory removed and re-created at once (rm -rf && cp -r, a branch switch), even when it gets the same inode', async () => {
    put('sub/a.yaml', cm('a', 'one'));
    await start();
    rmSync(join(root, 'sub'), { recursive: true });
    put('sub/a.yaml', cm('a', 'two'));
    await until((c) => names(c, 'changed').includes('a'), 'a changed by the re-creation');
    // The old directory's watch hears nothing from the new one: this edit is seen only if it was replaced.
    put('sub/a.yaml', cm('a', 'three'));
    await until((c) => names(c, 'changed').includes('a'), 'a edited in the re-created directory');
    expect((watcher?.current().objects.get('/ConfigMap/default/a')?.manifest as { data: { k: string } }).data.k).toBe('three');
  });

  it('watches directories created after start, and files written into them right away', async () => {
    await start();
    put('new/deeper/x.yaml', cm('new-x'));
    await until((c) => names(c, 'added').includes('new-x'), 'new-x added');
    // (A bare `y` would be YAML 1.1 for true, as for kubectl.)
    put('new/deeper/y.yaml', cm('new-y'));
    await until((c) => names(c, 'added').includes('new-y'), 'new-y added');
  });

  it('re-keys objects when discovery learns a kind’s scope', async () => {
    put('w.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    const first = await start();
    expect(first.added.map((o) => o.id)).toEqual(['example.com/Widget//w']);
    expect(first.problems).toMatchObject([{ severity: 'warning' }]);
    watcher?.setIsNamespaced((g, k) => (g === 'example.com' && k === 'Widget' ? true : undefined));
    const c = await until((all) => all.length > 0, 'a change');
    expect(c[0]?.added.map((o) => o.id)).toEqual(['example.com/Widget/default/w']);
    expect(c[0]?.removed.map((o) => o.id)).toEqual(['example.com/Widget//w']);
    expect(c[0]?.problems).toEqual([]);
  });

  it('notices a new commit that changed no manifest (HEAD polling) and records it on the objects', async () => {
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd: base, encoding: 'utf8' }).trim();
    put('a.yaml', cm('a'));
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    const first = await start({ gitPollMs: 100 });
    expect(first.added[0]?.source).toMatchObject({ commit: git('rev-parse', 'HEAD'), dirty: false });
    writeFileSync(join(base, 'unrelated.txt'), 'x');
    git('add', 'unrelated.txt');
    git('commit', '-q', '-m', 'two');
    const head = git('rev-parse', 'HEAD');
    const c = await until((all) => names(all, 'relocated').includes('a'), 'a relocated to the new commit');
    expect(c.at(-1)?.relocated[0]?.source).toMatchObject({ commit: head, dirty: false });
    expect(c.at(-1)?.snapshot.git?.commit).toBe(head);
  });

  it('emits nothing when files are touched without a change, and idle() waits for pending scans', async () => {
    put('a.yaml', cm('a'));
    await start();
    put('a.yaml', cm('a'));
    put('notes.txt', 'not a manifest');
    await new Promise((r) => setTimeout(r, 30));
    await watcher?.idle();
    await watcher?.reload();
    expect(changes).toEqual([]);
  });
});

describe('ManifestDirectoryWatcher and symlinks', { timeout: 30_000 }, () => {
  it('follows a root that is a symlink swapped to another release (ln -sfn)', async () => {
    const rel1 = join(base, 'release-1');
    const rel2 = join(base, 'release-2');
    mkdirSync(rel1);
    mkdirSync(rel2);
    writeFileSync(join(rel1, 'a.yaml'), cm('a', 'one'));
    writeFileSync(join(rel2, 'a.yaml'), cm('a', 'two'));
    rmSync(root, { recursive: true });
    symlinkSync(rel1, root);
    // A rescan interval too long to be what notices it.
    await start({ rescanIntervalMs: 0, missingPollMs: 60_000 });
    symlinkSync(rel2, join(base, 'next'));
    renameSync(join(base, 'next'), root);
    await until((c) => names(c, 'changed').includes('a'), 'a changed by the swap');
    expect((watcher?.current().objects.get('/ConfigMap/default/a')?.manifest.data as Record<string, unknown>).k).toBe('two');
    // And the new target is watched.
    writeFileSync(join(rel2, 'b.yaml'), cm('b'));
    await until((c) => names(c, 'added').includes('b'), 'b added in the new release');
  });

  it('follows a root below a symlink swapped to another release (/srv/current/k8s, current -> releases/N)', async () => {
    for (const [r, v] of [['r1', 'one'], ['r2', 'two']] as const) {
      mkdirSync(join(base, 'releases', r, 'k8s'), { recursive: true });
      writeFileSync(join(base, 'releases', r, 'k8s', 'a.yaml'), cm('a', v));
    }
    symlinkSync(join(base, 'releases', 'r1'), join(base, 'current'));
    root = join(base, 'current', 'k8s');
    // Neither the periodic re-scan nor git: only the poll that follows the root's real path.
    await start({ rescanIntervalMs: 0, git: false, gitPollMs: 100 });
    // Settled: the scan that follows the first watches has run.
    await new Promise((r) => setTimeout(r, 300));
    await watcher?.idle();
    symlinkSync(join(base, 'releases', 'r2'), join(base, 'next'));
    renameSync(join(base, 'next'), join(base, 'current'));
    await until((c) => names(c, 'changed').includes('a'), 'a changed by the swap');
    expect((watcher?.current().objects.get('/ConfigMap/default/a')?.manifest.data as Record<string, unknown>).k).toBe('two');
    writeFileSync(join(base, 'releases', 'r2', 'k8s', 'b.yaml'), cm('b'));
    await until((c) => names(c, 'added').includes('b'), 'b added in the new release');
  });

  it('does not re-scan on every HEAD poll when the root is a symlink into a git work tree (/etc/driftwatch/manifests -> /repo/k8s)', async () => {
    const repo = join(base, 'repo');
    mkdirSync(join(repo, 'k8s'), { recursive: true });
    writeFileSync(join(repo, 'k8s', 'a.yaml'), cm('a'));
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    rmSync(root, { recursive: true });
    symlinkSync(join(repo, 'k8s'), root);
    const loads = vi.spyOn(ManifestDirectoryLoader.prototype, 'load');
    try {
      const first = await start({ gitPollMs: 50 });
      expect(first.snapshot.git?.commit).toBe(git('rev-parse', 'HEAD'));
      // Settled: the scan that follows the first watches has run.
      await new Promise((r) => setTimeout(r, 300));
      await watcher?.idle();
      const settled = loads.mock.calls.length;
      // Many polls with nothing changed: none of them may scan.
      await new Promise((r) => setTimeout(r, 1_000));
      await watcher?.idle();
      expect(loads.mock.calls.length - settled).toBe(0);
      expect(changes).toEqual([]);
      // A new commit is still noticed through the symlink.
      writeFileSync(join(repo, 'unrelated.txt'), 'x');
      git('add', 'unrelated.txt');
      git('commit', '-q', '-m', 'two');
      const head = git('rev-parse', 'HEAD');
      const c = await until((all) => names(all, 'relocated').includes('a'), 'a relocated to the new commit');
      expect(c.at(-1)?.snapshot.git?.commit).toBe(head);
    } finally {
      loads.mockRestore();
    }
  });

  it('picks up a ConfigMap volume update (..data symlink swap)', async () => {
    // The kubelet's layout: files are symlinks into ..data, which points at a timestamped directory.
    mkdirSync(join(root, '..v1'));
    writeFileSync(join(root, '..v1', 'app.yaml'), cm('app', 'one'));
    symlinkSync('..v1', join(root, '..data'));
    symlinkSync('..data/app.yaml', join(root, 'app.yaml'));
    const first = await start();
    expect(first.added.map((o) => o.key.name)).toEqual(['app']);
    mkdirSync(join(root, '..v2'));
    writeFileSync(join(root, '..v2', 'app.yaml'), cm('app', 'two'));
    symlinkSync('..v2', join(root, '..data_tmp'));
    renameSync(join(root, '..data_tmp'), join(root, '..data'));
    rmSync(join(root, '..v1'), { recursive: true });
    await until((c) => names(c, 'changed').includes('app'), 'app changed');
  });
});
