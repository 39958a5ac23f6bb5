import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from './content-hash';
import { builtinIsNamespaced, scopeManifest } from './namespace-scope';
import { describeObjectKey, groupOf, invalidNameReason, objectKeyOf, objectKeyString, parseObjectKey, quoteForMessage, sameObjectKey } from './object-key';

describe('object keys', () => {
  it('take the group from apiVersion and ignore the version', () => {
    const a = objectKeyOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' } });
    const b = objectKeyOf({ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' } });
    expect(a).toEqual({ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'api' });
    expect(objectKeyString(a!)).toBe(objectKeyString(b!));
    expect(groupOf('v1')).toBe('');
    expect(groupOf('rbac.authorization.k8s.io/v1')).toBe('rbac.authorization.k8s.io');
  });

  it('have a canonical string that round-trips, core group and cluster scope as empty parts', () => {
    const ns = { group: '', kind: 'Namespace', namespace: '', name: 'prod' };
    expect(objectKeyString(ns)).toBe('/Namespace//prod');
    expect(objectKeyString({ group: '', kind: 'Namespace', name: 'prod' })).toBe('/Namespace//prod');
    expect(parseObjectKey('/Namespace//prod')).toEqual(ns);
    expect(parseObjectKey('apps/Deployment/shop/api')).toEqual({ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'api' });
    expect(parseObjectKey('nope')).toBeUndefined();
    expect(sameObjectKey(ns, { group: '', kind: 'Namespace', name: 'prod' })).toBe(true);
    expect(describeObjectKey({ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'api' })).toBe('Deployment.apps shop/api');
  });

  it('refuse names and namespaces that are no API path segment, so every key round-trips', () => {
    const key = (name: string, namespace?: string) => objectKeyOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace !== undefined ? { namespace } : {}) } });
    expect(key('a/b', 'x')).toBeUndefined();
    expect(key('b', 'x/a')).toBeUndefined();
    for (const bad of ['.', '..', 'a%2F', 'line\nbreak', 'x'.repeat(254)]) {
      expect(key(bad)).toBeUndefined();
      expect(invalidNameReason(bad)).toBeDefined();
    }
    expect(invalidNameReason('')).toBe('it is empty');
    // Only what every kind's path refuses: RBAC names take colons and capitals.
    expect(key('system:controller:Thing')).toEqual({ group: '', kind: 'ConfigMap', namespace: '', name: 'system:controller:Thing' });
    expect(key('ok', '')).toEqual({ group: '', kind: 'ConfigMap', namespace: '', name: 'ok' });
    const k = key('x'.repeat(253), 'ns');
    expect(k && parseObjectKey(objectKeyString(k))).toEqual(k);
  });

  it('describe objects with odd identity parts quoted, so no message carries a line break', () => {
    expect(describeObjectKey({ group: '', kind: 'Config\nMap', namespace: 'shop', name: 'a b' })).toBe('"Config\\nMap" shop/"a b"');
    expect(describeObjectKey({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:x' })).toBe('ClusterRole.rbac.authorization.k8s.io system:x');
    expect(quoteForMessage('a\u2028b')).toBe('"a\\u2028b"');
  });

  it('are undefined without apiVersion, kind or name', () => {
    expect(objectKeyOf({ kind: 'Pod', metadata: { name: 'x' } })).toBeUndefined();
    expect(objectKeyOf({ apiVersion: 'v1', kind: 'Pod', metadata: {} })).toBeUndefined();
    expect(objectKeyOf('x')).toBeUndefined();
  });
});

describe('namespace scope', () => {
  const m = (kind: string, apiVersion: string, namespace?: string) => ({ apiVersion, kind, metadata: { name: 'x', ...(namespace ? { namespace } : {}) } });

  it('gives namespaced kinds without a namespace the default namespace, in key and manifest', () => {
    const s = scopeManifest(m('ConfigMap', 'v1'), { isNamespaced: builtinIsNamespaced });
    expect(s.key.namespace).toBe('default');
    expect((s.manifest.metadata as Record<string, unknown>).namespace).toBe('default');
    expect(s.warning).toBeUndefined();
    expect(scopeManifest(m('ConfigMap', 'v1'), { isNamespaced: builtinIsNamespaced, defaultNamespace: 'apps' }).key.namespace).toBe('apps');
    expect(scopeManifest(m('ConfigMap', 'v1', 'given'), { isNamespaced: builtinIsNamespaced }).key.namespace).toBe('given');
  });

  it('drops a namespace given for a cluster-scoped kind, with a warning', () => {
    const s = scopeManifest(m('ClusterRole', 'rbac.authorization.k8s.io/v1', 'oops'), { isNamespaced: builtinIsNamespaced });
    expect(s.key.namespace).toBe('');
    expect(s.manifest.metadata).toEqual({ name: 'x' });
    expect(s.warning).toContain('cluster-scoped');
  });

  it('keeps unknown kinds as given and warns', () => {
    const s = scopeManifest(m('Widget', 'example.com/v1'), { isNamespaced: () => undefined });
    expect(s.key).toEqual({ group: 'example.com', kind: 'Widget', namespace: '', name: 'x' });
    expect(s.warning).toContain('scope unknown');
    const d = scopeManifest(m('Widget', 'example.com/v1'), { isNamespaced: (g) => (g === 'example.com' ? true : undefined) });
    expect(d.key.namespace).toBe('default');
  });
});

describe('content hash', () => {
  it('is stable under key order and differs for different content', () => {
    const a = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: '1', b: '2' } }, data: { k: 'v' } };
    const b = { data: { k: 'v' }, metadata: { labels: { b: '2', a: '1' }, name: 'x' }, kind: 'ConfigMap', apiVersion: 'v1' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).toMatch(/^[0-9a-f]{32}$/);
    expect(contentHash({ ...a, data: { k: 'w' } })).not.toBe(contentHash(a));
    // Array order is content.
    expect(contentHash({ l: [1, 2] })).not.toBe(contentHash({ l: [2, 1] }));
    expect(contentHash({ a: undefined, b: 1 })).toBe(contentHash({ b: 1 }));
  });
});
