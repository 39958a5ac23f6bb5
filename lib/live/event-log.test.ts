import { describe, expect, it } from 'vitest';
import { EventLog } from './event-log';
import { formatEvent, parseResumeId } from './sse';

const del = (id: string) => ({ type: 'delete' as const, id, cluster: 'c', at: '2026-01-01T00:00:00Z' });

describe('EventLog', () => {
  it('numbers events, replays what a client missed and says when that is no longer possible', () => {
    const log = new EventLog(4);
    const seen: number[] = [];
    log.subscribe((e) => seen.push(e.seq));
    for (let i = 0; i < 6; i++) log.append(del(`o${i}`));
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(log.since(6)).toEqual([]);
    expect(log.since(4)?.map((e) => e.seq)).toEqual([5, 6]);
    expect(log.since(2)?.map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    expect(log.since(1)).toBeUndefined();
  });

  it('streams the initial sync without keeping it: resuming from before retain() means reset', () => {
    const log = new EventLog(100, { retain: false });
    const seen: number[] = [];
    log.subscribe((e) => seen.push(e.seq));
    for (let i = 0; i < 3; i++) log.append(del(`o${i}`));
    expect(log.retaining).toBe(false);
    expect(log.since(3)).toEqual([]);
    expect(log.since(1)).toBeUndefined();
    log.retain();
    for (let i = 3; i < 5; i++) log.append(del(`o${i}`));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    // The list API's lastEventId at readiness (3) is a valid resume point; anything older is not.
    expect(log.since(3)?.map((e) => e.seq)).toEqual([4, 5]);
    expect(log.since(2)).toBeUndefined();
    expect(log.sinceEncoded(3)?.map((e) => [e.seq, e.cluster, JSON.parse(e.json).id])).toEqual([
      [4, 'c', 'o3'],
      [5, 'c', 'o4'],
    ]);
  });

  it('encodes each event once for all listeners', () => {
    const log = new EventLog(10, { retain: false });
    const encoded: (() => string)[] = [];
    log.subscribe((_e, json) => encoded.push(json));
    log.subscribe((_e, json) => encoded.push(json));
    log.append(del('x'));
    expect(encoded[0]).toBe(encoded[1]);
    const text = encoded[0]!();
    expect(encoded[1]!()).toBe(text);
    expect(JSON.parse(text)).toMatchObject({ seq: 1, type: 'delete', id: 'x' });
  });

  it('keeps one failing listener from stopping the others', () => {
    const log = new EventLog();
    let got = 0;
    log.subscribe(() => {
      throw new Error('boom');
    });
    log.subscribe(() => got++);
    const orig = console.error;
    console.error = () => undefined;
    try {
      log.append(del('x'));
    } finally {
      console.error = orig;
    }
    expect(got).toBe(1);
  });
});

describe('SSE framing', () => {
  it('parses resume ids of this process only', () => {
    expect(parseResumeId(undefined, 'abc')).toBeUndefined();
    expect(parseResumeId('abc.42', 'abc')).toBe(42);
    expect(parseResumeId('old.42', 'abc')).toBe('other-epoch');
    expect(parseResumeId('garbage', 'abc')).toBe('other-epoch');
  });

  it('keeps data on one line whatever the payload holds', () => {
    const text = formatEvent('drift', { name: 'a\nb\r\nc' }, 'e.1');
    expect(text).toBe('id: e.1\nevent: drift\ndata: {"name":"a\\nb\\r\\nc"}\n\n');
  });
});
