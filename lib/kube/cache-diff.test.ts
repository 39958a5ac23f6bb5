import { describe, expect, it } from 'vitest';
import { applyWatchEvent, deepEqual, diffCache, objectKey, sameContent, type KubeObject } from './cache-diff';

function cm(name: string, data: Record<string, string>, extra: { rv?: string; uid?: string; time?: string; manager?: string; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'ns',
      uid: extra.uid ?? `uid-${name}`,
      resourceVersion: extra.rv ?? '1',
      ...(extra.labels ? { labels: extra.labels } : {}),
      managedFields: [
        {
          manager: extra.manager ?? 'kubectl',
          operation: 'Update',
          apiVersion: 'v1',
          time: extra.time ?? '2026-01-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': Object.fromEntries(Object.keys(data).map((k) => [`f:${k}`, {}])) },
        },
      ],
    },
    data,
  };
}

const mapOf = (...objs: KubeObject[]) => new Map(objs.map((o) => [objectKey(o), o]));

describe('sameContent', () => {
  it('ignores resourceVersion and managedFields timestamps', () => {
    expect(sameContent(cm('a', { k: 'v' }, { rv: '1' }), cm('a', { k: 'v' }, { rv: '99' }))).toBe(true);
    expect(sameContent(cm('a', { k: 'v' }, { time: '2026-01-01T00:00:00Z' }), cm('a', { k: 'v' }, { rv: '2', time: '2026-02-02T00:00:00Z' }))).toBe(true);
  });

  it('ignores key order', () => {
    const a = cm('a', { x: '1', y: '2' });
    const b: KubeObject = { data: { y: '2', x: '1' }, metadata: { ...a.metadata }, kind: 'ConfigMap', apiVersion: 'v1' };
    expect(sameContent(a, b)).toBe(true);
  });

  it('sees changes to data, labels, status, and to who manages a field', () => {
    const base = cm('a', { k: 'v' });
    expect(sameContent(base, cm('a', { k: 'w' }))).toBe(false);
    expect(sameContent(base, cm('a', { k: 'v', extra: '' }))).toBe(false);
    expect(sameContent(base, cm('a', { k: 'v' }, { labels: { team: 'x' } }))).toBe(false);
    expect(sameContent(base, { ...base, status: { phase: 'x' } })).toBe(false);
    expect(sameContent(base, cm('a', { k: 'v' }, { manager: 'helm' }))).toBe(false);
    expect(sameContent(base, { ...base, metadata: { ...base.metadata, managedFields: [] } })).toBe(false);
    expect(sameContent(base, { ...base, metadata: { ...base.metadata, managedFields: undefined } })).toBe(false);
  });

  it('compares JSON values structurally', () => {
    expect(sameContent(cm('a', {}), { ...cm('a', {}), spec: undefined })).toBe(true);
    expect(deepEqual(null, {})).toBe(false);
    expect(deepEqual([1, [2, { x: null }]], [1, [2, { x: null }]])).toBe(true);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual({ a: [] }, { a: {} })).toBe(false);
  });
});

describe('diffCache (relist)', () => {
  it('emits nothing for a relist whose objects only got new resourceVersions', () => {
    const cache = mapOf(cm('a', { k: '1' }, { rv: '10' }), cm('b', { k: '2' }, { rv: '11' }));
    const fresh = mapOf(cm('a', { k: '1' }, { rv: '50', time: '2026-03-03T00:00:00Z' }), cm('b', { k: '2' }, { rv: '51' }));
    expect(diffCache(cache, fresh)).toEqual([]);
  });

  it('emits added, modified and the deletions missed while disconnected, deletions first', () => {
    const a = cm('a', { k: '1' });
    const b = cm('b', { k: '2' });
    const gone = cm('gone', { k: '3' });
    const b2 = cm('b', { k: 'changed' }, { rv: '20' });
    const c = cm('c', { k: 'new' }, { rv: '21' });
    const changes = diffCache(mapOf(a, b, gone), mapOf(a, b2, c));
    expect(changes).toEqual([
      { type: 'deleted', object: gone, previous: gone },
      { type: 'modified', object: b2, previous: b },
      { type: 'added', object: c },
    ]);
  });

  it('reports a name that now belongs to another object (deleted and recreated) as deleted + added', () => {
    const old = cm('a', { k: '1' }, { uid: 'one' });
    const recreated = cm('a', { k: '1' }, { uid: 'two', rv: '9' });
    expect(diffCache(mapOf(old), mapOf(recreated))).toEqual([
      { type: 'deleted', object: old, previous: old },
      { type: 'added', object: recreated },
    ]);
  });

  it('lists everything as added on the first list', () => {
    const objs = [cm('a', {}), cm('b', {})];
    expect(diffCache(new Map(), mapOf(...objs)).map((c) => c.type)).toEqual(['added', 'added']);
  });

  it('keys namespaced and cluster-scoped objects apart', () => {
    const ns: KubeObject = { metadata: { name: 'x', namespace: 'n' } };
    const cluster: KubeObject = { metadata: { name: 'x' } };
    expect(objectKey(ns)).toBe('n/x');
    expect(objectKey(cluster)).toBe('x');
  });
});

describe('applyWatchEvent', () => {
  it('updates the cache for every event but reports only real changes', () => {
    const cache = new Map<string, KubeObject>();
    const a1 = cm('a', { k: '1' }, { rv: '1' });
    expect(applyWatchEvent(cache, 'ADDED', a1)).toEqual([{ type: 'added', object: a1 }]);

    const a2 = cm('a', { k: '1' }, { rv: '2', time: '2026-05-05T00:00:00Z' });
    expect(applyWatchEvent(cache, 'MODIFIED', a2)).toEqual([]);
    expect(cache.get('ns/a')?.metadata.resourceVersion).toBe('2');

    const a3 = cm('a', { k: '3' }, { rv: '3' });
    expect(applyWatchEvent(cache, 'MODIFIED', a3)).toEqual([{ type: 'modified', object: a3, previous: a2 }]);

    const a4 = cm('a', { k: '3' }, { rv: '4' });
    expect(applyWatchEvent(cache, 'DELETED', a4)).toEqual([{ type: 'deleted', object: a4, previous: a3 }]);
    expect(cache.size).toBe(0);
    expect(applyWatchEvent(cache, 'DELETED', a4)).toEqual([]);
  });

  it('treats an ADDED for a known name with a new uid as delete + add, and a MODIFIED for an unknown one as added', () => {
    const cache = mapOf(cm('a', {}, { uid: 'one' }));
    const other = cm('a', {}, { uid: 'two', rv: '5' });
    expect(applyWatchEvent(cache, 'ADDED', other).map((c) => c.type)).toEqual(['deleted', 'added']);
    expect(applyWatchEvent(cache, 'MODIFIED', cm('b', {})).map((c) => c.type)).toEqual(['added']);
  });
});
