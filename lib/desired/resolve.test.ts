import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION, lastAppliedDesired } from './last-applied';
import { buildManifestObjects, ManifestIndex } from './manifest-index';
import { builtinIsNamespaced } from './namespace-scope';
import type { OwnerLookupRef } from './owner-template';
import { resolveDesired } from './resolve';

type Obj = Record<string, unknown>;

const applied = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: { replicas: 2 } };

function deployment(annotation?: string): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'shop', uid: 'd', ...(annotation !== undefined ? { annotations: { [LAST_APPLIED_ANNOTATION]: annotation } } : {}) },
    spec: { replicas: 2 },
  };
}

function indexOf(manifests: Obj[]): ManifestIndex {
  const parsed = manifests.map((manifest, i) => ({ manifest, line: i + 1 }));
  return new ManifestIndex(buildManifestObjects('/manifests', [{ rel: 'm.yaml', parsed: { objects: parsed, problems: [] } }], { isNamespaced: builtinIsNamespaced }).objects);
}

describe('lastAppliedDesired', () => {
  it('returns the annotation’s manifest with source last-applied and a content revision', () => {
    const r = lastAppliedDesired(deployment(`${JSON.stringify(applied)}\n`));
    expect(r).toMatchObject({ ok: true, desired: { id: 'apps/Deployment/shop/api', manifest: applied, source: { type: 'last-applied' } } });
    const again = lastAppliedDesired(deployment(JSON.stringify({ spec: { replicas: 2 }, metadata: { namespace: 'shop', name: 'api' }, kind: 'Deployment', apiVersion: 'apps/v1' })));
    expect(r?.ok && again?.ok && r.desired.revision === again.desired.revision).toBe(true);
  });

  it('is undefined without the annotation', () => {
    expect(lastAppliedDesired(deployment())).toBeUndefined();
    expect(lastAppliedDesired(deployment(''))).toBeUndefined();
  });

  it('reports malformed JSON and non-objects as problems, never throws', () => {
    expect(lastAppliedDesired(deployment('{"apiVersion": "apps/v1",'))).toMatchObject({ ok: false, message: expect.stringContaining('not valid JSON') });
    expect(lastAppliedDesired(deployment('[1]'))).toMatchObject({ ok: false, message: expect.stringContaining('not a JSON object') });
  });

  it('fills identity the annotation leaves out from the live object, and refuses one about another object', () => {
    const r = lastAppliedDesired(deployment(JSON.stringify({ spec: { replicas: 2 } })));
    expect(r).toMatchObject({ ok: true, desired: { manifest: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' } } } });
    const other = lastAppliedDesired(deployment(JSON.stringify({ ...applied, metadata: { name: 'web', namespace: 'shop' } })));
    expect(other).toMatchObject({ ok: false, message: expect.stringContaining('describes Deployment.apps shop/web') });
  });

  it('matches a live object read in another version of the group', () => {
    const live = { ...deployment(JSON.stringify({ ...applied, apiVersion: 'apps/v1beta2' })), apiVersion: 'apps/v1' };
    expect(lastAppliedDesired(live)).toMatchObject({ ok: true, desired: { manifest: { apiVersion: 'apps/v1beta2' } } });
  });
});

describe('resolveDesired', () => {
  const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'api-1', namespace: 'shop', uid: 'rs' }, spec: { template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
  const pod = (annotation?: string): Obj => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'api-1-x',
      namespace: 'shop',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-1', uid: 'rs', controller: true }],
      ...(annotation !== undefined ? { annotations: { [LAST_APPLIED_ANNOTATION]: annotation } } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'i' }] },
  });
  const lookups: OwnerLookupRef[] = [];
  const ownerLookup = (ref: OwnerLookupRef): unknown => {
    lookups.push(ref);
    return ref.name === 'api-1' ? rs : undefined;
  };
  const podManifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-1-x', namespace: 'shop' }, spec: { containers: [{ name: 'c', image: 'from-git' }] } };
  const podApplied = JSON.stringify({ ...podManifest, spec: { containers: [{ name: 'c', image: 'applied' }] } });

  it('prefers the manifest directory, then last-applied, then the owner template', () => {
    const index = indexOf([podManifest]);
    const all = resolveDesired(pod(podApplied), { manifestIndex: index, ownerLookup });
    expect(all).toMatchObject({ status: 'resolved', desired: { source: { type: 'manifest-dir', file: 'm.yaml' } }, dependsOn: [] });
    const noManifest = resolveDesired(pod(podApplied), { manifestIndex: ManifestIndex.EMPTY, ownerLookup });
    expect(noManifest).toMatchObject({ status: 'resolved', desired: { source: { type: 'last-applied' } } });
    const template = resolveDesired(pod(), { manifestIndex: ManifestIndex.EMPTY, ownerLookup });
    expect(template).toMatchObject({
      status: 'resolved',
      desired: { source: { type: 'owner-template', owner: { kind: 'ReplicaSet', name: 'api-1' } } },
      dependsOn: [{ group: 'apps', kind: 'ReplicaSet', namespace: 'shop', name: 'api-1', uid: 'rs' }],
    });
  });

  it('follows a configured order, and leaves out sources not in it', () => {
    const index = indexOf([podManifest]);
    const r = resolveDesired(pod(podApplied), { manifestIndex: index, ownerLookup, order: ['owner-template', 'manifest-dir'] });
    expect(r).toMatchObject({ status: 'resolved', desired: { source: { type: 'owner-template' } } });
    expect(resolveDesired(pod(podApplied), { manifestIndex: index, order: ['last-applied'] })).toMatchObject({ desired: { source: { type: 'last-applied' } } });
  });

  it('matches manifests by group, kind, namespace and name, not version', () => {
    const index = indexOf([{ ...applied, apiVersion: 'apps/v1beta1' }]);
    expect(resolveDesired(deployment(), { manifestIndex: index })).toMatchObject({ status: 'resolved', desired: { manifest: { apiVersion: 'apps/v1beta1' } } });
    expect(resolveDesired({ ...deployment(), kind: 'StatefulSet' }, { manifestIndex: index }).status).toBe('unmanaged');
    expect(resolveDesired({ ...deployment(), metadata: { name: 'api', namespace: 'other' } }, { manifestIndex: index }).status).toBe('unmanaged');
  });

  it('falls through a malformed annotation to the next source, reporting the problem', () => {
    const r = resolveDesired(pod('{not json'), { ownerLookup });
    expect(r).toMatchObject({ status: 'resolved', desired: { source: { type: 'owner-template' } }, problems: [{ source: 'last-applied', message: expect.stringContaining('not valid JSON') }] });
  });

  it('is unmanaged when no source applies, naming the owner it waits for', () => {
    expect(resolveDesired(deployment(), {})).toEqual({ status: 'unmanaged', problems: [], dependsOn: [] });
    const orphan = pod();
    (((orphan.metadata as Obj).ownerReferences as Obj[])[0] as Obj).name = 'api-2';
    const r = resolveDesired(orphan, { ownerLookup });
    expect(r).toMatchObject({
      status: 'unmanaged',
      problems: [{ source: 'owner-template', message: 'owner ReplicaSet api-2 is not known (yet)' }],
      dependsOn: [{ kind: 'ReplicaSet', name: 'api-2' }],
    });
  });
});
