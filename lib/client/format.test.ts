import { describe, expect, it } from 'vitest';
import { desiredSourceText, desiredSourceTitle } from './format';

describe('desired source display', () => {
  it('prints a manifest by its file and names its directory in the title, so two directories\' app.yaml can be told apart', () => {
    const a = { type: 'manifest-dir', root: '/srv/manifests/team-a', file: 'app.yaml', line: 1, commit: '0123456789abcdef' } as const;
    const b = { ...a, root: '/srv/manifests/team-b' };
    expect(desiredSourceText(a)).toBe('app.yaml:1 @ 0123456789');
    expect(desiredSourceText(b)).toBe(desiredSourceText(a));
    expect(desiredSourceTitle(a)).toBe('/srv/manifests/team-a/app.yaml:1');
    expect(desiredSourceTitle(b)).toBe('/srv/manifests/team-b/app.yaml:1');
    expect(desiredSourceTitle({ type: 'manifest-dir', root: '/', file: 'app.yaml' })).toBe('/app.yaml');
  });

  it('has no title for a source without a directory (other sources, states from before roots)', () => {
    expect(desiredSourceTitle({ type: 'manifest-dir', file: 'app.yaml', line: 3 })).toBeUndefined();
    expect(desiredSourceTitle({ type: 'last-applied' })).toBeUndefined();
    expect(desiredSourceText({ type: 'owner-template', owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u' } })).toBe('pod template of ReplicaSet web-1');
    expect(desiredSourceText({ type: 'last-applied' })).toBe('last-applied-configuration annotation');
  });
});
