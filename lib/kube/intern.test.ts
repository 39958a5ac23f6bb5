import { describe, expect, it } from 'vitest';
import type { KubeObject } from './cache-diff';
import { FieldSetInterner } from './intern';

const pod = (name: string, image: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    managedFields: [
      { manager: 'kubectl', operation: 'Apply', time: `2026-01-01T00:00:0${name.length}Z`, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } },
      { manager: 'kubelet', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:phase': {} } } },
    ],
  },
  spec: { containers: [{ name: 'app', image }] },
});

describe('FieldSetInterner', () => {
  it('shares equal field sets between objects and leaves everything else alone', () => {
    const interner = new FieldSetInterner();
    const a = pod('a', 'web:1');
    const b = pod('bb', 'web:2');
    const before = JSON.stringify(b);
    interner.internObject(a);
    interner.internObject(b);
    expect(JSON.stringify(b)).toBe(before);
    expect(b.metadata.managedFields?.[0]?.fieldsV1).toBe(a.metadata.managedFields?.[0]?.fieldsV1);
    expect(b.metadata.managedFields?.[1]?.fieldsV1).toBe(a.metadata.managedFields?.[1]?.fieldsV1);
    expect(b.metadata.managedFields?.[0]?.time).not.toBe(a.metadata.managedFields?.[0]?.time);
    expect(interner.size).toBe(2);
    const c = pod('c', 'web:3');
    (c.metadata.managedFields![0]!.fieldsV1 as Record<string, unknown>)['f:metadata'] = { 'f:labels': {} };
    interner.internObject(c);
    expect(c.metadata.managedFields?.[0]?.fieldsV1).not.toBe(a.metadata.managedFields?.[0]?.fieldsV1);
    expect(interner.size).toBe(3);
  });

  it('takes objects without managedFields', () => {
    const interner = new FieldSetInterner();
    const o: KubeObject = { metadata: { name: 'x' } };
    interner.internObject(o);
    expect(o).toEqual({ metadata: { name: 'x' } });
  });

  it('shares only equal trees when fingerprints collide', () => {
    class Colliding extends FieldSetInterner {
      protected override fingerprint(): number {
        return 0;
      }
    }
    const interner = new Colliding();
    const nested = interner.intern({ 'f:a': { 'f:b': {} } });
    const flat = interner.intern({ 'f:a': {}, 'f:b': {} });
    const fewer = interner.intern({ 'f:a': {} });
    expect(flat).not.toBe(nested);
    expect(fewer).not.toBe(flat);
    expect(interner.size).toBe(3);
    expect(interner.intern({ 'f:a': { 'f:b': {} } })).toBe(nested);
    expect(interner.intern({ 'f:b': {}, 'f:a': {} })).toBe(flat);
    expect(interner.intern({ 'f:a': {} })).toBe(fewer);
    expect(interner.size).toBe(3);
  });

  it('tells apart trees of the same shape with different keys, and the same keys nested differently', () => {
    const interner = new FieldSetInterner();
    const app = interner.intern({ 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } });
    const web = interner.intern({ 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } });
    const a = interner.intern({ 'f:a': { 'f:b': {} } });
    const b = interner.intern({ 'f:a': {}, 'f:b': {} });
    expect(web).not.toBe(app);
    expect(b).not.toBe(a);
    expect(interner.size).toBe(4);
  });
});
