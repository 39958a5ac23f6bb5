import { describe, expect, it } from 'vitest';
import { tightenHeapGrowthWhenLarge } from './heap-growth';

describe('heap growth', () => {
  it('lowers the growth once the heap in use passes the threshold, once, and not before', async () => {
    const small: number[] = [];
    const stopSmall = tightenHeapGrowthWhenLarge({ checkMs: 5, largeBytes: 2 ** 40, onTightened: (u) => small.push(u) });
    const large: number[] = [];
    tightenHeapGrowthWhenLarge({ checkMs: 5, largeBytes: 1, onTightened: (u) => large.push(u) });
    await new Promise((r) => setTimeout(r, 60));
    stopSmall();
    expect(small).toEqual([]);
    expect(large).toHaveLength(1);
    expect(large[0]).toBeGreaterThan(1);
  });
});
