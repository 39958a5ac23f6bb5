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
