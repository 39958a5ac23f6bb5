import { describe, expect, it } from 'vitest';
import { snapshotFor, type SnapshotLookup } from './snapshot-service';
import type { SnapshotPayload } from './snapshot-types';

describe('snapshotFor', () => {
  const at = new Date('2026-11-26T10:00:00Z');
  const expired = (subject: string): SnapshotLookup => ({ state: 'expired', createdAt: at, expiresAt: at, subject });
  const found = (namespace: string): SnapshotLookup => ({ state: 'found', createdAt: at, payload: { object: { namespace } } as unknown as SnapshotPayload });
  const teamA = (ns: string) => ns === 'team-a';

  it('shows a reader the snapshots of objects in their namespaces, expired or not', () => {
    expect(snapshotFor(found('team-a'), teamA).state).toBe('found');
    expect(snapshotFor(expired('prod//ConfigMap/team-a/flags'), teamA).state).toBe('expired');
  });

  it('answers unknown for any other, so the reader cannot tell it from a guessed id', () => {
    expect(snapshotFor(found('team-b'), teamA)).toEqual({ state: 'unknown' });
    expect(snapshotFor(expired('prod//ConfigMap/team-b/flags'), teamA)).toEqual({ state: 'unknown' });
    expect(snapshotFor(expired('not an id'), teamA)).toEqual({ state: 'unknown' });
    expect(snapshotFor({ state: 'unknown' }, () => true)).toEqual({ state: 'unknown' });
  });
});
