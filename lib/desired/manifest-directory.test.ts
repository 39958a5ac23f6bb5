import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findGitRepo, readGitHead } from './git-info';
import { loadManifestDirectory, ManifestDirectoryLoader } from './manifest-directory';

const cm = (name: string, ns?: string, data = 'v'): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}data:\n  k: ${data}\n`;

let root: string;

function put(rel: string, text: string): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd: root, encoding: 'utf8' }).trim();
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dw-manifests-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('loadManifestDirectory', () => {
  it('loads yaml, yml and json recursively, skipping dot entries, node_modules and other extensions', async () => {
    put('a.yaml', cm('a'));
    put('sub/b.yml', cm('b'));
    put('sub/deeper/c.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }));
    put('.hidden.yaml', cm('hidden'));
    put('.git/x.yaml', cm('git'));
    put('node_modules/pkg/d.yaml', cm('dep'));
    put('README.md', '# not a manifest');
    put('e.YAML', cm('upper'));
    const s = await loadManifestDirectory(root);
    expect(s.exists).toBe(true);
    expect(s.problems).toEqual([]);
    expect([...s.objects.values()].map((o) => [o.id, o.source.file, o.source.line])).toEqual([
      ['/ConfigMap/default/a', 'a.yaml', 1],
      ['/ConfigMap/default/b', 'sub/b.yml', 1],
      ['/ConfigMap/default/c', 'sub/deeper/c.json', 1],
    ]);
    expect(s.git).toBeUndefined();
    expect(s.index.get({ group: '', kind: 'ConfigMap', namespace: 'default', name: 'b' })?.source.file).toBe('sub/b.yml');
  });

  it('reports a malformed file with file and line, and loads every other file and document', async () => {
    put('good.yaml', cm('good'));
    put('bad/broken.yaml', `${cm('before')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n  labels: {a: [}\n---\n${cm('after')}`);
    put('z.yaml', cm('last'));
    const s = await loadManifestDirectory(root);
    expect([...s.objects.keys()].sort()).toEqual(['/ConfigMap/default/after', '/ConfigMap/default/before', '/ConfigMap/default/good', '/ConfigMap/default/last']);
    expect(s.problems).toHaveLength(1);
    expect(s.problems[0]).toMatchObject({ file: 'bad/broken.yaml', line: 12, severity: 'error' });
    expect(s.index.get({ group: '', kind: 'ConfigMap', namespace: 'default', name: 'after' })?.source.line).toBe(14);
  });

  it('reads a .json file that is not JSON (a trailing comma) as YAML, with a warning where JSON.parse stopped', async () => {
    put('cm.json', '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": "lenient"},\n}\n');
    const s = await loadManifestDirectory(root, { git: false });
    expect([...s.objects.keys()]).toEqual(['/ConfigMap/default/lenient']);
    expect(s.problems).toEqual([{ file: 'cm.json', line: 5, column: 1, message: expect.stringMatching(/^not valid JSON \(.+\); read as YAML, which accepts it$/), severity: 'warning' }]);
    // A token JSON does not expect, in a Secret: V8 quotes the text around it, which the warning must not.
    put('cm.json', '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"password": canary-json-value}}\n');
    const secret = await loadManifestDirectory(root, { git: false });
    expect(secret.problems).toEqual([expect.objectContaining({ message: 'not valid JSON (an unexpected token); read as YAML, which accepts it', severity: 'warning' })]);
    expect(JSON.stringify(secret.problems)).not.toContain('canary');
    // Valid JSON, and YAML in a .yaml file: nothing to say.
    put('cm.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lenient' } }));
    expect((await loadManifestDirectory(root, { git: false })).problems).toEqual([]);
  });

  it('reports the second definition of an object, in path order, and keeps the first', async () => {
    put('b.yaml', cm('dup', 'shop', 'from-b'));
    put('a.yaml', `${cm('x')}---\n${cm('dup', 'shop', 'from-a')}`);
    // Same object through the default namespace.
    put('c.yaml', cm('x', 'default'));
    const s = await loadManifestDirectory(root);
    const dup = s.index.get({ group: '', kind: 'ConfigMap', namespace: 'shop', name: 'dup' });
    expect(dup?.source).toEqual({ type: 'manifest-dir', root, file: 'a.yaml', line: 8 });
    expect((dup?.manifest.data as Record<string, unknown>).k).toBe('from-a');
    expect(s.problems.map((p) => [p.file, p.line, p.message])).toEqual([
      ['b.yaml', 1, 'ConfigMap shop/dup is already defined at a.yaml:8; this definition is ignored'],
      ['c.yaml', 1, 'ConfigMap default/x is already defined at a.yaml:1; this definition is ignored'],
    ]);
  });

  it('matches across versions and resolves scope through the callback', async () => {
    put('w.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    put('d.yaml', 'apiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: api\n');
    const unknown = await loadManifestDirectory(root);
    expect(unknown.problems).toMatchObject([{ file: 'w.yaml', severity: 'warning' }]);
    expect(unknown.index.get({ group: 'apps', kind: 'Deployment', namespace: 'default', name: 'api' })?.manifest.apiVersion).toBe('apps/v1beta1');
    const known = await loadManifestDirectory(root, { isNamespaced: (g, k) => (g === 'example.com' && k === 'Widget' ? true : undefined), defaultNamespace: 'team' });
    expect(known.problems).toEqual([]);
    expect([...known.objects.keys()].sort()).toEqual(['apps/Deployment/team/api', 'example.com/Widget/team/w']);
  });

  it('reports a missing directory instead of throwing', async () => {
    const s = await loadManifestDirectory(join(root, 'nope'));
    expect(s.exists).toBe(false);
    expect(s.objects.size).toBe(0);
    expect(s.problems).toEqual([{ file: '', line: 0, message: 'the manifest directory does not exist', severity: 'error' }]);
  });

  it('follows symlinked files and directories (ConfigMap volumes), without looping', async () => {
    put('..data/real.yaml', cm('linked'));
    symlinkSync('..data/real.yaml', join(root, 'real.yaml'));
    mkdirSync(join(root, 'loop'));
    symlinkSync('..', join(root, 'loop', 'up'));
    symlinkSync('missing.yaml', join(root, 'dangling.yaml'));
    const s = await loadManifestDirectory(root);
    expect(s.problems).toEqual([]);
    expect([...s.objects.values()].map((o) => o.source.file)).toEqual(['real.yaml']);
  });

  it('re-parses only files whose content changed', async () => {
    put('a.yaml', cm('a'));
    put('b.yaml', cm('b'));
    const loader = new ManifestDirectoryLoader(root, { git: false });
    const first = await loader.load();
    expect(loader.parsedLastLoad.sort()).toEqual(['a.yaml', 'b.yaml']);
    put('b.yaml', cm('b', undefined, 'changed'));
    // Rewritten with the same bytes: read, not re-parsed.
    put('a.yaml', cm('a'));
    const second = await loader.load();
    expect(loader.parsedLastLoad).toEqual(['b.yaml']);
    const id = '/ConfigMap/default/a';
    expect(second.objects.get(id)?.revision).toBe(first.objects.get(id)?.revision);
    expect(second.objects.get(id)?.manifest).toBe(first.objects.get(id)?.manifest);
    expect(second.objects.get('/ConfigMap/default/b')?.revision).not.toBe(first.objects.get('/ConfigMap/default/b')?.revision);
  });

  it('keeps the last loaded form of documents a file no longer loads while it has an error, marked stale, until it loads again', async () => {
    put('shop.yaml', `${cm('a')}---\n${cm('b', undefined, 'one')}`);
    const loader = new ManifestDirectoryLoader(root, { git: false });
    const first = await loader.load();
    expect([...first.objects.keys()]).toEqual(['/ConfigMap/default/a', '/ConfigMap/default/b']);
    // A stray comma in b (a half-written save, a typo); a is edited in the same save.
    put('shop.yaml', `${cm('a', undefined, 'two')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b,, }\ndata:\n  k: one\n`);
    const broken = await loader.load();
    expect(broken.problems).toMatchObject([{ file: 'shop.yaml', severity: 'error' }]);
    const line = broken.problems[0]?.line;
    const b = broken.objects.get('/ConfigMap/default/b');
    expect(b?.manifest).toEqual(first.objects.get('/ConfigMap/default/b')?.manifest);
    expect(b?.revision).toBe(first.objects.get('/ConfigMap/default/b')?.revision);
    expect(b?.source).toMatchObject({ file: 'shop.yaml', line: 8, stale: expect.stringMatching(new RegExp(`^shop\\.yaml has an error at line ${line} \\(.+\\): compared with this document as it was last loaded$`)) });
    // What still loads is what the file now says.
    expect(broken.objects.get('/ConfigMap/default/a')?.manifest).toMatchObject({ data: { k: 'two' } });
    expect(broken.objects.get('/ConfigMap/default/a')?.source.stale).toBeUndefined();
    // Fixed, with b's document gone: b goes.
    put('shop.yaml', cm('a', undefined, 'two'));
    const fixed = await loader.load();
    expect([...fixed.objects.keys()]).toEqual(['/ConfigMap/default/a']);
    expect(fixed.problems).toEqual([]);
  });

  it('keeps no stale copy of a document that still loads, in another version of its group', async () => {
    const deploy = (apiVersion: string) => `apiVersion: ${apiVersion}\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 2\n`;
    put('web.yaml', `${deploy('apps/v1beta2')}---\n${cm('b')}`);
    const loader = new ManifestDirectoryLoader(root, { git: false });
    await loader.load();
    // The Deployment moved to apps/v1 in the same save that broke b: the same object, loaded.
    put('web.yaml', `${deploy('apps/v1')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b,, }\n`);
    const broken = await loader.load();
    expect(broken.problems).toEqual([expect.objectContaining({ file: 'web.yaml', severity: 'error' })]);
    const web = broken.objects.get('apps/Deployment/default/web');
    expect([web?.manifest.apiVersion, web?.source.stale]).toEqual(['apps/v1', undefined]);
    expect(broken.objects.get('/ConfigMap/default/b')?.source.stale).toBeDefined();
  });

  it('lets go of objects removed from a file whose lasting errors hide no document (a generateName Job, a document that is no object)', async () => {
    const job = 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n';
    put('app.yaml', `${cm('a')}---\n${cm('b')}---\n${job}---\nfoo: bar\n---\njust a string\n`);
    const loader = new ManifestDirectoryLoader(root, { git: false });
    const first = await loader.load();
    expect([...first.objects.keys()]).toEqual(['/ConfigMap/default/a', '/ConfigMap/default/b']);
    expect(first.problems.filter((p) => p.severity === 'error')).toHaveLength(3);
    // a renamed to a2 and b deleted, on purpose: the file now declares a2 and nothing else.
    put('app.yaml', `${cm('a2')}---\n${job}---\nfoo: bar\n---\njust a string\n`);
    const second = await loader.load();
    expect([...second.objects.keys()]).toEqual(['/ConfigMap/default/a2']);
    expect(second.objects.get('/ConfigMap/default/a2')?.source.stale).toBeUndefined();
    // An invalid name declares nothing that could be matched either.
    put('app.yaml', `${cm('a2')}---\n${cm('x/y')}`);
    expect([...(await loader.load()).objects.keys()]).toEqual(['/ConfigMap/default/a2']);
  });

  it('keeps the documents after a cut as stale while a file is caught half-written at a line boundary', async () => {
    put('app.yaml', ['a', 'b', 'c', 'd'].map((n) => cm(n)).join('---\n'));
    const loader = new ManifestDirectoryLoader(root, { git: false });
    await loader.load();
    // `helm template > app.yaml` read mid-write: c cut after its kind, so it reads as nameless.
    put('app.yaml', `${cm('a')}---\n${cm('b')}---\napiVersion: v1\nkind: ConfigMap\n`);
    const cut = await loader.load();
    expect([...cut.objects.keys()].sort()).toEqual(['a', 'b', 'c', 'd'].map((n) => `/ConfigMap/default/${n}`));
    expect(['c', 'd'].map((n) => cut.objects.get(`/ConfigMap/default/${n}`)?.source.stale)).toEqual([expect.stringMatching(/missing metadata\.name/), expect.stringMatching(/missing metadata\.name/)]);
    expect(cut.objects.get('/ConfigMap/default/b')?.source.stale).toBeUndefined();
    put('app.yaml', ['a', 'b', 'c', 'd'].map((n) => cm(n)).join('---\n'));
    const whole = await loader.load();
    expect([...whole.objects.values()].every((o) => o.source.stale === undefined)).toBe(true);
  });

  it('still keeps documents hidden by a syntax error in a file that also has a lasting per-document error, naming the syntax error', async () => {
    const job = 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n';
    put('app.yaml', `${job}---\n${cm('a')}---\n${cm('b')}`);
    const loader = new ManifestDirectoryLoader(root, { git: false });
    await loader.load();
    put('app.yaml', `${job}---\n${cm('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b,, }\n`);
    const broken = await loader.load();
    const syntax = broken.problems.find((p) => p.line > 4);
    expect(syntax).toMatchObject({ file: 'app.yaml', severity: 'error' });
    expect(broken.objects.get('/ConfigMap/default/b')?.source.stale).toMatch(new RegExp(`^app\\.yaml has an error at line ${syntax?.line} `));
    expect(broken.objects.get('/ConfigMap/default/a')?.source.stale).toBeUndefined();
  });

  it('says nothing about a .json file that is valid JSON but not what the fast path reads (kubectl get -o json: kind List)', async () => {
    const item = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    put('export.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [item('one'), item('two')] }, null, 4));
    put('stream.json', `${JSON.stringify(item('three'))}\n---\n${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [item('four')] })}\n`);
    put('bom.json', `\ufeff${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [item('five')] })}`);
    const s = await loadManifestDirectory(root, { git: false });
    expect(s.problems).toEqual([]);
    expect([...s.objects.keys()].sort()).toEqual(['five', 'four', 'one', 'three', 'two'].map((n) => `/ConfigMap/default/${n}`));
  });

  it('refuses names and namespaces the API server would, so two different ones never share a key', async () => {
    put('a.yaml', `${cm('"a/b"', 'x')}---\n${cm('b', '"x/a"')}`);
    const s = await loadManifestDirectory(root, { git: false });
    expect(s.objects.size).toBe(0);
    expect(s.problems.map((p) => [p.line, p.message])).toEqual([
      [1, 'document 1: metadata.name "a/b" is not a name the API server accepts: it contains "/"'],
      [9, 'document 2: metadata.namespace "x/a" is not a name the API server accepts: it contains "/"'],
    ]);
  });

  it('tells whether a new scope callback changes anything for the kinds it loaded', async () => {
    put('w.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    put('a.yaml', cm('a'));
    const loader = new ManifestDirectoryLoader(root, { git: false });
    const loaded = await loader.load();
    // Discovery learns the Widget's scope: a rebuild keys it differently.
    expect(loader.setIsNamespaced((g, k) => (g === 'example.com' && k === 'Widget' ? true : undefined))).toBe(true);
    const rebuilt = loader.rebuild(loaded);
    expect([...rebuilt.objects.keys()]).toContain('example.com/Widget/default/w');
    // Discovery again, the same answers (and one for a kind no manifest has): nothing to rebuild.
    expect(loader.setIsNamespaced((g, k) => (g === 'example.com' && k === 'Widget' ? true : g === 'apps' ? true : undefined))).toBe(false);
    expect(loader.setIsNamespaced(() => undefined)).toBe(true);
  });

  it('sees new answers from a scope callback that reads live discovery state (the same function each time)', async () => {
    put('w.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    const served = new Set<string>();
    const live = (g: string, k: string) => (served.has(`${g}/${k}`) ? true : undefined);
    const loader = new ManifestDirectoryLoader(root, { git: false, isNamespaced: live });
    const loaded = await loader.load();
    expect([...loaded.objects.keys()]).toEqual(['example.com/Widget//w']);
    expect(loader.setIsNamespaced(live)).toBe(false);
    // The CRD is installed after start-up.
    served.add('example.com/Widget');
    expect(loader.setIsNamespaced(live)).toBe(true);
    expect([...loader.rebuild(loaded).objects.keys()]).toEqual(['example.com/Widget/default/w']);
    expect(loader.setIsNamespaced(live)).toBe(false);
  });

  it('reads a directory reachable also through a symlink once, always under its own path', async () => {
    for (let i = 0; i < 5; i++) put(`base/f${i}.yaml`, cm(`c${i}`));
    // An alias kept for compatibility, which sorts before the directory itself.
    symlinkSync('base', join(root, 'app'));
    const loader = new ManifestDirectoryLoader(root, { git: false });
    for (let scan = 0; scan < 10; scan++) {
      const s = await loader.load();
      expect([...s.objects.values()].map((o) => o.source.file).sort()).toEqual(['base/f0.yaml', 'base/f1.yaml', 'base/f2.yaml', 'base/f3.yaml', 'base/f4.yaml']);
      expect(s.problems).toEqual([]);
    }
  });

  it('freezes the shared manifests', async () => {
    put('a.yaml', cm('a'));
    const s = await loadManifestDirectory(root);
    const m = s.objects.get('/ConfigMap/default/a')?.manifest as Record<string, unknown>;
    expect(Object.isFrozen(m.metadata)).toBe(true);
  });
});

describe('git', () => {
  it('records the HEAD commit and which files differ from it', async () => {
    put('apps/a.yaml', cm('a'));
    put('apps/b.yaml', cm('b'));
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    const head = git('rev-parse', 'HEAD');
    const clean = await loadManifestDirectory(join(root, 'apps'));
    expect(clean.git).toEqual({ workTree: root, commit: head, branch: 'main', dirty: false });
    expect(clean.objects.get('/ConfigMap/default/a')?.source).toEqual({ type: 'manifest-dir', root: join(root, 'apps'), file: 'a.yaml', line: 1, commit: head, dirty: false });
    put('apps/b.yaml', cm('b', undefined, 'edited'));
    put('apps/new.yaml', cm('new'));
    const dirty = await loadManifestDirectory(join(root, 'apps'));
    expect(dirty.git?.dirty).toBe(true);
    expect(dirty.objects.get('/ConfigMap/default/a')?.source.dirty).toBe(false);
    expect(dirty.objects.get('/ConfigMap/default/b')?.source.dirty).toBe(true);
    expect(dirty.objects.get('/ConfigMap/default/new')?.source.dirty).toBe(true);
  });

  it('counts a manifest in a git-ignored folder as not from the commit (rendered output)', async () => {
    put('apps/a.yaml', cm('a'));
    put('.gitignore', 'rendered/\n');
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    put('apps/rendered/r.yaml', cm('r'));
    const s = await loadManifestDirectory(join(root, 'apps'));
    expect(s.objects.get('/ConfigMap/default/a')?.source.dirty).toBe(false);
    expect(s.objects.get('/ConfigMap/default/r')?.source.dirty).toBe(true);
    expect(s.git?.dirty).toBe(true);
  });

  it('handles detached HEAD, packed refs, an unborn branch and linked worktrees', async () => {
    put('a.yaml', cm('a'));
    git('init', '-q');
    const unborn = await loadManifestDirectory(root);
    expect(unborn.git).toEqual({ workTree: root, branch: 'main' });
    expect(unborn.objects.get('/ConfigMap/default/a')?.source.commit).toBeUndefined();
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    const first = git('rev-parse', 'HEAD');
    git('pack-refs', '--all');
    const repo = await findGitRepo(root);
    expect(repo).toBeDefined();
    expect(await readGitHead(repo!)).toEqual({ commit: first, branch: 'main' });
    put('a.yaml', cm('a', undefined, 'two'));
    git('commit', '-q', '-am', 'two');
    git('checkout', '-q', '--detach', first);
    expect((await loadManifestDirectory(root)).git).toMatchObject({ commit: first, dirty: false });
    expect((await loadManifestDirectory(root)).git?.branch).toBeUndefined();
    git('checkout', '-q', 'main');
    const wt = join(root, '..', `${root.split('/').pop()}-wt`);
    git('worktree', 'add', '-q', '--detach', wt, first);
    try {
      const linked = await loadManifestDirectory(wt);
      expect(linked.git).toMatchObject({ workTree: wt, commit: first, dirty: false });
      expect(linked.objects.get('/ConfigMap/default/a')?.source.commit).toBe(first);
    } finally {
      rmSync(wt, { recursive: true, force: true });
    }
  });

  it('is absent outside a work tree', async () => {
    put('a.yaml', cm('a'));
    expect((await loadManifestDirectory(root)).git).toBeUndefined();
    expect(await findGitRepo(root)).toBeUndefined();
  });
});
