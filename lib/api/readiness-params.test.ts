import { describe, expect, it } from 'vitest';
import { readyzQuery } from './readiness-params';

describe('readiness query validation', () => {
  it('takes a number of seconds from 0 to 60 and nothing else', () => {
    for (const [wait, seconds] of [['0', 0], ['30', 30], ['2.5', 2.5], ['60', 60]] as const) expect(readyzQuery.parse({ wait })).toEqual({ wait: seconds });
    expect(readyzQuery.parse({})).toEqual({});
    for (const wait of ['', '61', '60.5', '100', '-1', '0x10', '1e1', ' 5', '5 ', 'soon', 'Infinity', 'NaN']) {
      expect(readyzQuery.safeParse({ wait }).success, JSON.stringify(wait)).toBe(false);
    }
    expect(readyzQuery.safeParse({ colour: 'red' }).success).toBe(false);
  });
});
