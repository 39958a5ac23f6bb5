import { describe, expect, it } from 'vitest';
import { combineSchemaProviders, crdSchemaProvider, diffObjects, openApiV3SchemaProvider, prepareDesired } from './index';

type Obj = Record<string, unknown>;

const cacheCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'caches.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'caches', singular: 'cache', kind: 'Cache', listKind: 'CacheList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer', default: 1 },
                  engine: { type: 'string', default: 'redis' },
                  memory: { 'x-kubernetes-int-or-string': true, pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$' },
                  persistence: { type: 'object', default: {}, properties: { enabled: { type: 'boolean', default: true }, size: { type: 'string', default: '1Gi' } } },
                  shards: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['zone', 'index'],
                    items: { type: 'object', properties: { zone: { type: 'string' }, index: { type: 'integer' }, replicas: { type: 'integer', default: 2 } } },
                  },
                  selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
                  tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

const cache = (spec: Obj): Obj => ({ apiVersion: 'example.com/v1', kind: 'Cache', metadata: { name: 'sessions', namespace: 'shop' }, spec });

describe('CRD schemas', () => {
  const schema = crdSchemaProvider([cacheCrd]);

  it('apply default: values, including nested defaults of defaulted objects', () => {
    const live = cache({
      size: 3,
      engine: 'redis',
      memory: '0.5Gi',
      persistence: { enabled: true, size: '1Gi' },
      shards: [{ zone: 'a', index: 0, replicas: 2 }],
    });
    const desired = cache({ size: 3, memory: '512Mi', shards: [{ zone: 'a', index: 0 }] });
    expect(diffObjects(desired, live, { schema }).drift).toBe(false);
    const p = prepareDesired(desired, { schema });
    expect((p.object.spec as Obj).persistence).toEqual({ enabled: true, size: '1Gi' });
  });

  it('a defaulted field changed by another actor is changed against its default', () => {
    const live = cache({ size: 3, engine: 'memcached' });
    live.metadata = {
      ...(live.metadata as Obj),
      managedFields: [{ manager: 'kubectl-patch', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:engine': {} } } }],
    };
    expect(diffObjects(cache({ size: 3 }), live, { schema }).changes).toMatchObject([
      { path: 'spec.engine', op: 'changed', desired: 'redis', live: 'memcached', manager: { name: 'kubectl-patch' } },
    ]);
    // Without the schema the same field is simply live-only: added.
    expect(diffObjects(cache({ size: 3 }), live).changes).toMatchObject([{ path: 'spec.engine', op: 'added' }]);
  });

  it('use list map keys, sets and atomic maps', () => {
    const desired = cache({ shards: [{ zone: 'a', index: 0 }, { zone: 'b', index: 0 }], tags: ['x', 'y'], selector: { app: 'a' } });
    const live = cache({ shards: [{ zone: 'a', index: 0, replicas: 2 }, { zone: 'b', index: 1, replicas: 2 }], tags: ['y', 'x', 'z'], selector: { app: 'a', extra: 'b' } });
    expect(diffObjects(desired, live, { schema }).changes.map((c) => [c.op, c.path])).toEqual([
      ['missing', 'spec.shards[zone=b,index=0]'],
      ['changed', 'spec.selector'],
    ]);
  });
});

describe('OpenAPI v3 documents', () => {
  const doc = {
    openapi: '3.0.0',
    components: {
      schemas: {
        'io.example.v1.Widget': {
          type: 'object',
          'x-kubernetes-group-version-kind': [{ group: 'example.io', version: 'v1', kind: 'Widget' }],
          properties: { spec: { allOf: [{ $ref: '#/components/schemas/io.example.v1.WidgetSpec' }], default: {} } },
        },
        'io.example.v1.WidgetSpec': {
          type: 'object',
          properties: {
            limit: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' }] },
            mode: { type: 'string', default: 'fast' },
            parts: {
              type: 'array',
              items: { $ref: '#/components/schemas/io.example.v1.Part' },
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['id'],
            },
            child: { $ref: '#/components/schemas/io.example.v1.WidgetSpec' },
          },
        },
        'io.example.v1.Part': { type: 'object', properties: { id: { type: 'string' }, weight: { type: 'integer' } } },
        'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
      },
    },
  };
  const schema = openApiV3SchemaProvider([doc]);
  const widget = (spec: Obj): Obj => ({ apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec });

  it('resolve $ref/allOf (recursively), quantities, list keys and defaults', () => {
    const live = widget({ limit: '1', mode: 'fast', parts: [{ id: 'b', weight: 2 }, { id: 'a', weight: 1 }], child: { limit: '0.5' } });
    expect(diffObjects(widget({ limit: '1000m', parts: [{ id: 'b', weight: 2 }, { id: 'a', weight: 1 }], child: { limit: '500m' } }), live, { schema }).drift).toBe(false);
    const changed = diffObjects(widget({ limit: '1', parts: [{ id: 'a', weight: 3 }] }), live, { schema });
    expect(changed.changes.map((c) => c.path)).toEqual(['spec.parts[id=a].weight']);
    expect(schema.schemaFor('example.io/v2', 'Widget')).toBeUndefined();
  });

  it('combine providers, first match wins, built-in table as fallback', () => {
    const both = combineSchemaProviders(undefined, crdSchemaProvider([cacheCrd]), schema);
    expect(both.schemaFor('example.io/v1', 'Widget')).toBe(schema.schemaFor('example.io/v1', 'Widget'));
    expect(both.schemaFor('example.com/v1', 'Cache')).toBeDefined();
  });
});

describe('a cluster schema for built-in kinds', () => {
  it('keeps the table’s deliberate deviations (tolerations appended by admission)', () => {
    // An OpenAPI document that knows Pod but says tolerations are atomic, as the real one does.
    const doc = {
      components: {
        schemas: {
          'io.k8s.api.core.v1.Pod': {
            type: 'object',
            'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Pod' }],
            properties: { spec: { $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' } },
          },
          'io.k8s.api.core.v1.PodSpec': {
            type: 'object',
            properties: {
              tolerations: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'atomic' },
              containers: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object' } },
            },
          },
        },
      },
    };
    const pod = (tolerations: Obj[]): Obj => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], tolerations },
    });
    const mine = { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' };
    const live = pod([mine, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]);
    expect(diffObjects(pod([mine]), live, { schema: openApiV3SchemaProvider([doc]) }).drift).toBe(false);
    expect(diffObjects(pod([{ ...mine, value: 'cpu' }]), live, { schema: openApiV3SchemaProvider([doc]) }).changes.map((c) => c.path)).toEqual([
      'spec.tolerations[key=dedicated,operator=Equal,value=cpu,effect=NoSchedule]',
    ]);
  });
});
