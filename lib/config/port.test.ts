import { describe, expect, it } from 'vitest';
import { parsePort } from './port';

describe('parsePort', () => {
  it('takes 1 to 65535 written in digits, and nothing else', () => {
    expect(parsePort('3000')).toBe(3000);
    expect(parsePort(' 8080 ')).toBe(8080);
    expect(parsePort('1')).toBe(1);
    expect(parsePort('65535')).toBe(65_535);
    for (const bad of ['', 'abc', '0', '65536', '-1', '80.5', '0x50', '1e3', '3000abc', '999999']) expect(parsePort(bad), bad).toBeUndefined();
  });
});
