import { describe, expect, it } from 'vitest';
import { toDisplayObject } from '../drift/display';
import type { ObjectDetail } from '../live/object-detail';
import { buildSnapshotPayload, secretValueLeaks } from './snapshot-build';
import { isWellFormedSnapshotId, newSnapshotId, snapshotIdHash } from './snapshot-id';

const CANARY = 'canary-s3cr3t-value';
const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, data: { password: Buffer.from(CANARY).toString('base64') } };

function detail(desired: unknown, live: unknown, changes: ObjectDetail['state']['changes']): ObjectDetail {
  return {
    state: {
      id: 'c1//Secret/shop/db',
      cluster: 'c1',
      group: '',
      version: 'v1',
      kind: 'Secret',
      namespace: 'shop',
      name: 'db',
      status: 'drifted',
      changes,
      warnings: [],
      labels: {},
      since: '2025-03-01T12:00:00.000Z',
    },
    desired: toDisplayObject(desired),
    live: toDisplayObject(live),
    ignoredCount: 0,
  };
}

describe('snapshot ids', () => {
  it('are 128-bit base64url, distinct, and hashed to 64 hex digits', () => {
    const ids = new Set(Array.from({ length: 1000 }, newSnapshotId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(isWellFormedSnapshotId(id)).toBe(true);
    expect(Buffer.from([...ids][0]!, 'base64url')).toHaveLength(16);
    expect(snapshotIdHash('x')).toMatch(/^[0-9a-f]{64}$/);
    expect(isWellFormedSnapshotId('../../etc/passwd')).toBe(false);
  });
});

describe('snapshot payload', () => {
  it('holds a redacted Secret and refuses one whose values are not redacted', () => {
    const d = detail(secret, { ...secret, data: { password: Buffer.from('other').toString('base64') } }, [
      { path: 'data.password', op: 'changed', desired: { redacted: true, sha256: 'aaaaaaaaaaaa' }, live: { redacted: true, sha256: 'bbbbbbbbbbbb' } },
    ]);
    const view = { mode: 'split' as const, showAll: false, to: '2025-03-01T12:00:00.000Z' };
    const p = buildSnapshotPayload({ detail: d, history: { available: false, reason: 'no store' }, view, takenAt: new Date('2025-03-01T12:00:00Z') });
    expect(JSON.stringify(p)).not.toContain(CANARY);
    expect(JSON.stringify(p)).not.toContain(secret.data.password);
    expect(secretValueLeaks(p)).toEqual([]);
    expect(p).toMatchObject({ v: 1, object: { kind: 'Secret', name: 'db' }, status: 'drifted', view });

    const leaky = { ...d, changes: [], state: { ...d.state, changes: [{ path: 'data.password', op: 'changed' as const, desired: 'x', live: CANARY }] } };
    expect(() => buildSnapshotPayload({ detail: leaky, history: { available: false, reason: '' }, view, takenAt: new Date() })).toThrow(/Secret values at changes\[data.password\]/);
    const rawLive = { ...d, live: { object: secret, volatilePaths: [] } };
    expect(() => buildSnapshotPayload({ detail: rawLive, history: { available: false, reason: '' }, view, takenAt: new Date() })).toThrow(/live.data.password/);
  });

  it('is a copy: later changes to the live state do not reach it', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
    const d = detail(cm, cm, [{ path: 'data.a', op: 'changed', desired: '1', live: '2' }]);
    d.state = { ...d.state, kind: 'ConfigMap', id: 'c1//ConfigMap/shop/c' };
    const p = buildSnapshotPayload({ detail: d, history: { available: true, history: undefined }, view: { mode: 'unified', showAll: true, to: 'x' }, takenAt: new Date() });
    d.state.changes[0]!.live = '3';
    (d.live!.object.data as Record<string, string>).a = '9';
    expect(p.changes[0]?.live).toBe('2');
    expect((p.live?.object.data as Record<string, string>).a).toBe('1');
    expect(p.timeline).toEqual({ available: true, data: { episodes: [], events: [], podHealth: [], writes: [] } });
  });
});
