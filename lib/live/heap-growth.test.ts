import { describe, expect, it } from 'vitest';
import { operatorSetHeapGrowth } from './heap-growth';

describe('operatorSetHeapGrowth', () => {
  it('sees the flag in node options or NODE_OPTIONS, in either spelling', () => {
    expect(operatorSetHeapGrowth([], '')).toBe(false);
    expect(operatorSetHeapGrowth(['--max-old-space-size=2048'], '--enable-source-maps')).toBe(false);
    expect(operatorSetHeapGrowth(['--heap-growing-percent=30'], '')).toBe(true);
    expect(operatorSetHeapGrowth([], '--enable-source-maps --heap_growing_percent=20')).toBe(true);
  });
});
