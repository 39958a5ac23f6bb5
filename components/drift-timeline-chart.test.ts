/**
 * The overview's history chart counts missing objects with drifted ones (docs/store.md, "Chart
 * buckets"), where the cards above it count each status apart: its words say "drifted or missing"
 * so that its peak is not read against the Drifted card.
 */
import { describe, expect, it } from 'vitest';
import { TIMELINE_TITLE, timelineSeriesName } from '@/lib/client/drift-timeline';
import { timelineSummary } from './drift-timeline-chart';

describe('drift timeline words', () => {
  it('names what it counts in the title, the unstacked series and the summary', () => {
    expect(TIMELINE_TITLE).toBe('Drifted or missing objects over time');
    expect(timelineSeriesName('all', 'none')).toBe('drifted or missing');
    // Stacked, a series is its group; the title and the tooltip's label say what is counted.
    expect(timelineSeriesName('shop', 'namespace')).toBe('shop');
    const rows = [
      { t: Date.parse('2026-01-01T00:00:00Z'), all: 7 },
      { t: Date.parse('2026-01-01T01:00:00Z'), all: 8 },
    ];
    expect(timelineSummary(rows, ['all'], 'a', 'b', (g) => timelineSeriesName(g, 'none'))).toBe(
      'Area chart of drifted or missing objects over time, 2026-01-01 00:00 to 2026-01-01 01:00 UTC. drifted or missing: 7 at the start, 8 at the peak (2026-01-01 01:00 UTC), 8 at the end.',
    );
    expect(timelineSummary([], [], 'a', 'b')).toBe('Objects drifted or missing from a to b: nothing recorded.');
  });
});
