import { describe, expect, it, vi } from 'vitest';
import { driftListQuery } from './drift-params';
import { chartQuery } from './history-params';
import { NO_PARAMS, otherMethods, parseQuery, storeRoute } from './responses';
import { SnapshotLeakError } from '../share/snapshot-build';

const refusal = async (parsed: ReturnType<typeof parseQuery>) => (parsed.ok ? 'accepted' : ((await parsed.response.json()) as { error: { message: string } }).error.message);

describe('query parsing', () => {
  it('refuses a single-valued parameter given twice, and takes list parameters repeated or comma-separated', async () => {
    expect(await refusal(parseQuery(driftListQuery, new URLSearchParams('limit=10&limit=20'), ['status']))).toBe('invalid query: limit: given 2 times, once expected');
    const lists = parseQuery(driftListQuery, new URLSearchParams('status=drifted&status=missing,error'), ['status']);
    expect(lists.ok && lists.value.status).toEqual(['drifted', 'missing', 'error']);
    expect(await refusal(parseQuery(driftListQuery, new URLSearchParams('status='), ['status']))).toBe('invalid query: status: give at least one value');
  });

  it('says which required parameters were left out', async () => {
    expect(await refusal(parseQuery(chartQuery, new URLSearchParams('bucketMs=60000')))).toBe('invalid query: from: required, and not given; to: required, and not given');
  });

  it('sees every parameter, __proto__ included, and names the unknown ones', async () => {
    expect(await refusal(parseQuery(NO_PARAMS, new URLSearchParams('__proto__=x')))).toBe('invalid query: (top level): unknown key "__proto__"; none is taken here');
    expect(await refusal(parseQuery(NO_PARAMS, new URLSearchParams('verbose=1')))).toBe('invalid query: (top level): unknown key "verbose"; none is taken here');
    expect(await refusal(parseQuery(driftListQuery, new URLSearchParams('limt=5'), ['status']))).toMatch(/^invalid query: \(top level\): unknown key "limt" \(did you mean "limit"\?\); allowed here: .*limit/);
    expect(parseQuery(NO_PARAMS, new URLSearchParams('')).ok).toBe(true);
  });
});

describe('methods a route does not serve', () => {
  it('answer 405 in the API\'s JSON shape, with Allow', async () => {
    const res = otherMethods('GET').POST(new Request('http://x/api/v1/drift', { method: 'POST' }));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(await res.json()).toEqual({ error: { status: 405, message: 'POST is not served here; this endpoint takes GET' } });
    expect(otherMethods('POST').GET(new Request('http://x/api/v1/snapshots')).headers.get('allow')).toBe('POST, OPTIONS');
    // OPTIONS agrees with the 405s (Next's own lists every method).
    const options = otherMethods('GET').OPTIONS(new Request('http://x/api/v1/drift', { method: 'OPTIONS' }));
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, HEAD, OPTIONS']);
  });
});

describe('storeRoute', () => {
  it('answers a store that fails under a route as the API\'s JSON 503, a refused snapshot as a 500, and passes answers through', async () => {
    const req = new Request('http://dw/api/v1/history/chart');
    const errors: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(m));
    try {
      const down = await storeRoute(() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')))(req);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ error: { status: 503, message: 'the history store could not answer: connect ECONNREFUSED 127.0.0.1:5432' } });
      const leak = await storeRoute(() => Promise.reject(new SnapshotLeakError('refusing to store a snapshot with Secret values at changes[0].live')))(req);
      expect(leak.status).toBe(500);
      expect(((await leak.json()) as { error: { message: string } }).error.message).toMatch(/^refusing to store a snapshot/);
      expect(errors).toHaveLength(2);
      expect(String(errors[0])).toContain('GET /api/v1/history/chart');
      const ok = await storeRoute(() => Promise.resolve(new Response('fine', { status: 201 })))(req);
      expect(ok.status).toBe(201);
    } finally {
      spy.mockRestore();
    }
  });
});
