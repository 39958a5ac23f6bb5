import { describe, expect, it } from 'vitest';
import { diffObjects } from './index';
import { ownerOf, parseManagedFields } from './managed-fields';
import { parsePath } from './path';

type Obj = Record<string, unknown>;

/** managedFields of a Service as a 1.30 API server writes them (server-side apply, then kubectl edit). */
const managedFields: Obj[] = [
  {
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/name': {} }, 'f:finalizers': { 'v:"example.com/cleanup"': {} } },
      'f:spec': {
        'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:targetPort': {} } },
        'f:selector': {},
        'f:externalIPs': {},
      },
    },
    manager: 'argocd-controller',
    operation: 'Apply',
    time: '2025-03-01T10:00:00Z',
  },
  {
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { 'f:targetPort': {} } } } },
    manager: 'kubectl-edit',
    operation: 'Update',
    time: '2025-03-02T09:30:00Z',
  },
  {
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:status': { 'f:loadBalancer': { 'f:ingress': {} } } },
    manager: 'cloud-controller-manager',
    operation: 'Update',
    subresource: 'status',
    time: '2025-03-01T10:00:05Z',
  },
  { manager: 'broken', operation: 'Update', fieldsType: 'FieldsV1' },
];

describe('parseManagedFields', () => {
  it('reads FieldsV1 entries and skips the rest', () => {
    const entries = parseManagedFields(managedFields);
    expect(entries.map((e) => [e.manager, e.operation, e.subresource])).toEqual([
      ['argocd-controller', 'Apply', undefined],
      ['kubectl-edit', 'Update', undefined],
      ['cloud-controller-manager', 'Update', 'status'],
    ]);
    expect(entries[1]?.time).toBe('2025-03-02T09:30:00Z');
    expect(parseManagedFields(null)).toEqual([]);
  });
});

describe('ownerOf', () => {
  it('finds the owner of map fields, keyed elements and set members', () => {
    expect(ownerOf(managedFields, parsePath('metadata.labels["app.kubernetes.io/name"]'))?.name).toBe('argocd-controller');
    expect(ownerOf(managedFields, parsePath('spec.ports[port=80,protocol=TCP].name'))?.name).toBe('argocd-controller');
    expect(ownerOf(managedFields, parsePath('metadata.finalizers[=example.com/cleanup]'))?.name).toBe('argocd-controller');
  });

  it('gives the most recent writer of a shared field', () => {
    expect(ownerOf(managedFields, parsePath('spec.ports[port=80,protocol=TCP].targetPort'))).toEqual({
      name: 'kubectl-edit',
      operation: 'Update',
      time: '2025-03-02T09:30:00Z',
    });
  });

  it('gives the owner of an atomic value for anything inside it', () => {
    expect(ownerOf(managedFields, parsePath('spec.selector.app'))?.name).toBe('argocd-controller');
    expect(ownerOf(managedFields, parsePath('spec.externalIPs[1]'))?.name).toBe('argocd-controller');
  });

  it('has no owner for unowned fields and skips status entries', () => {
    expect(ownerOf(managedFields, parsePath('spec.clusterIP'))).toBeUndefined();
    expect(ownerOf(managedFields, parsePath('spec.ports[port=443,protocol=TCP]'))).toBeUndefined();
    expect(ownerOf(managedFields, parsePath('status.loadBalancer.ingress'))).toBeUndefined();
    expect(ownerOf(undefined, parsePath('spec'))).toBeUndefined();
  });
});

describe('three-way and live-only fields from managedFields', () => {
  const configMap = (data: Obj, labels: Obj = {}): Obj => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'shop', labels },
    data,
  });
  const live = (data: Obj, labels: Obj, mf: Obj[]): Obj => {
    const o = configMap(data, labels);
    o.metadata = { ...(o.metadata as Obj), uid: 'u', resourceVersion: '9', managedFields: mf };
    return o;
  };
  const applied = {
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    manager: 'flux',
    operation: 'Apply',
    time: '2025-03-01T10:00:00Z',
    fieldsV1: { 'f:data': { 'f:LOG_LEVEL': {}, 'f:FEATURE_X': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } } },
  };

  it('fields the desired side applied and dropped are removed', () => {
    const r = diffObjects(configMap({ LOG_LEVEL: 'info' }), live({ LOG_LEVEL: 'info', FEATURE_X: 'on' }, { team: 'payments' }, [applied]), {
      fieldManager: 'flux',
    });
    expect(r.changes).toEqual([
      { path: 'data.FEATURE_X', op: 'removed', live: 'on', manager: { name: 'flux', operation: 'Apply', time: '2025-03-01T10:00:00Z' } },
      { path: 'metadata.labels.team', op: 'removed', live: 'payments', manager: { name: 'flux', operation: 'Apply', time: '2025-03-01T10:00:00Z' } },
    ]);
  });

  it('without knowing the desired side, another applier’s fields are added', () => {
    const r = diffObjects(configMap({ LOG_LEVEL: 'info' }, { team: 'payments' }), live({ LOG_LEVEL: 'info', FEATURE_X: 'on' }, { team: 'payments' }, [applied]));
    expect(r.changes.map((c) => [c.op, c.path])).toEqual([['added', 'data.FEATURE_X']]);
  });

  it('finds added and removed fields the same way in small and large maps (block scan and sorted index)', () => {
    for (const size of [3, 31, 32, 33, 80]) {
      const data: Obj = {};
      const owned: Obj = {};
      for (let i = 0; i < size; i++) {
        data[`K${String(i).padStart(3, '0')}`] = `v${i}`;
        owned[`f:K${String(i).padStart(3, '0')}`] = {};
      }
      // flux applied K000..K(n-1) and DROPPED, the manifest no longer has DROPPED; kubectl added EXTRA.
      const flux = { ...applied, fieldsV1: { 'f:data': { ...owned, 'f:DROPPED': {} } } };
      const kubectl = { ...applied, manager: 'kubectl-edit', operation: 'Update', time: '2025-03-02T09:00:00Z', fieldsV1: { 'f:data': { 'f:EXTRA': {}, 'f:K000': {} } } };
      const r = diffObjects(configMap(data), live({ ...data, DROPPED: 'old', EXTRA: 'new', K000: 'changed' }, {}, [flux, kubectl]), { fieldManager: 'flux' });
      expect(r.changes.map((c) => [c.op, c.path, c.manager?.name]), `${size} keys`).toEqual([
        ['changed', 'data.K000', 'kubectl-edit'],
        ['removed', 'data.DROPPED', 'flux'],
        ['added', 'data.EXTRA', 'kubectl-edit'],
      ]);
    }
  });

  it('finds a live element far before its position in the manifest (a removal inside it is reported)', () => {
    const pod = (containers: Obj[], mf: Obj[] = []): Obj => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'shop', ...(mf.length > 0 ? { uid: 'u', managedFields: mf } : {}) },
      spec: { containers },
    });
    const own = {
      ...applied,
      fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:name': {}, 'f:image': {}, 'f:args': {} } } } },
    };
    // c is third in the manifest and first (and only) in the live list.
    const desired = pod([{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }, { name: 'c', image: 'c' }]);
    const r = diffObjects(desired, pod([{ name: 'c', image: 'c', args: ['--old'] }], [own]), { fieldManager: 'flux' });
    expect(r.changes.filter((c) => c.op === 'removed').map((c) => c.path)).toEqual(['spec.containers[name=c].args']);
  });

  it('an Update entry of the desired side’s manager is not evidence of removal', () => {
    const update = { ...applied, operation: 'Update' };
    const r = diffObjects(configMap({ LOG_LEVEL: 'info' }), live({ LOG_LEVEL: 'info', FEATURE_X: 'on' }, { team: 'payments' }, [update]), {
      fieldManager: 'flux',
    });
    expect(r.drift).toBe(false);
  });

  it('live-only fields of ignored managers are not added', () => {
    const other = { ...applied, manager: 'config-reloader', operation: 'Update' };
    const l = live({ LOG_LEVEL: 'info', FEATURE_X: 'on' }, { team: 'payments' }, [other]);
    expect(diffObjects(configMap({ LOG_LEVEL: 'info' }), l).changes.map((c) => c.path)).toEqual(['data.FEATURE_X', 'metadata.labels.team']);
    expect(diffObjects(configMap({ LOG_LEVEL: 'info' }), l, { ignoreManagers: ['config-reloader'] }).drift).toBe(false);
  });

  it('matches k: entries whatever the key order or number spelling', () => {
    const desired = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { ports: [{ name: 'http', port: 80 }] },
    };
    const l = {
      ...desired,
      metadata: {
        ...desired.metadata,
        managedFields: [
          {
            manager: 'someone',
            operation: 'Update',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:spec': { 'f:ports': { 'k:{"protocol":"TCP","port":"80"}': { 'f:appProtocol': {} } } } },
          },
        ],
      },
      spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80, appProtocol: 'http' }] },
    };
    expect(diffObjects(desired, l).changes).toMatchObject([{ path: 'spec.ports[port=80,protocol=TCP].appProtocol', op: 'added', live: 'http' }]);
  });
});

describe('shared ownership', () => {
  it('a field two other appliers own is reported once', () => {
    const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { a: '1' } };
    const owner = (manager: string): Record<string, unknown> => ({
      manager,
      operation: 'Apply',
      fieldsType: 'FieldsV1',
      time: manager === 'tool-b' ? '2025-03-02T00:00:00Z' : '2025-03-01T00:00:00Z',
      fieldsV1: { 'f:data': { 'f:a': {}, 'f:shared': {} } },
    });
    const live = { ...desired, metadata: { ...desired.metadata, managedFields: [owner('tool-a'), owner('tool-b')] }, data: { a: '1', shared: 'x' } };
    const r = diffObjects(desired, live);
    expect(r.changes.map((c) => [c.op, c.path, c.manager?.name])).toEqual([['added', 'data.shared', 'tool-a']]);
  });
});
