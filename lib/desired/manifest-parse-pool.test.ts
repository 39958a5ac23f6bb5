import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileServerBundle } from '../../scripts/server-compile';
import { PARSE_WORKER_ENTRY } from '../../scripts/server-bundle.mjs';
import { syntheticPod } from '../../testing/synthetic-objects';
import { ManifestDirectoryLoader, type ManifestSnapshot } from './manifest-directory';
import { ManifestParsePool, type ParsePoolStats, type ParseWorkerOptions } from './manifest-parse-pool';

const repo = resolve(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'dw-parse-pool-'));
const bundle = join(work, 'bundle');
const script = join(bundle, PARSE_WORKER_ENTRY);

beforeAll(async () => {
  // The worker as `npm run build` compiles it.
  await compileServerBundle(repo, bundle);
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

let dirs = 0;
function tree(files: Record<string, string>): string {
  const root = join(work, `tree-${++dirs}`);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

const podsYaml = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => stringify(syntheticPod('team-a', from + i).manifest)).join('---\n');
const podsJson = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify(syntheticPod('team-b', from + i).manifest)).join('\n---\n');

/** What a load gave, in a form two loads can be compared by. */
function outcome(s: ManifestSnapshot) {
  return {
    objects: [...s.objects.entries()].map(([id, o]) => ({ id, manifest: o.manifest, revision: o.revision, source: o.source })),
    problems: s.problems,
  };
}

async function load(root: string, parseWorker?: ParseWorkerOptions): Promise<{ snapshot: ManifestSnapshot; loader: ManifestDirectoryLoader }> {
  const loader = new ManifestDirectoryLoader(root, { git: false, ...(parseWorker ? { parseWorker } : {}) });
  return { snapshot: await loader.load(), loader };
}

describe('manifest parse workers', () => {
  it('give exactly the objects, revisions, lines and problems of parsing on the calling thread', async () => {
    const root = tree({
      'a/pods-1.yaml': podsYaml(0, 40),
      'a/pods-2.yml': `# a comment\n${podsYaml(40, 40)}`,
      'a/anchored.yaml': `${podsYaml(200, 2)}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anchored\n  namespace: team-a\ndata:\n  a: &x shared\n  b: *x\n`,
      'b/pods.json': podsJson(0, 40),
      // One bad document among good ones: reported with its line, the others kept.
      'c/mixed.yaml': `${podsYaml(80, 3)}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n---\n${podsYaml(83, 2)}`,
      'c/no-name.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n',
      'c/list.yaml': stringify({ apiVersion: 'v1', kind: 'List', items: [syntheticPod('team-c', 1).manifest, syntheticPod('team-c', 2).manifest] }),
    });
    const inline = await load(root);
    const finished: ParsePoolStats[] = [];
    const errors: unknown[] = [];
    const workers = await load(root, { script, minChars: 1, threads: 2, onError: (e) => errors.push(e), onFinished: (s) => finished.push(s) });
    expect(errors).toEqual([]);
    expect(outcome(workers.snapshot)).toEqual(outcome(inline.snapshot));
    expect(workers.snapshot.objects.size).toBe(40 + 40 + 3 + 40 + 5 + 2);
    expect(workers.snapshot.problems.map((p) => `${p.file}:${p.line}`)).toEqual(inline.snapshot.problems.map((p) => `${p.file}:${p.line}`));
    expect(workers.snapshot.problems.some((p) => p.file === 'c/mixed.yaml' && p.line > 1)).toBe(true);
    // Every YAML file went to the workers, where four needed the general parser (an anchor, a
    // syntax error, an unnamed object, a List); the plain JSON one took its fast path here.
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ threads: 2, files: 6, generalFiles: 4 });
    // Manifests from a worker are frozen like any other.
    const one = [...workers.snapshot.objects.values()][0]?.manifest as Record<string, unknown>;
    expect(Object.isFrozen(one.metadata)).toBe(true);
  }, 60_000);

  it('leave small loads on the calling thread, and re-parse only what changed', async () => {
    const root = tree({ 'a-small.yaml': podsYaml(0, 2) });
    const finished: ParsePoolStats[] = [];
    // A script that does not exist: starting a pool at all would be reported.
    const errors: unknown[] = [];
    const small = await load(root, { script: join(work, 'absent.mjs'), onError: (e) => errors.push(e), onFinished: (s) => finished.push(s) });
    expect(small.snapshot.objects.size).toBe(2);
    expect(errors).toEqual([]);

    writeFileSync(join(root, 'big.yaml'), podsYaml(10, 60));
    const loader = new ManifestDirectoryLoader(root, { git: false, parseWorker: { script, minChars: 10_000, onFinished: (s) => finished.push(s) } });
    await loader.load();
    expect(loader.parsedLastLoad.sort()).toEqual(['a-small.yaml', 'big.yaml']);
    // a-small.yaml (read first, under minChars) was parsed here, big.yaml on a worker.
    expect(finished.map((s) => s.files)).toEqual([1]);
    await loader.load();
    expect(loader.parsedLastLoad).toEqual([]);
    expect(finished).toHaveLength(1);
  }, 60_000);

  /** A load through a worker script that misbehaves: the inline outcome, and one error reported. */
  async function withBadWorker(name: string, source: string, options: Partial<ParseWorkerOptions> = {}): Promise<unknown[]> {
    const root = tree({ 'one.yaml': podsYaml(0, 30), 'two.yaml': podsYaml(30, 30) });
    const inline = await load(root);
    const script = join(work, name);
    writeFileSync(script, source);
    const errors: unknown[] = [];
    const fellBack = await load(root, { script, minChars: 1, onError: (e) => errors.push(e), ...options });
    expect(outcome(fellBack.snapshot)).toEqual(outcome(inline.snapshot));
    expect(errors).toHaveLength(1);
    return errors;
  }

  it('fall back to the calling thread, and say so once, when the worker cannot run', async () => {
    const errors = await withBadWorker('broken-worker.mjs', 'throw new Error("worker exploded at start");\n');
    expect(String(errors[0])).toMatch(/manifest parse worker failed: worker exploded at start; parsing on the server's thread instead/);
  }, 60_000);

  it('give up on a worker that stops answering, and parse its files inline', async () => {
    const errors = await withBadWorker('silent-worker.mjs', "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => undefined);\n", { jobTimeoutMs: 300 });
    expect(String(errors[0])).toMatch(/no answer for one\.yaml within 300 ms/);
    expect(ManifestParsePool.threadsInUse()).toBe(0);
  }, 60_000);

  it('share one thread budget among directories loading side by side', async () => {
    const roots = [tree({ 'a.yaml': podsYaml(0, 40), 'b.yaml': podsYaml(40, 40) }), tree({ 'c.yaml': podsYaml(80, 40), 'd.yaml': podsYaml(120, 40) })];
    const inline = await Promise.all(roots.map((r) => load(r)));
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, ManifestParsePool.threadsInUse())), 1);
    const finished: ParsePoolStats[] = [];
    const both = await Promise.all(roots.map((r) => load(r, { script, minChars: 1, threads: 2, onFinished: (s) => finished.push(s) })));
    clearInterval(watch);
    both.forEach((b, i) => expect(outcome(b.snapshot)).toEqual(outcome((inline[i] as { snapshot: ManifestSnapshot }).snapshot)));
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
    expect(finished.reduce((n, s) => n + s.threads, 0)).toBeLessThanOrEqual(2 * finished.length);
    expect(ManifestParsePool.threadsInUse()).toBe(0);
  }, 60_000);

  it('refuse to run as a program of their own', () => {
    const res = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('manifest-parse-worker runs as a thread started by ManifestParsePool');
  });
});
