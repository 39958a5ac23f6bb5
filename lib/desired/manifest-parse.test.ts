import { describe, expect, it } from 'vitest';
import { cloneJson } from '../drift/normalize';
import { redactSecret } from '../drift/secrets';
import { canonicalJson } from './content-hash';
import { goYamlNumber, hidesNoDocument, MAX_NESTING, parseManifestText, parseSimpleYamlManifests, parseYamlManifests } from './manifest-parse';

const cm = (name: string, extra = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;

describe('parseManifestText', () => {
  it('reads multi-document YAML, skipping empty documents, with the line each object starts on', () => {
    const text = `# leading comment\n---\n${cm('a')}---\n---\n# only a comment\n---\n${cm('b')}...\n`;
    const r = parseManifestText(text, 'x.yaml');
    expect(r.problems).toEqual([]);
    expect(r.objects.map((o) => [(o.manifest.metadata as { name: string }).name, o.line])).toEqual([
      ['a', 3],
      ['b', 11],
    ]);
  });

  it('reports a malformed document with file, line and column, and still loads the others', () => {
    const text = `${cm('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: [unclosed\n---\n${cm('c')}`;
    const r = parseManifestText(text, 'dir/x.yaml');
    expect(r.objects.map((o) => (o.manifest.metadata as { name: string }).name)).toEqual(['a', 'c']);
    expect(r.problems).toHaveLength(1);
    // At the `[` that is never closed, not at the `---` where the parser noticed.
    expect(r.problems[0]).toMatchObject({ file: 'dir/x.yaml', severity: 'error', line: 11, column: 8 });
    expect(r.problems[0]?.message).toMatch(/^document 2: .*the \[ here is still open at line 12$/);
    expect(r.problems[0]?.message).not.toContain('\n');
  });

  it('reports an unclosed quote or flow map where it opens, with the line where the parser gave up', () => {
    // A quoted value may span lines, so it runs to the end of the file (line 8 would be past it).
    const quote = parseManifestText(`${cm('a')}data:\n  motd: "hello\n  other: x\n`, 'q.yaml');
    expect(quote.objects).toEqual([]);
    expect(quote.problems).toEqual([
      expect.objectContaining({ line: 6, column: 9, message: expect.stringMatching(/^document 1: Missing closing "quote: the " here is still open at the end of the file$/) }),
    ]);
    const map = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\ndata:\n  a: b\n', 'm.yaml');
    expect(map.problems).toEqual([expect.objectContaining({ line: 3, column: 11, message: expect.stringMatching(/the \{ here is still open at line 4$/) })]);
    // The open one, not a closed one inside it or ending where the file ends without a newline.
    const inner = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: {a: b}\ndata:\n  a: b\n', 'n.yaml');
    expect(inner.problems).toEqual([expect.objectContaining({ line: 3, column: 11, message: expect.stringMatching(/the \{ here is still open at line 4$/) })]);
    const atEnd = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "x"', 'e.yaml');
    expect(atEnd.problems).toEqual([expect.objectContaining({ line: 3, column: 11, message: expect.stringMatching(/the \{ here is still open at the end of the file$/) })]);
    const nested = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nt: [[1, 2]', 's.yaml');
    expect(nested.problems).toEqual([expect.objectContaining({ line: 5, column: 4 })]);
    // Closed, on a line not indented enough: that line is the one to fix.
    const indented = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  t: ["a",\n"b"]\n', 'u.yaml');
    expect(indented.problems).toEqual([expect.objectContaining({ line: 7, column: 1, message: expect.not.stringContaining('still open') })]);
    // Errors that are not about an unclosed construct stay where the parser puts them.
    const indent = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata:\n   name: x\n  namespace: y\n', 'i.yaml');
    expect(indent.problems).toEqual([expect.objectContaining({ line: 5, column: 1, message: 'document 1: All mapping items must start at the same column' })]);
  });

  it('never quotes a Secret value in a problem, whatever the YAML error (the parser\'s own messages quote the text they stop at)', () => {
    const secret = (body: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n${body}`;
    const cases: Array<[string, RegExp]> = [
      ['  password: *Pa55w0rd-CANARY\n', /reads as an alias.*quote the value/],
      ['  password: |CANARY-block\n', /block scalar header/],
      ['  password: >-CANARY-folded\n', /block scalar header/],
      ['  password: "CANARY-\\q"\n', /escape sequence/],
      ['  x: !!omap\n    - CANARY-omap: a\n    - CANARY-omap: b\n', /!!omap/],
      ['  password: &CANARY-anchor\n  other: *CANARY-alias\n', /./],
      ['  password: !CANARY-tag x\n', /./],
      ['  password: `CANARY-tick\n', /cannot start with/],
      ['  password: [CANARY-open\n', /still open/],
      ['  ? [CANARY-key]\n  : x\n', /./],
    ];
    const warned: string[] = [];
    const onWarning = (w: Error) => void warned.push(w.message);
    process.on('warning', onWarning);
    try {
      for (const [body, expected] of cases) {
        const problems = parseManifestText(secret(body), 's.yaml').problems;
        const text = JSON.stringify(problems);
        expect(text, body).not.toMatch(/CANARY/);
        if (problems.length > 0) expect(problems.map((p) => p.message).join('\n'), body).toMatch(expected);
      }
    } finally {
      process.off('warning', onWarning);
    }
    expect(warned.join('\n')).not.toMatch(/CANARY/);
  });

  it('reports documents that are not objects or lack apiVersion, kind or metadata.name', () => {
    const text = [
      '- just\n- a list\n',
      'plain string\n',
      'kind: ConfigMap\nmetadata:\n  name: x\n',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: web-\n',
      cm('ok'),
      // YAML 1.1, as kubectl reads it: `y` is true, and a name of digits a number.
      'kind: ConfigMap\nmetadata:\n  name: y\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 12\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {a: 1}\n',
    ].join('---\n');
    const r = parseManifestText(text, 'x.yaml');
    expect(r.objects).toHaveLength(1);
    expect(r.problems.map((p) => [p.line, p.message])).toEqual([
      [1, 'document 1 is a list, not a Kubernetes object'],
      [4, 'document 2 is a string, not a Kubernetes object'],
      [6, 'document 3: missing apiVersion'],
      [10, 'document 4: missing metadata.name (generateName cannot be matched to a live object)'],
      [20, 'document 6: missing apiVersion; metadata.name is read as a boolean, not a string (YAML reads y, no, on, 0x1F and the like so): quote it'],
      [24, 'document 7: metadata.name is read as a number, not a string (YAML reads y, no, on, 0x1F and the like so): quote it'],
      [29, 'document 8: metadata.name is a map, not a string'],
    ]);
  });

  it('expands kind: List and *List documents, items with their own lines', () => {
    const text = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: one}
  - apiVersion: apps/v1
    kind: DeploymentList
    items:
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: two}
  - kind: Broken
---
apiVersion: v1
kind: ConfigMapList
items: []
`;
    const r = parseManifestText(text, 'l.yaml');
    expect(r.objects.map((o) => [o.manifest.kind, o.line])).toEqual([
      ['ConfigMap', 4],
      ['Deployment', 10],
    ]);
    expect(r.problems).toMatchObject([{ line: 13, message: 'List item 2: missing apiVersion, metadata.name' }]);
  });

  it('does not treat a kind ending in List without items as a list', () => {
    const r = parseManifestText('apiVersion: x.io/v1\nkind: AllowList\nmetadata: {name: a}\nspec: {}\n', 'a.yaml');
    expect(r.objects).toHaveLength(1);
  });

  it('reads YAML like kubectl (YAML 1.1): octal modes, yes/on booleans, but timestamps and 12:30 stay strings', () => {
    const r = parseManifestText(cm('a', 'data:\n  at: 2001-12-14\n  time: 12:30\nspec:\n  mode: 0644\n  on: yes\n'), 'a.yaml');
    expect(r.problems).toEqual([]);
    const m = r.objects[0]?.manifest as Record<string, Record<string, unknown>>;
    expect(m.data).toEqual({ at: '2001-12-14', time: '12:30' });
    expect(m.spec).toEqual({ mode: 420, true: true });
  });

  // What kubectl's reader (sigs.k8s.io/yaml on go-yaml v2, Go 1.13+ strconv) makes of each plain
  // scalar: every value here was printed by it (YAMLToJSON of `v: <scalar>`).
  const kubectlScalars: ReadonlyArray<readonly [string, number | string]> = [
    ['0o644', 420], ['0O644', 420], ['-0o17', -15], ['+0o17', 15], ['0o1_7', 15],
    ['0x1F', 31], ['0X1F', 31], ['+0x1F', 31], ['-0x1F', -31], ['0b101', 5], ['0B101', 5], ['-0b101', -5], ['0b1_0', 2], ['0b-1', -1],
    ['0644', 420], ['-0644', -420], ['+0644', 420], ['08', 8], ['09.5', 9.5], ['00', 0], ['-0', 0],
    ['1_000', 1000], ['1__0', 10], ['1_', 1], ['-_1', -1], ['+_1', 1], ['0_x1F', 31], ['1_000.5', 1000.5], ['1e3_0', 1e30],
    ['1e3', 1000], ['.5', 0.5], ['-.5', -0.5], ['.5_0', 0.5], ['1.', 1],
    ['0x7FFFFFFFFFFFFFFF', 9223372036854775807], ['0xFFFFFFFFFFFFFFFF', 18446744073709551615], ['-0x8000000000000000', -9223372036854775808], ['02000000000000000000000', 2e21],
    // Strings to it:
    ['0o8', '0o8'], ['0o', '0o'], ['0x', '0x'], ['0x_', '0x_'], ['0b_', '0b_'], ['0o17.5', '0o17.5'], ['e3', 'e3'], ['-E5', '-E5'], ['._5', '._5'], ['.', '.'], ['+.', '+.'],
    ['1e999', '1e999'], ['-1e999', '-1e999'], ['.5e999', '.5e999'], ['0x1FFFFFFFFFFFFFFFF', '0x1FFFFFFFFFFFFFFFF'], ['+0xFFFFFFFFFFFFFFFF', '+0xFFFFFFFFFFFFFFFF'], ['-0x8000000000000001', '-0x8000000000000001'],
    ['12:30', '12:30'], ['2001-12-14', '2001-12-14'],
  ];

  it('reads numbers as kubectl does (go-yaml v2 on Go strconv): 0o, capital prefixes, signs, underscores', () => {
    for (const [scalar, want] of kubectlScalars) {
      expect(goYamlNumber(scalar) ?? scalar, scalar).toBe(want);
      // Block and flow, general parser and fast path (simple-yaml.test.ts checks that it takes them).
      const text = cm('a', `data:\n  v: ${scalar}\n  l: [${scalar}]\n`);
      const general = parseYamlManifests(text, 'a.yaml');
      expect(general.problems, scalar).toEqual([]);
      expect(general.objects[0]?.manifest.data, scalar).toEqual({ v: want, l: [want] });
      expect(parseManifestText(text, 'a.yaml'), scalar).toStrictEqual(general);
    }
  });

  it('reads 0o file modes and durations as the numbers the API server returns', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  terminationGracePeriodSeconds: 0o17\n  volumes:\n  - name: c\n    configMap:\n      name: c\n      defaultMode: 0o644\n      items:\n      - {key: k, path: k, mode: 0O600}\n';
    const fast = parseSimpleYamlManifests(text);
    expect(fast).toBeDefined();
    for (const r of [parseYamlManifests(text, 'p.yaml'), fast]) {
      const spec = r?.objects[0]?.manifest.spec as { terminationGracePeriodSeconds: unknown; volumes: Array<{ configMap: { defaultMode: unknown; items: Array<{ mode: unknown }> } }> };
      expect(spec.terminationGracePeriodSeconds).toBe(15);
      expect(spec.volumes[0]?.configMap.defaultMode).toBe(420);
      expect(spec.volumes[0]?.configMap.items[0]?.mode).toBe(384);
    }
    // As keys too (go-yaml's integer key 15, which sigs.k8s.io/yaml writes as "15").
    expect(parseManifestText(cm('k', 'data:\n  0o17: x\n'), 'k.yaml').objects[0]?.manifest.data).toEqual({ 15: 'x' });
  });

  it('keeps a number beyond float64 as text in YAML (go-yaml does), but reports it in a JSON file (kubectl reads those as JSON)', () => {
    expect(parseManifestText(cm('a', 'data:\n  v: 1e999\n'), 'a.yaml').objects[0]?.manifest.data).toEqual({ v: '1e999' });
    const json = parseManifestText(' \n{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":-1e999}}', 'i.json');
    expect(json.problems[0]?.message).toContain('data.k: -Infinity is not representable in JSON');
  });

  it('parses JSON files, and reports JSON syntax errors with a line', () => {
    const ok = parseManifestText('{\n\t"apiVersion": "v1",\n\t"kind": "ConfigMap",\n\t"metadata": {"name": "j"}\n}\n', 'a.json');
    expect(ok.problems).toEqual([]);
    expect(ok.objects).toMatchObject([{ line: 1, manifest: { metadata: { name: 'j' } } }]);
    const bad = parseManifestText('{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": "j"\n}\n', 'b.json');
    expect(bad.objects).toEqual([]);
    // The outer braces run on (the `}` on line 5 closed metadata): reported on the file's last line,
    // not on a line 6 that no editor shows.
    expect(bad.problems).toEqual([
      expect.objectContaining({ line: 5, column: 1, message: 'document 1: Flow map must end with a }: the { that opens the document at line 1 is still open at the end of the file' }),
    ]);
  });

  it('reads files of JSON documents separated by --- (the fast path) with the lines the YAML parser gives', () => {
    const a = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"s":"a\\/b \\u00e9 \\"q\\"","n":1.5e3,"o":"0644","on":"yes"}}';
    const b = '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": "b"},\n  "data": {"e": {}, "l": [], "z": null}\n}';
    const text = `---\n${a}\n---\n\n${b}\n...\n---\n`;
    const fast = parseManifestText(text, 'f.yaml');
    // The same text with a comment in front goes through the YAML parser (one line further down).
    const yaml = parseManifestText(`# yaml\n${text}`, 'f.yaml');
    expect(fast.problems).toEqual([]);
    expect(fast.objects.map((o) => o.line)).toEqual([2, 5]);
    expect(yaml.objects.map((o) => o.line)).toEqual([3, 6]);
    expect(fast.objects.map((o) => o.manifest)).toEqual(yaml.objects.map((o) => o.manifest));
    expect(fast.objects[0]?.manifest.data).toEqual({ s: 'a/b \u00e9 "q"', n: 1500, o: '0644', on: 'yes' });
  });

  it('falls back to the YAML parser for a JSON document it cannot take as is, with file and line', () => {
    const ok = (name: string) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"}}`;
    const broken = parseManifestText(`${ok('a')}\n---\n{"apiVersion": "v1",\n "kind": "ConfigMap",\n "metadata": {"name": "b"\n}\n---\n${ok('c')}\n`, 'dir/b.yaml');
    expect(broken.objects.map((o) => [(o.manifest.metadata as { name: string }).name, o.line])).toEqual([
      ['a', 1],
      ['c', 8],
    ]);
    expect(broken.problems).toHaveLength(1);
    expect(broken.problems[0]).toMatchObject({ file: 'dir/b.yaml', severity: 'error' });
    expect(broken.problems[0]?.message).toMatch(/^document 2: /);
    expect(broken.problems[0]?.line).toBeGreaterThanOrEqual(3);
    // Duplicate keys (JSON.parse would drop one silently), a missing name, a number JSON cannot hold.
    const dup = parseManifestText('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"1","k":"2"}}', 'd.json');
    expect(dup.objects[0]?.manifest.data).toEqual({ k: '2' });
    expect(dup.problems).toMatchObject([{ severity: 'warning', line: 1 }]);
    const noName = parseManifestText(`${ok('a')}\n---\n{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}`, 'n.json');
    expect(noName.problems.map((p) => [p.line, p.message])).toEqual([[3, 'document 2: missing metadata.name']]);
    const inf = parseManifestText('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":1e999}}', 'i.json');
    expect(inf.objects).toEqual([]);
    expect(inf.problems[0]?.message).toContain('Infinity is not representable in JSON');
  });

  it('keeps the last of duplicate keys with a warning (go-yaml does not reject them either)', () => {
    const r = parseManifestText(cm('a', 'data:\n  k: one\n  k: two\n'), 'a.yaml');
    expect(r.objects[0]?.manifest.data).toEqual({ k: 'two' });
    expect(r.problems).toMatchObject([{ severity: 'warning', line: 7 }]);
  });

  it('reports values JSON cannot hold', () => {
    const r = parseManifestText(cm('a', 'data:\n  x: .inf\n'), 'a.yaml');
    expect(r.objects).toEqual([]);
    expect(r.problems[0]?.message).toContain('data.x: Infinity is not representable in JSON');
  });

  it('reports a value JSON cannot hold on its own line, not the document\'s first', () => {
    const text = `${cm('a')}---\n${cm('b', 'spec:\n  weights:\n    - name: x\n      w: 1\n    - name: y\n      w: -.inf\n  flow: {a: 1, b: .nan}\n')}`;
    const r = parseManifestText(text, 'w.yaml');
    expect(r.objects.map((o) => o.line)).toEqual([1]);
    expect(r.problems).toEqual([{ file: 'w.yaml', line: 15, column: 10, message: 'document 2: spec.weights[1].w: -Infinity is not representable in JSON', severity: 'error' }]);
    const flow = parseManifestText(cm('c', 'spec:\n  flow: {a: 1, b: .nan}\n'), 'f.yaml');
    expect(flow.problems).toMatchObject([{ line: 6, column: 19, message: 'document 1: spec.flow.b: NaN is not representable in JSON' }]);
    // Keys that are not plain words are quoted, as in field paths: nothing odd reaches a log line.
    const odd = parseManifestText(cm('d', 'data:\n  "a.b\\nc": .inf\n'), 'o.yaml');
    expect(odd.problems).toMatchObject([{ line: 6, message: 'document 1: data["a.b\\nc"]: Infinity is not representable in JSON' }]);
    // JSON (1e999 is Infinity to both parsers): the number's line.
    const json = parseManifestText('{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": "j"},\n  "data": {\n    "k": 1e999\n  }\n}\n', 'j.json');
    expect(json.problems).toMatchObject([{ line: 6, column: 10 }]);
    // An anchored value is reported where it is written (its aliases come after it), !!binary too.
    const anchored = parseManifestText(cm('e', 'x: &v\n  y: 1\n  z: !!binary aGVsbG8=\nspec:\n  <<: *v\n'), 'e.yaml');
    expect(anchored.problems).toMatchObject([{ line: 7, message: expect.stringMatching(/^document 1: x\.z: a \w+ is not representable in JSON$/) }]);
  });

  it('refuses a metadata.name or metadata.namespace the API server would, per document, with file and line', () => {
    const doc = (meta: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n${meta}`;
    const text = [
      doc('  name: a/b\n  namespace: x\n'),
      doc('  name: b\n  namespace: x/a\n'),
      doc('  name: ..\n'),
      doc('  name: "."\n'),
      doc('  name: 50%\n'),
      doc('  name: "evil\\nINFO forged log line"\n'),
      doc(`  name: ${'n'.repeat(254)}\n`),
      doc('  name: ok\n  namespace: 7\n'),
      // Path segments only: RBAC names take colons and capitals, and 253 characters is allowed.
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: system:controller:Thing\n',
      doc(`  name: ${'m'.repeat(253)}\n`),
      // An empty namespace is no namespace, as kubectl reads it.
      doc('  name: fine\n  namespace: ""\n'),
    ].join('---\n');
    const r = parseManifestText(text, 'n.yaml');
    expect(r.objects.map((o) => (o.manifest.metadata as { name: string }).name)).toEqual(['system:controller:Thing', 'm'.repeat(253), 'fine']);
    const notAccepted = 'is not a name the API server accepts';
    expect(r.problems.map((p) => [p.line, p.message])).toEqual([
      [1, `document 1: metadata.name "a/b" ${notAccepted}: it contains "/"`],
      [7, `document 2: metadata.namespace "x/a" ${notAccepted}: it contains "/"`],
      [13, `document 3: metadata.name ".." ${notAccepted}: it may not be "." or ".."`],
      [18, `document 4: metadata.name "." ${notAccepted}: it may not be "." or ".."`],
      [23, `document 5: metadata.name "50%" ${notAccepted}: it contains "%"`],
      [28, `document 6: metadata.name "evil\\nINFO forged log line" ${notAccepted}: it contains a control character`],
      [33, `document 7: metadata.name "${'n'.repeat(100)}"… ${notAccepted}: it is longer than 253 characters`],
      [38, 'document 8: metadata.namespace is read as a number, not a string (YAML reads y, no, on, 0x1F and the like so): quote it'],
    ]);
    for (const p of r.problems) expect(p.message).not.toMatch(/[\n\r]/);
    expect(r.problems.every((p) => p.severity === 'error' && p.file === 'n.yaml')).toBe(true);
    // The JSON fast path gives way to the parser for them too.
    const json = parseManifestText(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a/b' } }), 'j.json');
    expect(json.objects).toEqual([]);
    expect(json.problems).toMatchObject([{ line: 1, message: expect.stringContaining('metadata.name "a/b"') }]);
    // And a List's kind goes into its items' messages quoted when it is odd.
    const list = parseManifestText(JSON.stringify({ apiVersion: 'v1', kind: 'Odd\nList', items: [{ kind: 'X' }] }), 'l.json');
    expect(list.problems.map((p) => p.message)).toEqual(['"Odd\\nList" item 0: missing apiVersion, metadata.name']);
  });

  it('refuses an apiVersion or kind no API server serves: a `/` too many would make two objects one key', () => {
    const doc = (apiVersion: string, kind: string) => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: w\n  namespace: x\n`;
    const text = [doc('a/b/v1', 'Widget'), doc('a/v1', 'b/Widget'), doc('Example.com/v1', 'Widget'), doc('example.com/v1', '"Wid\\nget"'), doc('example.com/v1beta1', 'Widget'), doc('v1', 'ConfigMap')].join('---\n');
    const r = parseManifestText(text, 't.yaml');
    expect(r.objects.map((o) => `${String(o.manifest.apiVersion)} ${String(o.manifest.kind)}`)).toEqual(['example.com/v1beta1 Widget', 'v1 ConfigMap']);
    expect(r.problems.map((p) => p.message)).toEqual([
      'document 1: apiVersion "a/b/v1" is not group/version or version',
      'document 2: kind "b/Widget" is not a kind name (letters and digits, starting with a letter)',
      'document 3: apiVersion "Example.com/v1" is not group/version or version',
      'document 4: kind "Wid\\nget" is not a kind name (letters and digits, starting with a letter)',
    ]);
  });

  it('tells per-document identity errors, which hide no other document, from errors that may (hidesNoDocument)', () => {
    const identity = [
      '- a list\n',
      'a string\n',
      '42\n',
      'foo: bar\n',
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: x-\n',
      'kind: ConfigMap\nmetadata:\n  name: y\n',
      cm('a/b'),
      cm('"..\\n"'),
      cm('ok', '  namespace: on\n'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  namespace: "50%"\n',
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [null, 'x', { kind: 'X' }] }),
      JSON.stringify({ apiVersion: 'v1', kind: 'Odd "q" \\ List', items: [{ kind: 'X' }] }),
      'apiVersion: a/b/v1\nkind: Widget\nmetadata:\n  name: w\n',
      'apiVersion: v1\nkind: Config/Map\nmetadata:\n  name: w\n',
    ];
    for (const text of identity) {
      const problems = parseManifestText(text, 'i.yaml').problems.filter((p) => p.severity === 'error');
      expect(problems.length, text).toBeGreaterThan(0);
      for (const p of problems) expect(hidesNoDocument(p), p.message).toBe(true);
    }
    const mayHide = [
      cm('a', 'data: {k: [\n'),
      cm('a', 'metadata: {name: b,, }\n'),
      cm('a', 'data:\n  missing: .inf\n'),
      cm('a', 'data:\n  "metadata.name x": .nan\n'),
      cm('a', 'data:\n  x: !!binary aGVsbG8=\n'),
      cm('a', `x: ${'['.repeat(300)}${']'.repeat(300)}\n`),
      `apiVersion: v1\nkind: List\nitems:\n${Array.from({ length: 9 }, (_, i) => `${'  '.repeat(i)}- apiVersion: v1\n${'  '.repeat(i)}  kind: List\n${'  '.repeat(i)}  items:\n`).join('')}${'  '.repeat(9)}- {}\n`,
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: *missing-anchor\n',
    ];
    for (const text of mayHide) {
      const problems = parseManifestText(text, 'h.yaml').problems.filter((p) => p.severity === 'error');
      expect(problems.length, text).toBeGreaterThan(0);
      for (const p of problems) expect(hidesNoDocument(p), p.message).toBe(false);
    }
  });

  it('accepts a byte-order mark', () => {
    expect(parseManifestText(`\ufeff${cm('a')}`, 'a.yaml').objects).toHaveLength(1);
  });

  it('reports a file nested deeper than MAX_NESTING levels instead of parsing it, however often', () => {
    const deep = [
      cm('seq', `x:\n${'- '.repeat(5000)}x\n`),
      cm('map', `x:\n${Array.from({ length: 400 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} v\n`),
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"json"},"data":${'['.repeat(20000)}${']'.repeat(20000)}}`,
      cm('flow', `x: ${'{a: '.repeat(300)}1${'}'.repeat(300)}\n`),
    ];
    // Twice over: after the YAML parser once exhausted the stack, a second such file crashed the process.
    for (const text of [...deep, ...deep]) {
      const r = parseManifestText(text, 'deep.yaml');
      expect(r.objects).toEqual([]);
      expect(r.problems).toMatchObject([{ file: 'deep.yaml', message: `nested more than ${MAX_NESTING} levels deep: not read`, severity: 'error' }]);
    }
    expect(parseManifestText(deep[0] as string, 'deep.yaml').problems[0]?.line).toBe(6);
    // Deep but within the limit, and brackets, quotes and comments that are not nesting: read.
    const fine = cm('ok', `x:\n${'- '.repeat(100)}x\ny: "[[[[ # not a bracket"\nz: it's [\n# {{{{\nw: ${'['.repeat(100)}${']'.repeat(100)}\n`);
    const ok = parseManifestText(fine, 'ok.yaml');
    expect(ok.problems).toEqual([]);
    expect(ok.objects).toHaveLength(1);
  });
});

describe('YAML 1.1 pitfalls kubectl shares', () => {
  it('reads an unquoted `n` as false, so such a name is refused, as kubectl would, with what to do', () => {
    const r = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: n\n', 'a.yaml');
    expect(r.objects).toEqual([]);
    expect(r.problems[0]?.message).toBe('document 1: metadata.name is read as a boolean, not a string (YAML reads y, no, on, 0x1F and the like so): quote it');
  });

  it('keeps a `__proto__` key (valid in ConfigMap data) as data through parsing, copies, hashes and redaction', () => {
    for (const text of [cm('p', 'data:\n  __proto__: evil\n  b: ok\n'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' }, data: JSON.parse('{"__proto__":"evil","b":"ok"}') })]) {
      const manifest = parseManifestText(text, 'p.yaml').objects[0]?.manifest as { data: Record<string, unknown> };
      expect(Object.getPrototypeOf(manifest.data)).toBe(Object.prototype);
      expect(Object.keys(manifest.data)).toEqual(['__proto__', 'b']);
      const copy = cloneJson(manifest) as { data: Record<string, unknown> };
      expect(Object.keys(copy.data)).toEqual(['__proto__', 'b']);
      expect(Object.getPrototypeOf(copy.data)).toBe(Object.prototype);
      expect(Object.keys(redactSecret(manifest.data) as object)).toEqual(['__proto__', 'b']);
      expect(canonicalJson(manifest.data)).toBe('{"__proto__":"evil","b":"ok"}');
    }
  });
});

