import { describe, expect, it } from 'vitest';
import { breakdownGroupOf, breakdownPatch } from './breakdown-group';
import { lockedViewSearch } from './share-link';

describe('breakdown "Group by" in the URL', () => {
  it('reads the grouping from the URL, the default when missing or unknown', () => {
    expect(breakdownGroupOf(new URLSearchParams('breakdown=kind'))).toBe('kind');
    expect(breakdownGroupOf(new URLSearchParams('breakdown=cluster&stack=namespace'))).toBe('cluster');
    expect(breakdownGroupOf(new URLSearchParams(''))).toBe('namespace');
    expect(breakdownGroupOf(new URLSearchParams('breakdown=colour'))).toBe('namespace');
  });

  it('writes a chosen grouping and leaves the default out of the URL', () => {
    expect(breakdownPatch('kind')).toEqual({ breakdown: 'kind' });
    expect(breakdownPatch('namespace')).toEqual({ breakdown: undefined });
  });

  it('survives a reload and a live share link of the overview', () => {
    const chosen = new URLSearchParams({ range: '6h', ...breakdownPatch('cluster') });
    const shared = lockedViewSearch('/', chosen.toString(), new Date('2026-03-01T12:00:00.000Z'));
    expect(breakdownGroupOf(shared)).toBe('cluster');
  });
});
