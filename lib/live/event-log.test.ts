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
