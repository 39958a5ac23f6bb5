import { describe, expect, it } from 'vitest';
import { MAX_LISTED_CLUSTERS, unknownClusterMessage, unknownClusters } from './cluster-filter';

describe('a cluster filter naming clusters that are not configured', () => {
  it('finds the asked names no configured cluster has, each once, in the order asked', () => {
    expect(unknownClusters(['prod', 'prdo', 'x', 'prdo'], ['staging', 'prod'])).toEqual(['prdo', 'x']);
    expect(unknownClusters(['prod'], ['prod'])).toEqual([]);
    expect(unknownClusters([], [])).toEqual([]);
  });

  it('names them quoted and the configured clusters sorted', () => {
    expect(unknownClusterMessage(['foo'], ['b', 'a'])).toBe('unknown cluster "foo": the configured clusters are a, b');
    expect(unknownClusterMessage(['foo', 'bar'], ['prod'])).toBe('unknown clusters "foo", "bar": the configured cluster is prod');
    expect(unknownClusterMessage(['foo'], [])).toBe('unknown cluster "foo": no cluster is configured');
    // The asked name is the reader's own text: quoted so that a comma or quote in it cannot pass for a list.
    expect(unknownClusterMessage(['a", "b'], ['a'])).toBe('unknown cluster "a\\", \\"b": the configured cluster is a');
  });

  it('lists at most MAX_LISTED_CLUSTERS names of either kind, and says how many more there are', () => {
    const fleet = Array.from({ length: MAX_LISTED_CLUSTERS + 5 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    const message = unknownClusterMessage(['nope'], [...fleet].reverse());
    expect(message).toBe(`unknown cluster "nope": the configured clusters are ${fleet.slice(0, MAX_LISTED_CLUSTERS).join(', ')} and 5 more`);
    const asked = unknownClusterMessage(fleet, ['prod']);
    expect(asked).toMatch(/^unknown clusters "c000", .*"c019" and 5 more: the configured cluster is prod$/);
  });

  it('names no configured cluster for a reader who may not learn them', () => {
    expect(unknownClusterMessage(['foo'], undefined)).toBe('unknown cluster "foo": no configured cluster has this name');
    expect(unknownClusterMessage(['foo', 'bar'], undefined)).toBe('unknown clusters "foo", "bar": no configured cluster has these names');
  });
});
