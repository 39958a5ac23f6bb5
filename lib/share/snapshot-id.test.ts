import { describe, expect, it } from 'vitest';
import { loggablePath, newSnapshotId, snapshotIdHash } from './snapshot-id';

describe('loggablePath', () => {
  it('keeps no snapshot link id, only the start of its hash, for the page and the API', () => {
    const id = newSnapshotId();
    const hash = snapshotIdHash(id).slice(0, 16);
    expect(loggablePath(`/s/${id}`)).toBe(`/s/sha256:${hash}`);
    expect(loggablePath(`/api/v1/snapshots/${id}`)).toBe(`/api/v1/snapshots/sha256:${hash}`);
    expect(loggablePath(`/api/v1/snapshots/${id}`)).not.toContain(id);
  });

  it('finds the id behind escapes the router decodes', () => {
    const id = newSnapshotId();
    for (const p of [`/api/v1/%73napshots/${id}`, `/%73/${id}`, `//s/${id}`]) expect(loggablePath(p), p).not.toContain(id);
  });

  it('leaves other paths as they are', () => {
    for (const p of ['/api/v1/snapshots', '/api/v1/history/object', '/drift', '/']) expect(loggablePath(p)).toBe(p);
  });
});
