import { describe, expect, it } from 'vitest';
import { diffObjects } from '../drift/index';
import { DriftConfigError, diffOptionsFromConfig, parseDriftConfig } from './drift-config';

describe('drift config', () => {
  it('accepts rules and options and turns them into DiffOptions the engine applies', () => {
    const cfg = parseDriftConfig({
      fieldManager: 'argocd-controller',
      ignoreManagers: ['vpa-recommender'],
      ignoreRules: [
        { path: 'spec.replicas', managers: ['kube-controller-manager'], kind: 'Deployment', reason: 'HPA' },
        { jsonPointer: '/metadata/labels/team', labelSelector: 'tier in (web)' },
        { ops: ['added'], namespace: 'kube-*', labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } },
      ],
    });
    const options = diffOptionsFromConfig(cfg);
    expect(options.fieldManager).toBe('argocd-controller');
    expect(options.ignoreRules).toHaveLength(3);
    const cm = (team: string): Record<string, unknown> => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'web', labels: { tier: 'web', team } },
      data: { a: '1' },
    });
    const r = diffObjects(cm('a'), cm('b'), options);
    expect(r.drift).toBe(false);
    expect(r.ignored.map((c) => c.path)).toEqual(['metadata.labels.team']);
  });

  it('treats an empty document as no options', () => {
    expect(diffOptionsFromConfig(parseDriftConfig(null))).toEqual({});
  });

  it('lists every problem with its location', () => {
    let err: unknown;
    try {
      parseDriftConfig({ fieldManager: '', ignoreRules: [{ path: 'a..b' }, { path: 'x', jsonPointer: '/x' }, { kind: 'Pod' }, { ops: ['deleted'] }], extra: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DriftConfigError);
    const msg = (err as Error).message;
    for (const part of ['fieldManager', 'ignoreRules[0].path', 'either path or jsonPointer', 'ignoreRules[2]', 'ignoreRules[3].ops[0]', 'extra']) {
      expect(msg).toContain(part);
    }
  });
});

describe('the mapping form of an ignore rule\'s labelSelector', () => {
  const problems = (labelSelector: unknown) => {
    try {
      parseDriftConfig({ ignoreRules: [{ ops: ['added'], labelSelector }] });
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  const at = 'ignoreRules[0].labelSelector';

  it('refuses NotIn or In with no values (NotIn nothing would hide drift on every object), and values for Exists or DoesNotExist', () => {
    expect(problems({ matchExpressions: [{ key: 'team', operator: 'NotIn' }] })).toContain(`${at}.matchExpressions[0].values: operator NotIn needs at least one value (without one it would match every object)`);
    expect(problems({ matchExpressions: [{ key: 'team', operator: 'NotIn', values: [] }] })).toContain(`${at}.matchExpressions[0].values: operator NotIn needs at least one value`);
    expect(problems({ matchExpressions: [{ key: 'team', operator: 'In', values: [] }] })).toContain(`${at}.matchExpressions[0].values: operator In needs at least one value (without one it would match no object)`);
    expect(problems({ matchExpressions: [{ key: 'team', operator: 'Exists', values: ['a'] }] })).toContain(`${at}.matchExpressions[0].values: operator Exists takes no values`);
    expect(problems({ matchExpressions: [{ key: 'team', operator: 'DoesNotExist', values: ['a'] }] })).toContain(`${at}.matchExpressions[0].values: operator DoesNotExist takes no values`);
  });

  it('refuses keys and values the string form refuses, saying where', () => {
    expect(problems({ matchExpressions: [{ key: 'bad key!', operator: 'Exists' }] })).toContain(`${at}.matchExpressions[0].key: "bad key!" is not a label key`);
    expect(problems({ matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b c'] }] })).toContain(`${at}.matchExpressions[0].values[1]: "b c" is not a label value`);
    expect(problems({ matchLabels: { 'bad key!': 'x' } })).toContain(`${at}.matchLabels["bad key!"]: "bad key!" is not a label key`);
    expect(problems({ matchLabels: { team: 'b c' } })).toContain(`${at}.matchLabels.team: "b c" is not a label value`);
    for (const key of ['', 'a,b', ' a', '-a', 'a/b/c', `${'x'.repeat(64)}`, 'Example.com/a']) expect(problems({ matchExpressions: [{ key, operator: 'Exists' }] }), key).toMatch(/is not a label key/);
    for (const value of ['a,b', ' a', '=a', 'a)', '-a', `${'x'.repeat(64)}`]) expect(problems({ matchLabels: { team: value } }), value).toMatch(/is not a label value/);
  });

  it('accepts what the API server accepts', () => {
    const ok = {
      matchLabels: { 'app.kubernetes.io/name': 'web', tier: '' },
      matchExpressions: [
        { key: 'example.com/team', operator: 'In', values: ['a', 'b_c.d-e'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'canary', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist', values: [] },
      ],
    };
    expect(problems(ok)).toBe('');
    expect(parseDriftConfig({ ignoreRules: [{ ops: ['added'], labelSelector: ok }] }).ignoreRules?.[0]?.labelSelector).toEqual(ok);
  });
});
