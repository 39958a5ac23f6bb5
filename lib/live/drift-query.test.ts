import { describe, expect, it } from 'vitest';
import { CursorError, queryDrift } from './drift-query';
import type { ObjectDriftState } from './types';

const state = (name: string, status: ObjectDriftState['status'], extra: Partial<ObjectDriftState> = {}): ObjectDriftState => ({
  id: `c/apps/Deployment/ns/${name}`,
  cluster: 'c',
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'ns',
  name,
  status,
  changes: [],
  ignored: [],
  warnings: [],
  labels: {},
  since: '2026-11-01T00:00:00Z',
  ...extra,
});

describe('queryDrift', () => {
  const all = [
    state('a', 'in-sync', { labels: { team: 'x' } }),
    state('b', 'drifted', { labels: { team: 'y' }, changes: [{ path: 'spec.replicas', op: 'changed', manager: { name: 'hpa', operation: 'Update' } }] }),
    state('c', 'missing'),
    state('d', 'drifted', { namespace: 'other', since: '2026-11-02T00:00:00Z' }),
    state('p', 'unmanaged', { kind: 'Widget', group: 'example.com' }),
  ];

  it('reads a bare core kind as the core group\'s, a bare other kind in any group, Kind.group exactly', () => {
    const services = [state('svc', 'drifted', { kind: 'Service', group: '' }), state('ksvc', 'drifted', { kind: 'Service', group: 'serving.knative.dev' })];
    const names = (kind: string) => queryDrift([...all, ...services], { limit: 10, kind: [kind] }).items.map((s) => s.name).sort();
    expect(names('Service')).toEqual(['svc']);
    expect(names('service.serving.knative.dev')).toEqual(['ksvc']);
    expect(names('Widget')).toEqual(['p']);
    expect(names('Service.*')).toEqual(['ksvc', 'svc']);
  });

  it('filters by status, namespace, kind, label selector and text, and counts statuses', () => {
    expect(queryDrift(all, { limit: 10, status: ['drifted'] }).items.map((s) => s.name)).toEqual(['d', 'b']);
    expect(queryDrift(all, { limit: 10, namespace: ['other'] }).items.map((s) => s.name)).toEqual(['d']);
    expect(queryDrift(all, { limit: 10, kind: ['widget.example.com'] }).items.map((s) => s.name)).toEqual(['p']);
    expect(queryDrift(all, { limit: 10, labelSelector: 'team in (y)' }).items.map((s) => s.name)).toEqual(['b']);
    expect(queryDrift(all, { limit: 10, q: 'HPA' }).items.map((s) => s.name)).toEqual(['b']);
    const withNamespace = [...all, state('ns1', 'drifted', { kind: 'Namespace', namespace: '' })];
    expect(queryDrift(withNamespace, { limit: 10, scope: 'cluster' }).items.map((s) => s.name)).toEqual(['ns1']);
    expect(queryDrift(withNamespace, { limit: 10, scope: 'namespaced' }).items.map((s) => s.name)).not.toContain('ns1');
    expect(queryDrift(withNamespace, { limit: 10, scope: 'namespaced' }).total).toBe(all.length);
    expect(queryDrift(all, { limit: 10, status: ['missing'] }).counts).toEqual({ 'in-sync': 1, drifted: 2, missing: 1, unmanaged: 1, error: 0 });
  });

  it('pages with an opaque cursor and rejects a forged one', () => {
    const p1 = queryDrift(all, { limit: 2 });
    expect(p1.items).toHaveLength(2);
    expect(p1.total).toBe(5);
    const p2 = queryDrift(all, { limit: 2, cursor: p1.next });
    const p3 = queryDrift(all, { limit: 2, cursor: p2.next });
    expect(p3.next).toBeUndefined();
    expect([...p1.items, ...p2.items, ...p3.items].map((s) => s.name).sort()).toEqual(['a', 'b', 'c', 'd', 'p']);
    expect(() => queryDrift(all, { limit: 2, cursor: 'nope' })).toThrow(CursorError);
    expect(() => queryDrift(all, { limit: 2, cursor: Buffer.from('["k","x","",""]').toString('base64url') })).toThrow(CursorError);
    expect(() => queryDrift(all, { limit: 2, cursor: Buffer.from('o:2').toString('base64url') })).toThrow(CursorError);
  });

  // Walking `?status=drifted` during an incident while others revert and new drift appears.
  const drifted = ['a', 'b', 'c', 'd', 'e'].map((n) => state(n, 'drifted'));
  it('skips no unchanged object when one already read leaves the set between pages', () => {
    const p1 = queryDrift(drifted, { limit: 2, status: ['drifted'] });
    expect(p1.items.map((s) => s.name)).toEqual(['a', 'b']);
    // a is reverted meanwhile.
    const now = drifted.map((s) => (s.name === 'a' ? { ...s, status: 'in-sync' as const } : s));
    const p2 = queryDrift(now, { limit: 2, status: ['drifted'], cursor: p1.next });
    expect(p2.items.map((s) => s.name)).toEqual(['c', 'd']);
  });

  it('repeats no unchanged object when one joins the set before the cursor', () => {
    const p1 = queryDrift(drifted, { limit: 2, status: ['drifted'] });
    const now = [...drifted, state('aa', 'drifted')];
    const p2 = queryDrift(now, { limit: 2, status: ['drifted'], cursor: p1.next });
    expect(p2.items.map((s) => s.name)).toEqual(['c', 'd']);
    const p3 = queryDrift(now, { limit: 2, status: ['drifted'], cursor: p2.next });
    expect(p3.items.map((s) => s.name)).toEqual(['e']);
    expect(p3.next).toBeUndefined();
  });

  it('continues after the last object read even when that object has left the set', () => {
    const p1 = queryDrift(drifted, { limit: 2, status: ['drifted'] });
    const now = drifted.filter((s) => s.name !== 'b');
    expect(queryDrift(now, { limit: 10, status: ['drifted'], cursor: p1.next }).items.map((s) => s.name)).toEqual(['c', 'd', 'e']);
  });
});
