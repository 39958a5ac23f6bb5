/**
 * The block-YAML fast path against the YAML parser it stands in for: wherever it answers, the
 * answer must be the parser's, object for object and line for line. Checked on the corpus's real
 * manifests, on synthetic ones written in every style the `yaml` package writes, on hand-picked
 * traps, on seeded random objects full of strings that YAML 1.1 would type, and on randomly
 * damaged files. DW_FUZZ_SEED and DW_FUZZ_N (default 600 files) widen the random ones.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify, type ToStringOptions } from 'yaml';
import { describe, expect, it } from 'vitest';
import { syntheticDeployment, syntheticPod, syntheticService, syntheticWidget } from '../../testing/synthetic-objects';
import { parseManifestText, parseSimpleYamlManifests, parseYamlManifests } from './manifest-parse';

const corpusRoot = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));

/** The fast path's answer, which must be undefined or exactly the parser's. */
function agree(text: string): ReturnType<typeof parseSimpleYamlManifests> {
  const fast = parseSimpleYamlManifests(text);
  if (fast !== undefined) expect(fast, text).toStrictEqual(parseYamlManifests(text, 'f.yaml'));
  return fast;
}

/** mulberry32: a small seeded generator whose every seed gives a long, even sequence. */
function seeded(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cm = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ns\ndata:\n${data}`;

describe('simple YAML fast path', () => {
  it('reads the corpus manifests exactly as the YAML parser does', () => {
    const files = readdirSync(corpusRoot, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(25);
    let taken = 0;
    for (const f of files) if (agree(readFileSync(join(corpusRoot, f), 'utf8')) !== undefined) taken++;
    // Most are plain block YAML; the others (Lists, unnamed) are the parser's.
    expect(taken).toBeGreaterThan(files.length / 2);
  });

  it('takes every style the yaml package writes, with the right lines', () => {
    const objects = [
      ...Array.from({ length: 20 }, (_, i) => syntheticPod('shop', i).manifest),
      ...Array.from({ length: 5 }, (_, i) => syntheticDeployment('shop', i).manifest),
      ...Array.from({ length: 5 }, (_, i) => syntheticService('shop', i).manifest),
      ...Array.from({ length: 5 }, (_, i) => syntheticWidget('shop', 'example.com', i).manifest),
    ];
    const styles: ToStringOptions[] = [{}, { indentSeq: false }, { defaultStringType: 'QUOTE_DOUBLE' }, { defaultStringType: 'QUOTE_SINGLE', defaultKeyType: 'PLAIN' }, { indent: 4 }, { lineWidth: 0 }];
    for (const style of styles) {
      const text = `# generated\n${objects.map((o) => stringify(o, style)).join('---\n')}`;
      const fast = agree(text);
      expect(fast, JSON.stringify(style)).toBeDefined();
      expect(fast?.objects.map((o) => o.manifest)).toEqual(objects);
    }
  });

  it('agrees on hand-picked traps, and takes the common forms', () => {
    const taken = [
      cm('  a: yes\n  b: "yes"\n  c: 0644\n  d: 12:30\n  e: 1e3\n  f: ~\n  g: 0x1F\n  h: -1\n  i: .5\n  j: +7\n  k: 1_000\n'),
      cm("  q: 'it''s'\n  r: \"tab\\tnew\\nline \\u00e9 \\\\ \\\"\"\n  s: a#b\n  t: a # a comment\n  u: http://x:80/y\n"),
      cm('  script: |\n    #!/bin/sh\n    echo "a: b"\n\n    exit 0\n  strip: |-\n    one\n    two\n\n\n  after: x\n'),
      cm('  list: [a, "b c", 3, true]\n  empty: []\n  none: {}\n  nothing:\n'),
      cm("  labels: {app: web, tier: '1', on-call: \"yes\", mode: 0644, e: ~}\n  args: [-c, --x=1, 'q''s']\n  env: [{name: A, value: b}]\n".replace('  env: [{name: A, value: b}]\n', '')),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, labels: {app: web}}\n'.replace('metadata: {name: web, labels: {app: web}}', 'metadata:\n  name: web\n  labels: {app: web, "x y": z}'),
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {}\nspec:\n  containers:\n  - name: a\n    args:\n    - --x=1\n    - -v\n    -   - nested\n  -\n    name: b\n',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: q\nspec:\n  containers:\n  - name: a\n    env:\n    - {name: A, value: b}\n    - {name: B, value: "0644"}\n    ports: [{containerPort: 80}]\n'.replace('    ports: [{containerPort: 80}]\n', ''),
      '---\n# leading comment\napiVersion: v1   \nkind: ConfigMap\nmetadata:\n  name: a\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n'.replace('metadata: {name: b}', 'metadata:\n  name: b'),
      'apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\n',
      // Strings to go-yaml, which wants a digit before an exponent (the `yaml` package's YAML 1.1 does not).
      cm('  e3: a\n  k: [e3]\n  m: -E5\n'),
    ];
    for (const text of taken) expect(agree(text), text).toBeDefined();
    const declined = [
      cm('  a: &x 1\n  b: *x\n'), // anchors
      cm('  a: !!str 1\n'), // tags
      cm('  <<: {a: 1}\n'), // merge keys
      cm('  folded: >\n    a\n    b\n'), // folded scalars
      cm('  long: a\n    continued\n'), // multi-line plain scalar
      cm('  a: 1\n  a: 2\n'), // duplicate key: the parser warns
      cm('  on: x\n'), // a key YAML 1.1 reads as true
      cm('  "q": [a, [b]]\n'), // nested flow
      cm('  m: {a: {b: c}}\n'), // nested flow map
      cm('  m: {a: b, }\n'), // trailing comma
      cm('  m: {a:b}\n'), // no space after the colon: a plain scalar in YAML, declined here
      cm('  m: {on: x}\n'), // a key YAML 1.1 reads as true
      cm('  m: {a: 1, a: 2}\n'), // duplicate key
      cm('  m: {a: }\n'), // no value
      cm('  x: "multi\n    line"\n'), // multi-line quoted
      cm('  x: |\n     more\n    less\n'), // less indented than the first line
      cm('  x: |2\n    a\n'), // indentation indicator
      cm('  x: inf: y\n'), // not YAML
      cm('  x: .inf\n'), // not JSON
      cm('\tx: 1\n'), // a tab
      'apiVersion: v1\nkind: List\nitems: []\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: unnamed\n',
      '%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
      '--- !!map\napiVersion: v1\n',
      '- a\n- b\n',
      'just a string\n',
      cm('  a: ...\n'), // alone, `...` would read as the end of a document: null
      cm('  a: [...]\n'),
      cm('  s: |\n    x\n      \n  b: 1\n'), // a last blank line with spaces beyond the content's: content
      cm('  b: x\r'), // a lone \r at the very end is content
      cm(`  ${'k'.repeat(1100)}: v\n`), // longer than the parser takes for an implicit key
      cm(`  x:\n${Array.from({ length: 70 }, (_, i) => `${' '.repeat(2 * i + 4)}k:`).join('\n')} v\n`), // deeper than 64 levels
    ];
    for (const text of declined) {
      expect(parseSimpleYamlManifests(text), text).toBeUndefined();
      // And the whole file still parses as always.
      expect(parseManifestText(text, 'f.yaml')).toStrictEqual(parseYamlManifests(text, 'f.yaml'));
    }
  });

  it("takes numbers in go-yaml's forms (0o, capital prefixes, signs, underscores) with the parser's values", () => {
    // The scalars of manifest-parse.test.ts's table of kubectl's readings: the values are checked there.
    const scalars = ['0o644', '0O644', '-0o17', '+0o17', '0o1_7', '0x1F', '0X1F', '+0x1F', '-0x1F', '0b101', '0B101', '-0b101', '0b1_0', '0b-1', '0644', '-0644', '+0644', '08', '09.5',
      '00', '-0', '1_000', '1__0', '1_', '-_1', '+_1', '0_x1F', '1_000.5', '1e3_0', '1e3', '.5', '-.5', '.5_0', '1.', '0xFFFFFFFFFFFFFFFF', '02000000000000000000000',
      '0o8', '0o', '0x', '0x_', '0b_', '0o17.5', 'e3', '-E5', '._5', '.', '+.', '1e999', '.5e999', '0x1FFFFFFFFFFFFFFFF', '+0xFFFFFFFFFFFFFFFF'];
    for (const s of scalars) {
      const fast = agree(cm(`  v: ${s}\n  l: [${s}, x]\n  m: {k: ${s}}\n`));
      expect(fast, s).toBeDefined();
    }
    const modes = agree('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  terminationGracePeriodSeconds: 0o17\n  volumes:\n  - name: c\n    configMap:\n      name: c\n      defaultMode: 0o644\n');
    expect(modes?.objects[0]?.manifest.spec).toEqual({ terminationGracePeriodSeconds: 15, volumes: [{ name: 'c', configMap: { name: 'c', defaultMode: 420 } }] });
  });

  it('agrees on seeded random objects full of strings YAML 1.1 would type', () => {
    const rand = seeded(Number(process.env.DW_FUZZ_SEED ?? 42));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const tricky = ['yes', 'No', 'on', 'OFF', 'y', 'n', '~', 'null', 'Null', '', ' ', ' lead', 'trail ', '0644', '0o17', '0x1F', '0b101', '1e3', '1E-3', '1.', '.5', '-.5',
      '-0o17', '+0x1F', '0O17', '0X1F', '0B11', '0b-1', '-_1', '+_1', '1__0', '0_x1F', '.5_0', '._5', 'e3', '-E5', '1e999', '0o8',
      '+1', '-0', '12:30', '190:20:30', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '1_000', '3.14', '8080', '100m', '0.5Gi', '1.0.0', '=', '<<', '-', '--', '- x', '-x',
      'a: b', 'a:b', 'a #b', 'a#b', '#x', "it's", 'say "hi"', 'back\\slash', 'multi\nline', 'tab\there', 'trailing\n', 'é ü 中', '@at', '`tick`', '%pct', '!bang', '&amp', '*star',
      '[x]', '{y}', 'a, b', '?q', ':c', 'http://x', '/path', '$VAR', '${VAR}', 'true', 'False', 'TRUE', '.inf', '.NaN', 'line\u2028sep', 'nel\u0085', 'ff\f', 'nbsp\u00a0', '\u00a0lead'] as const;
    const scalar = (): unknown => pick([() => pick(tricky), () => Math.floor(rand() * 100000), () => rand() < 0.5, () => null, () => rand() * 1000, () => `w${Math.floor(rand() * 1000)}`])();
    const key = () => pick(['name', 'app.kubernetes.io/name', 'x-y_z', 'k8s', ...tricky]);
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.5) return scalar();
      if (r < 0.75) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [key(), value(depth + 1)]));
    };
    const styles: ToStringOptions[] = [{}, { indentSeq: false }, { defaultStringType: 'QUOTE_DOUBLE' }, { defaultStringType: 'QUOTE_SINGLE' }, { blockQuote: 'literal' }, { flowCollectionPadding: false }, { collectionStyle: 'flow' }];
    let taken = 0;
    const N = Number(process.env.DW_FUZZ_N ?? 600);
    for (let i = 0; i < N; i++) {
      const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: Object.fromEntries(Array.from({ length: 6 }, () => [key(), value(0)])) };
      // And a one-line flow collection of scalars, as people write labels and args by hand.
      const flat = rand() < 0.5 ? Object.fromEntries(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => [key(), scalar()])) : Array.from({ length: 1 + Math.floor(rand() * 3) }, scalar);
      const inline = stringify(flat, { collectionStyle: 'flow', lineWidth: 0, flowCollectionPadding: rand() < 0.5 }).trim();
      const text = `${stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first' } })}---\n${stringify(obj, pick(styles))}${inline.includes('\n') ? '' : `flat: ${inline}\n`}`;
      if (agree(text) !== undefined) taken++;
    }
    // The point is agreement; but a fast path that declined everything would agree trivially.
    expect(taken).toBeGreaterThan(N / 10);
  });

  it('agrees on randomly damaged files: it declines what the parser rejects or reads otherwise', () => {
    const rand = seeded(Number(process.env.DW_FUZZ_SEED ?? 7));
    const base = [syntheticPod('shop', 1).manifest, syntheticDeployment('shop', 2).manifest, syntheticWidget('shop', 'example.com', 3).manifest];
    const texts = [
      stringify(base[0]),
      stringify(base[1], { indentSeq: false }),
      `${stringify(base[2])}---\n${cm("  script: |\n    echo a\n\n    echo b\n  x: [a, b]\n  labels: {app: web, 'tier': \"1\", n-1: 0644}\n")}`,
    ];
    const damage = [
      (l: string) => `  ${l}`,
      (l: string) => l.replace(/^ {2}/, ''),
      (l: string) => l.replace(/^( *)/, '$1 '),
      (l: string) => `${l} # note`,
      (l: string) => `${l}  `,
      (l: string) => `${l}:`,
      (l: string) => l.replace(': ', ':'),
      (l: string) => l.replace(': ', ' : '),
      (l: string) => l.replace('- ', '-'),
      (l: string) => l.replace(/[a-z]/, '#'),
      (l: string) => l.replace(/[a-z]/, "'"),
      (l: string) => l.replace(/[a-z]/, '"'),
      (l: string) => l.replace(/[a-z]/, '|'),
      (l: string) => l.replace(/[a-z]/, '-'),
      (l: string) => `${l}\n`,
      (l: string) => `${l}\n    `,
      (l: string) => `${l}\n# comment`,
      (l: string) => `${l}\n---`,
      () => '',
    ];
    let declined = 0;
    const N = Number(process.env.DW_FUZZ_N ?? 600);
    for (let i = 0; i < N; i++) {
      const lines = (texts[i % texts.length] as string).split('\n');
      for (let d = 0; d < 1 + Math.floor(rand() * 3); d++) {
        const at = Math.floor(rand() * lines.length);
        lines[at] = (damage[Math.floor(rand() * damage.length)] as (l: string) => string)(lines[at] as string);
      }
      if (agree(lines.join('\n')) === undefined) declined++;
    }
    // Both outcomes must have happened for the agreement to mean anything (about 2 in 3 decline).
    expect(declined).toBeGreaterThan(N / 10);
    expect(declined).toBeLessThan(N - N / 10);
  });
});

