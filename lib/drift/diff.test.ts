import { describe, expect, it } from 'vitest';
import { diffObjects, diffPrepared, DriftInputError, prepareDesired } from './index';

type Obj = Record<string, unknown>;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const worker = (containers: Obj[], extra: Obj = {}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'worker', namespace: 'jobs' },
  spec: { selector: { matchLabels: { app: 'worker' } }, template: { metadata: { labels: { app: 'worker' } }, spec: { containers } } },
  ...extra,
});

describe('diffObjects', () => {
  it('reports at the most specific path, with desired and live values', () => {
    const r = diffObjects(
      worker([{ name: 'w', image: 'acme/worker:2', args: ['--queue=high', '--workers=4', '--verbose'] }]),
      worker([{ name: 'w', image: 'acme/worker:1', args: ['--queue=high', '--workers=8', '--verbose'] }]),
    );
    expect(r).toEqual({
      drift: true,
      changes: [
        { path: 'spec.template.spec.containers[name=w].image', op: 'changed', desired: 'acme/worker:2', live: 'acme/worker:1' },
        { path: 'spec.template.spec.containers[name=w].args[1]', op: 'changed', desired: '--workers=4', live: '--workers=8' },
      ],
      ignored: [],
      warnings: [],
    });
  });

  it('an atomic list of another length is one change of the whole list', () => {
    const r = diffObjects(worker([{ name: 'w', image: 'i', command: ['run', '--fast'] }]), worker([{ name: 'w', image: 'i', command: ['run'] }]));
    expect(r.changes).toEqual([{ path: 'spec.template.spec.containers[name=w].command', op: 'changed', desired: ['run', '--fast'], live: ['run'] }]);
  });

  it('a missing subtree is one change where live stops existing, without defaults', () => {
    const r = diffObjects(
      worker([{ name: 'w', image: 'i', livenessProbe: { httpGet: { path: '/healthz', port: 8080 } } }]),
      worker([{ name: 'w', image: 'i' }]),
    );
    expect(r.changes).toEqual([
      { path: 'spec.template.spec.containers[name=w].livenessProbe', op: 'missing', desired: { httpGet: { path: '/healthz', port: 8080 } } },
    ]);
  });

  it('reports a keyed element at another position (apply would restore the order)', () => {
    const env = [
      { name: 'A', value: '1' },
      { name: 'B', value: '$(A)-2' },
      { name: 'C', value: '3' },
    ];
    const live = worker([{ name: 'w', image: 'i', env: [env[1], env[0], env[2]] }]);
    const r = diffObjects(worker([{ name: 'w', image: 'i', env }]), live);
    expect(r.changes).toEqual([
      { path: 'spec.template.spec.containers[name=w].env[name=A]', op: 'changed', desired: { position: 0 }, live: { position: 1 }, reason: 'order' },
    ]);
    expect(diffObjects(worker([{ name: 'w', image: 'i', env }]), live, { ignoreListOrder: true }).drift).toBe(false);
  });

  it('elements another actor inserted do not make the manifest’s order wrong', () => {
    const live = worker([
      { name: 'istio-init', image: 'proxy' },
      { name: 'w', image: 'i' },
      { name: 'istio-proxy', image: 'proxy' },
      { name: 'sidecar', image: 's' },
    ]);
    expect(diffObjects(worker([{ name: 'w', image: 'i' }, { name: 'sidecar', image: 's' }]), live).drift).toBe(false);
  });

  it('a value of another shape is changed', () => {
    const r = diffObjects(worker([{ name: 'w', image: 'i', resources: { limits: { cpu: '1' } } }]), worker([{ name: 'w', image: 'i', resources: 'none' }]));
    expect(r.changes.map((c) => [c.op, c.path])).toEqual([['changed', 'spec.template.spec.containers[name=w].resources']]);
  });

  it('keeps drift === changes.length > 0 and never reports ignored changes as drift', () => {
    const cases: Array<[Obj, Obj]> = [
      [worker([{ name: 'w', image: 'i' }]), worker([{ name: 'w', image: 'i' }])],
      [worker([{ name: 'w', image: 'i' }]), worker([{ name: 'w', image: 'j' }])],
    ];
    for (const [d, l] of cases) {
      const r = diffObjects(d, l, { ignoreRules: [{ path: 'spec.template.spec.containers[*].image' }] });
      expect(r.drift).toBe(r.changes.length > 0);
      expect(r.drift).toBe(false);
    }
  });

  it('accepts list items without kind, and reports another kind', () => {
    const live = worker([{ name: 'w', image: 'i' }]);
    delete live.kind;
    delete live.apiVersion;
    expect(diffObjects(worker([{ name: 'w', image: 'i' }]), live).drift).toBe(false);
    const sts = { ...worker([{ name: 'w', image: 'i' }]), kind: 'StatefulSet' };
    expect(diffObjects(worker([{ name: 'w', image: 'i' }]), sts).changes).toEqual([{ path: 'kind', op: 'changed', desired: 'Deployment', live: 'StatefulSet' }]);
  });

  it('a missing live object is one missing change', () => {
    expect(diffObjects(worker([]), null)).toEqual({ drift: true, changes: [{ path: '', op: 'missing' }], ignored: [], warnings: [] });
  });

  it('rejects input that is not an object', () => {
    expect(() => diffObjects('kind: Deployment', {})).toThrow(DriftInputError);
    expect(() => diffObjects(worker([]), [1, 2])).toThrow(DriftInputError);
    expect(() => diffPrepared({ apiVersion: 'v1', kind: 'X', group: '', namespace: undefined, name: undefined, object: {}, warnings: [] }, {})).toThrow(
      DriftInputError,
    );
  });
});

describe('prepareDesired / diffPrepared', () => {
  const desired = worker([{ name: 'w', image: 'acme/worker:2', ports: [{ containerPort: 9000 }] }], { metadata: { name: 'worker', namespace: 'jobs', labels: { a: '1', b: '2' } } });

  it('gives the same report as diffObjects, for many live objects', () => {
    const prepared = prepareDesired(desired);
    const lives = [
      worker([{ name: 'w', image: 'acme/worker:2', ports: [{ containerPort: 9000, protocol: 'TCP' }] }], { metadata: { name: 'worker', labels: { a: '1', b: '2' } } }),
      worker([{ name: 'w', image: 'acme/worker:1' }], { metadata: { name: 'worker', labels: { a: '1' } } }),
      worker([], { metadata: { name: 'worker' } }),
    ];
    for (const l of lives) expect(diffPrepared(prepared, l)).toEqual(diffObjects(desired, l));
  });

  it('holds the normalised, defaulted desired object, frozen', () => {
    const prepared = prepareDesired({ ...desired, status: { replicas: 1 } });
    expect(prepared.object.status).toBeUndefined();
    expect((prepared.object.spec as Obj).revisionHistoryLimit).toBe(10);
    expect(Object.isFrozen(prepared.object.spec)).toBe(true);
    expect(prepared).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', group: 'apps', namespace: 'jobs', name: 'worker' });
    // The caller's object is untouched.
    expect((desired.spec as Obj).revisionHistoryLimit).toBeUndefined();
  });

  it('three-way removal through last-applied, cached per annotation text', () => {
    const prepared = prepareDesired(desired);
    const withLastApplied = (applied: Obj): Obj =>
      worker([{ name: 'w', image: 'acme/worker:2', ports: [{ containerPort: 9000, protocol: 'TCP' }, { containerPort: 9100, protocol: 'TCP' }] }], {
        metadata: { name: 'worker', namespace: 'jobs', labels: { a: '1', b: '2', c: '3' }, annotations: { [LAST_APPLIED]: JSON.stringify(applied) } },
      });
    const before = worker([{ name: 'w', image: 'acme/worker:2', ports: [{ containerPort: 9000 }, { containerPort: 9100 }] }], {
      metadata: { name: 'worker', namespace: 'jobs', labels: { a: '1', b: '2', c: '3' } },
    });
    const live = withLastApplied(before);
    const first = diffPrepared(prepared, live);
    expect(first.changes.map((c) => [c.op, c.path])).toEqual([
      ['removed', 'metadata.labels.c'],
      ['removed', 'spec.template.spec.containers[name=w].ports[containerPort=9100,protocol=TCP]'],
    ]);
    expect(diffPrepared(prepared, structuredClone(live))).toEqual(first);
    // After re-applying the current manifest, nothing is left to remove.
    expect(diffPrepared(prepared, withLastApplied(desired)).changes.map((c) => c.op)).not.toContain('removed');
  });

  it('warns about a broken last-applied annotation and still diffs', () => {
    const live = structuredClone(desired);
    (live.metadata as Obj).annotations = { [LAST_APPLIED]: '{"apiVersion":' };
    const r = diffObjects(desired, live);
    expect(r.drift).toBe(false);
    expect(r.warnings[0]).toContain('not valid JSON');
  });
});
