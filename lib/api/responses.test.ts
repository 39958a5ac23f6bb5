import { describe, expect, it } from 'vitest';
import { driftListQuery } from './drift-params';
import { NO_PARAMS, parseQuery } from './responses';

const refusal = async (parsed: ReturnType<typeof parseQuery>) => (parsed.ok ? 'accepted' : ((await parsed.response.json()) as { error: { message: string } }).error.message);

describe('query parsing', () => {
  it('refuses a single-valued parameter given twice, and takes list parameters repeated or comma-separated', async () => {
    expect(await refusal(parseQuery(driftListQuery, new URLSearchParams('limit=10&limit=20'), ['status']))).toBe('invalid query: limit: given 2 times, once expected');
    const lists = parseQuery(driftListQuery, new URLSearchParams('status=drifted&status=missing,error'), ['status']);
    expect(lists.ok && lists.value.status).toEqual(['drifted', 'missing', 'error']);
  });

  it('sees every parameter, __proto__ included, and names the unknown ones', async () => {
    expect(await refusal(parseQuery(NO_PARAMS, new URLSearchParams('__proto__=x')))).toBe('invalid query: (top level): unknown key "__proto__"');
    expect(await refusal(parseQuery(NO_PARAMS, new URLSearchParams('verbose=1')))).toBe('invalid query: (top level): unknown key "verbose"');
    expect(parseQuery(NO_PARAMS, new URLSearchParams('')).ok).toBe(true);
  });
});
