import { describe, expect, it } from 'vitest';
import { buildManifestObjects, diffManifestObjects } from './manifest-index';
import { builtinIsNamespaced } from './namespace-scope';

const cm = (name: string, k: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data: { k } });

function build(root: string, objects: Array<Record<string, unknown>>, git = {}) {
  const parsed = objects.map((manifest, i) => ({ manifest, line: i * 6 + 1 }));
  return buildManifestObjects(root, [{ rel: 'app.yaml', parsed: { objects: parsed, problems: [] } }], { isNamespaced: builtinIsNamespaced }, git).objects;
}

describe('manifest objects', () => {
  it('names the directory in every source: two directories\' app.yaml differ by root', () => {
    const a = build('/srv/manifests/team-a', [cm('web', '1')]);
    const b = build('/srv/manifests/team-b', [cm('api', '1')]);
    expect(a.get('/ConfigMap/shop/web')?.source).toEqual({ type: 'manifest-dir', root: '/srv/manifests/team-a', file: 'app.yaml', line: 1 });
    expect(b.get('/ConfigMap/shop/api')?.source).toEqual({ type: 'manifest-dir', root: '/srv/manifests/team-b', file: 'app.yaml', line: 1 });
  });

  it('sees the same content at the same file, line and commit of another directory as relocated', () => {
    const before = build('/srv/manifests/team-a', [cm('web', '1')], { commit: 'c1' });
    const after = build('/srv/manifests/team-b', [cm('web', '1')], { commit: 'c1' });
    const d = diffManifestObjects(before, after);
    expect(d.relocated.map((o) => o.source)).toEqual([{ type: 'manifest-dir', root: '/srv/manifests/team-b', file: 'app.yaml', line: 1, commit: 'c1' }]);
    expect([d.added, d.changed, d.removed]).toEqual([[], [], []]);
    // Nothing moved: nothing to report.
    expect(diffManifestObjects(after, build('/srv/manifests/team-b', [cm('web', '1')], { commit: 'c1' })).relocated).toEqual([]);
  });
});
