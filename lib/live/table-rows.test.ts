import { describe, expect, it } from 'vitest';
import { rowsPage } from './table-rows';
import type { ObjectDriftState } from './types';

const state = (name: string): ObjectDriftState => ({
  id: `c//ConfigMap/ns/${name}`,
  cluster: 'c',
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  namespace: 'ns',
  name,
  status: 'drifted',
  changes: [{ path: 'data.a', op: 'changed', desired: 'x', live: 'y', manager: { name: 'kubectl-edit', operation: 'Update' } }],
  ignored: [],
  warnings: [],
  labels: {},
  since: '2026-11-01T00:00:00Z',
});

describe('rowsPage', () => {
  it('pages in id order after the last id served, so deletions between pages skip nothing', () => {
    const all = ['e', 'a', 'd', 'b', 'c'].map(state);
    const p1 = rowsPage(all, 2);
    expect(p1.rows.map((r) => r[0].split('/').pop())).toEqual(['a', 'b']);
    expect(p1.total).toBe(5);
    // 'a' disappears before the next page: an offset would now skip 'c'.
    const p2 = rowsPage(all.filter((s) => s.name !== 'a'), 2, p1.next);
    expect(p2.rows.map((r) => r[0].split('/').pop())).toEqual(['c', 'd']);
    const p3 = rowsPage(all, 2, p2.next);
    expect(p3.rows.map((r) => r[0].split('/').pop())).toEqual(['e']);
    expect(p3.next).toBeUndefined();
  });

  it('carries no values: only paths, managers and labels', () => {
    const [row] = rowsPage([state('a')], 10).rows;
    expect(JSON.stringify(row)).not.toContain('"y"');
  });

  it('refuses a cursor it did not make', () => {
    expect(() => rowsPage([], 10, 'bm9wZQ')).toThrow(/invalid cursor/);
  });
});
