import { describe, expect, it } from 'vitest';
import { liveShareUrl, lockedViewSearch } from './share-link';

const NOW = new Date('2025-03-01T12:00:00.000Z');

describe('live share links', () => {
  it('lock the overview range to absolute from/to and keep the rest', () => {
    const sp = lockedViewSearch('/', 'range=6h&stack=namespace&breakdown=kind', NOW);
    expect(Object.fromEntries(sp)).toEqual({ stack: 'namespace', breakdown: 'kind', from: '2025-03-01T06:00:00.000Z', to: '2025-03-01T12:00:00.000Z' });
    expect(Object.fromEntries(lockedViewSearch('/', '', NOW))).toEqual({ from: '2025-02-28T12:00:00.000Z', to: '2025-03-01T12:00:00.000Z' });
    expect(Object.fromEntries(lockedViewSearch('/', 'from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z', NOW))).toEqual({ from: '2025-01-01T00:00:00Z', to: '2025-01-02T00:00:00Z' });
    // An unknown range reads as the default, as the chart reads it.
    expect(Object.fromEntries(lockedViewSearch('/', 'range=toString', NOW))).toEqual({ from: '2025-02-28T12:00:00.000Z', to: '2025-03-01T12:00:00.000Z' });
  });

  it('give the object page an end time and keep its object, diff mode and start', () => {
    const url = liveShareUrl('http://dw.example', '/objects', 'id=c%2F%2FConfigMap%2Fns%2Fa&mode=unified&from=2025-03-01T10:00:00.000Z', NOW);
    const u = new URL(url);
    expect(u.pathname).toBe('/objects');
    expect(Object.fromEntries(u.searchParams)).toEqual({ id: 'c//ConfigMap/ns/a', mode: 'unified', from: '2025-03-01T10:00:00.000Z', to: '2025-03-01T12:00:00.000Z' });
  });

  it('leave views without time as they are', () => {
    expect(liveShareUrl('http://dw', '/drift', 'namespace=shop&status=all&labels=app%3Dweb', NOW)).toBe('http://dw/drift?namespace=shop&status=all&labels=app%3Dweb');
    expect(liveShareUrl('http://dw', '/cluster', '', NOW)).toBe('http://dw/cluster');
  });
});
