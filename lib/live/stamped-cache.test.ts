import { describe, expect, it } from 'vitest';
import { StampedCache } from './stamped-cache';

describe('StampedCache', () => {
  it('makes a value once per stamp and key, and drops every value when the stamp moves', () => {
    const cache = new StampedCache();
    let made = 0;
    const make = (v: string) => () => {
      made++;
      return v;
    };
    expect(cache.get('s1', 'a', make('A1'))).toBe('A1');
    expect(cache.get('s1', 'a', make('other'))).toBe('A1');
    expect(cache.get('s1', 'b', make('B1'))).toBe('B1');
    expect(made).toBe(2);
    expect(cache.get('s2', 'a', make('A2'))).toBe('A2');
    expect(cache.size).toBe(1);
    expect(made).toBe(3);
  });

  it('stays within its entry and size bounds, oldest out first, and keeps nothing larger than the bound', () => {
    const cache = new StampedCache(2, 10);
    cache.get('s', 'a', () => 'aaaa');
    cache.get('s', 'b', () => 'bbbb');
    cache.get('s', 'c', () => 'cccc');
    expect(cache.size).toBe(2);
    expect(cache.get('s', 'a', () => 'new')).toBe('new');
    expect(cache.get('s', 'c', () => 'x')).toBe('cccc');
    expect(cache.get('s', 'big', () => 'x'.repeat(11))).toHaveLength(11);
    expect(cache.get('s', 'big', () => 'again')).toBe('again');
    const sized = new StampedCache(10, 10);
    sized.get('s', 'a', () => 'aaaaaa');
    sized.get('s', 'b', () => 'bbbbbb');
    expect(sized.size).toBe(1);
  });
});
