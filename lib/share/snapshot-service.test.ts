import { describe, expect, it } from 'vitest';
import type { SnapshotRecord } from '../store/types';
import { snapshotIdHash } from './snapshot-id';
import { readSnapshot, revokeSnapshot, snapshotFor, type SnapshotLookup } from './snapshot-service';
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

describe('revokeSnapshot', () => {
  const created = new Date('2026-11-26T10:00:00Z');
  const memoryStore = () => {
    const rows = new Map<string, SnapshotRecord>();
    return {
      rows,
      getSnapshot: (h: string) => Promise.resolve(rows.get(h)),
      revokeSnapshot: (h: string, at: Date) => {
        const r = rows.get(h);
        if (!r) return Promise.resolve(undefined);
        if (r.revokedAt) return Promise.resolve({ revokedAt: r.revokedAt, now: false });
        rows.set(h, { createdAt: r.createdAt, subject: r.subject, revokedAt: at });
        return Promise.resolve({ revokedAt: at, now: true });
      },
    };
  };
  const payload = (namespace: string) => ({ object: { id: `prod//ConfigMap/${namespace}/flags`, namespace } });

  it("revokes a snapshot its reader may see, once: a second call keeps the first one's time", async () => {
    const store = memoryStore();
    store.rows.set(snapshotIdHash('link'), { createdAt: created, subject: 'prod//ConfigMap/team-a/flags', payload: payload('team-a') });
    const first = await revokeSnapshot(store, 'link', () => true, new Date('2026-11-27T00:00:00Z'));
    expect(first).toEqual({ now: true, lookup: { state: 'revoked', createdAt: created, revokedAt: new Date('2026-11-27T00:00:00Z'), subject: 'prod//ConfigMap/team-a/flags' } });
    const again = await revokeSnapshot(store, 'link', () => true, new Date('2026-11-28T00:00:00Z'));
    expect(again).toEqual({ now: false, lookup: { ...first.lookup } });
    expect((await readSnapshot(store, 'link')).state).toBe('revoked');
  });

  it('answers the stored time, not its own, when another request revoked it between its read and its write', async () => {
    const store = memoryStore();
    const first = new Date('2026-11-27T00:00:00Z');
    store.rows.set(snapshotIdHash('link'), { createdAt: created, subject: 'prod//ConfigMap/team-a/flags', payload: payload('team-a') });
    // Read as found; revoked by the other request before this one writes.
    const racing = { ...store, getSnapshot: async (h: string) => {
      const r = await store.getSnapshot(h);
      await store.revokeSnapshot(h, first);
      return r;
    } };
    const r = await revokeSnapshot(racing, 'link', () => true, new Date('2026-11-27T00:00:01Z'));
    expect(r).toEqual({ now: false, lookup: expect.objectContaining({ state: 'revoked', revokedAt: first }) });
  });

  it('leaves one hidden from its reader alone and answers unknown, as for a guessed id', async () => {
    const store = memoryStore();
    store.rows.set(snapshotIdHash('link'), { createdAt: created, subject: 'prod//ConfigMap/team-b/flags', payload: payload('team-b') });
    expect(await revokeSnapshot(store, 'link', (ns) => ns === 'team-a')).toEqual({ now: false, lookup: { state: 'unknown' } });
    expect(await revokeSnapshot(store, 'guess', () => true)).toEqual({ now: false, lookup: { state: 'unknown' } });
    expect((await readSnapshot(store, 'link')).state).toBe('found');
  });
});
