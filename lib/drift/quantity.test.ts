import { describe, expect, it } from 'vitest';
import { canonicalQuantity, quantitiesEqual } from './quantity';

describe('quantities', () => {
  it.each([
    ['1000m', '1'],
    ['1000M', '1G'],
    ['1Gi', '1024Mi'],
    ['100m', '0.1'],
    ['0.5', '500m'],
    ['1e3', '1k'],
    ['1.5Gi', '1536Mi'],
    ['0', '0m'],
    ['0Gi', '0'],
    ['1000000n', '1m'],
    ['+2', '2'],
    ['.5', '500m'],
    ['2E-3', '2m'],
  ])('%s = %s', (a, b) => {
    expect(quantitiesEqual(a, b)).toBe(true);
  });

  it.each([
    ['1Gi', '1G'],
    ['1001m', '1'],
    ['100Mi', '100M'],
    ['-1', '1'],
    ['1Ki', '1k'],
  ])('%s != %s', (a, b) => {
    expect(quantitiesEqual(a, b)).toBe(false);
  });

  it('accepts numbers as YAML writes them', () => {
    expect(quantitiesEqual(1, '1000m')).toBe(true);
    expect(quantitiesEqual(0.25, '250m')).toBe(true);
    expect(quantitiesEqual(2, '2Gi')).toBe(false);
  });

  it('rejects what is not a quantity', () => {
    for (const bad of ['', 'abc', '1 Gi', '1GiB', '1.2.3', 'Mi', '--1', '1e', true, null, {}, Number.NaN]) {
      expect(canonicalQuantity(bad)).toBeUndefined();
    }
    expect(quantitiesEqual('abc', 'abc')).toBe(true);
    expect(quantitiesEqual('abc', 'abd')).toBe(false);
  });

  it('is exact for large binary values', () => {
    expect(quantitiesEqual('8Ei', '8192Pi')).toBe(true);
    expect(quantitiesEqual('8Ei', '9223372036854775808')).toBe(true);
    expect(quantitiesEqual('8Ei', '9223372036854775807')).toBe(false);
  });
});
