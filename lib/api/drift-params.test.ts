import { describe, expect, it } from 'vitest';
import { driftListQuery, driftObjectQuery } from './drift-params';

describe('drift query validation', () => {
  it('takes an object by id or by its parts, not both', () => {
    expect(driftObjectQuery.safeParse({ id: 'c//ConfigMap/ns/x' }).success).toBe(true);
    expect(driftObjectQuery.safeParse({ cluster: 'c', kind: 'ConfigMap', namespace: 'ns', name: 'x' }).success).toBe(true);
    const both = driftObjectQuery.safeParse({ id: 'c//ConfigMap/ns/x', namespace: 'other' });
    expect(both.error?.issues[0]?.message).toBe('give either id or cluster, group, kind, namespace and name, not both');
    expect(driftObjectQuery.safeParse({ cluster: 'c', name: 'x' }).success).toBe(false);
  });

  it('takes a scope of cluster or namespaced', () => {
    expect(driftListQuery.safeParse({ scope: 'cluster' }).data?.scope).toBe('cluster');
    expect(driftListQuery.safeParse({ scope: 'namespaced' }).success).toBe(true);
    expect(driftListQuery.safeParse({ scope: 'global' }).success).toBe(false);
  });

  it('reads limit as digits only', () => {
    expect(driftListQuery.safeParse({ limit: '50' }).data?.limit).toBe(50);
    expect(driftListQuery.safeParse({}).data?.limit).toBe(100);
    for (const limit of ['0x10', ' 1e1', '10.0', '0', '1001', '']) expect(driftListQuery.safeParse({ limit }).success, limit).toBe(false);
  });
});
