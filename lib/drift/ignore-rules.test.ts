import { describe, expect, it } from 'vitest';
import { diffObjects, IgnoreRuleError, type DiffOptions } from './index';
import { compileIgnoreRules, labelsMatch, parseLabelSelector } from './ignore-rules';

type Obj = Record<string, unknown>;

const desired = (): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'reviews', namespace: 'bookinfo', labels: { app: 'reviews', tier: 'backend' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'reviews' } },
    template: {
      metadata: { labels: { app: 'reviews' } },
      spec: { containers: [{ name: 'reviews', image: 'istio/examples-bookinfo-reviews-v1:1.20.1' }] },
    },
  },
});

/** Live with an injected istio-proxy (added by istio's webhook, attributed to the Pod's creator). */
const live = (): Obj => {
  const l = desired();
  l.metadata = {
    ...(l.metadata as Obj),
    managedFields: [
      {
        manager: 'sidecar-injector',
        operation: 'Update',
        fieldsType: 'FieldsV1',
        time: '2025-03-01T10:00:00Z',
        fieldsV1: {
          'f:spec': {
            'f:replicas': {},
            'f:template': {
              'f:metadata': { 'f:annotations': { 'f:sidecar.istio.io/status': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"istio-proxy"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      },
    ],
  };
  const spec = l.spec as Obj;
  spec.replicas = 4;
  const tpl = spec.template as Obj;
  tpl.metadata = { labels: { app: 'reviews' }, annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' } };
  (tpl.spec as Obj).containers = [
    { name: 'reviews', image: 'istio/examples-bookinfo-reviews-v1:1.20.1' },
    { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.20.1' },
  ];
  return l;
};

function run(options: DiffOptions): { changes: string[]; ignored: string[] } {
  const r = diffObjects(desired(), live(), options);
  return { changes: r.changes.map((c) => c.path), ignored: r.ignored.map((c) => c.path) };
}

describe('ignore rules', () => {
  it('without rules everything is reported', () => {
    expect(run({}).changes).toEqual([
      'spec.replicas',
      'spec.template.metadata.annotations["sidecar.istio.io/status"]',
      'spec.template.spec.containers[name=istio-proxy]',
    ]);
  });

  it('a list element by key covers the element; ignored changes are kept with the rule', () => {
    const r = diffObjects(desired(), live(), { ignoreRules: [{ path: 'spec.template.spec.containers[name=istio-proxy]', reason: 'istio sidecar' }] });
    expect(r.ignored).toMatchObject([{ path: 'spec.template.spec.containers[name=istio-proxy]', op: 'added', ignoredBy: 'istio sidecar' }]);
    expect(r.changes.map((c) => c.path)).not.toContain('spec.template.spec.containers[name=istio-proxy]');
  });

  it('by manager, by op, by glob', () => {
    expect(run({ ignoreRules: [{ managers: ['sidecar-injector'] }] }).changes).toEqual([]);
    expect(run({ ignoreRules: [{ ops: ['added'] }] }).changes).toEqual(['spec.replicas']);
    expect(run({ ignoreRules: [{ path: '**.annotations["sidecar.istio.io/*"]' }, { path: 'spec.replicas' }] }).changes).toEqual([
      'spec.template.spec.containers[name=istio-proxy]',
    ]);
    expect(run({ ignoreRules: [{ jsonPointer: '/spec/replicas' }] }).ignored).toEqual(['spec.replicas']);
  });

  it('scoped by kind, group, namespace, name and labels', () => {
    const all = { path: 'spec.replicas' };
    expect(run({ ignoreRules: [{ ...all, kind: 'Deployment', group: 'apps' }] }).ignored).toEqual(['spec.replicas']);
    expect(run({ ignoreRules: [{ ...all, group: '' }] }).ignored).toEqual([]);
    expect(run({ ignoreRules: [{ ...all, namespace: 'book*', name: 'rev*' }] }).ignored).toEqual(['spec.replicas']);
    expect(run({ ignoreRules: [{ ...all, namespace: 'default' }] }).ignored).toEqual([]);
    expect(run({ ignoreRules: [{ ...all, labelSelector: 'tier=backend,app in (reviews,ratings)' }] }).ignored).toEqual(['spec.replicas']);
    expect(run({ ignoreRules: [{ ...all, labelSelector: { matchLabels: { tier: 'frontend' } } }] }).ignored).toEqual([]);
  });

  it('from the driftwatch.io/ignore annotation of the manifest', () => {
    const d = desired();
    (d.metadata as Obj).annotations = { 'driftwatch.io/ignore': 'spec.replicas\n# comment\nspec.template.spec.containers[name=istio-proxy]\n[bad' };
    const l = live();
    ((l.metadata as Obj).annotations as Obj | undefined) = { 'driftwatch.io/ignore': (d.metadata as { annotations: Obj }).annotations['driftwatch.io/ignore'] };
    const r = diffObjects(d, l);
    expect(r.changes.map((c) => c.path)).toEqual(['spec.template.metadata.annotations["sidecar.istio.io/status"]']);
    expect(r.ignored).toHaveLength(2);
    expect(r.warnings.join('\n')).toContain('driftwatch.io/ignore');
  });

  it('reject invalid patterns with a clear error', () => {
    expect(() => compileIgnoreRules([{ path: 'spec..replicas' }])).toThrow(IgnoreRuleError);
    expect(() => diffObjects(desired(), live(), { ignoreRules: [{ path: 'spec.containers[name=' }] })).toThrow(/invalid field path/);
  });

  it('refuse an index into a list the engine names by key (it would never match), and keep indexes into atomic lists', () => {
    for (const r of [{ jsonPointer: '/spec/template/spec/containers/1' }, { jsonPointer: '/spec/containers/0/env/2' }, { path: 'spec.template.spec.containers[name=app].ports[0]' }, { jsonPointer: '/spec/ports/0/nodePort' }]) {
      expect(() => compileIgnoreRules([r]), JSON.stringify(r)).toThrow(/matched by key, not by position/);
    }
    expect(() => compileIgnoreRules([{ jsonPointer: '/spec/template/spec/containers/1' }])).toThrow('write containers[name=…] in a path instead');
    expect(() => compileIgnoreRules([{ path: 'spec.template.spec.containers[name=app].args[2]' }, { jsonPointer: '/spec/template/spec/containers/*/image' }, { jsonPointer: '/rules/0/verbs' }])).not.toThrow();
  });
});

describe('label selectors', () => {
  it('parse the kubectl syntax', () => {
    const sel = parseLabelSelector('app=web, tier!=db, env in (prod, staging), !canary, owner');
    expect(labelsMatch(sel, { app: 'web', env: 'prod', owner: 'x' })).toBe(true);
    expect(labelsMatch(sel, { app: 'web', env: 'dev', owner: 'x' })).toBe(false);
    expect(labelsMatch(sel, { app: 'web', env: 'prod', owner: 'x', canary: 'true' })).toBe(false);
    expect(labelsMatch(sel, { app: 'web', env: 'prod', owner: 'x', tier: 'db' })).toBe(false);
    expect(labelsMatch(sel, { app: 'web', env: 'prod' })).toBe(false);
    expect(labelsMatch(parseLabelSelector('env notin (prod)'), { env: 'dev' })).toBe(true);
    expect(labelsMatch(parseLabelSelector('tier in(a,b)'), { tier: 'b' })).toBe(true);
    expect(labelsMatch(parseLabelSelector('example.com/team=a'), { 'example.com/team': 'a' })).toBe(true);
    // Gt / Lt: integers on both sides, as the API server compares them.
    const gt = parseLabelSelector('replicas>2');
    expect(gt.matchExpressions).toEqual([{ key: 'replicas', operator: 'Gt', values: ['2'] }]);
    const cases: Record<string, string>[] = [{ replicas: '3' }, { replicas: '2' }, { replicas: 'x' }, {}];
    expect(cases.map((l) => labelsMatch(gt, l))).toEqual([true, false, false, false]);
    expect(labelsMatch(parseLabelSelector('tier<10'), { tier: '-1' })).toBe(true);
    expect(() => parseLabelSelector('a>b')).toThrow('invalid label selector "a>b": > compares with a whole number, not "b"');
    expect(() => parseLabelSelector('replicas > 2.5')).toThrow(/> compares with a whole number, not "2.5"$/);
    expect(() => parseLabelSelector('tier<')).toThrow(/< compares with a whole number, not ""$/);
  });

  it('refuse what the API server refuses, instead of reading it as something else', () => {
    for (const bad of ['app===web', 'a=b=c', '!', 'app in ()', 'a in (b', '__proto__=x', 'app=has space', 'Bad_Prefix.com/x=1', `k=${'v'.repeat(64)}`]) {
      expect(() => parseLabelSelector(bad), bad).toThrow(/invalid label selector/);
    }
    // An empty requirement: the API server answers "found '', expected: identifier after ','".
    for (const bad of ['app=web,', ',app=web', 'app=web,,x=y', ' , ']) {
      expect(() => parseLabelSelector(bad), bad).toThrow(/empty requirement/);
    }
    expect(parseLabelSelector('')).toEqual({ matchLabels: {}, matchExpressions: [] });
    expect(parseLabelSelector('  ')).toEqual({ matchLabels: {}, matchExpressions: [] });
  });

  it('AND two requirements on one key, as the API server does (it lists nothing for app=a,app=b)', () => {
    const both = parseLabelSelector('app=a,app=b');
    expect([{ app: 'a' }, { app: 'b' }].map((l) => labelsMatch(both, l))).toEqual([false, false]);
    const same = parseLabelSelector('app=a, app==a');
    expect(labelsMatch(same, { app: 'a' })).toBe(true);
  });
});
