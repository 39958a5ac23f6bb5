import { describe, expect, it, vi } from 'vitest';
import { EventLog } from './event-log';
import { driftEventStream, formatEvent, parseResumeId } from './sse';

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

describe('stream epochs', () => {
  it('differ between logs built in the same millisecond, so an id of one replica is a reset on another', async () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(Date.UTC(2026, 0, 1));
    let a: EventLog;
    let b: EventLog;
    try {
      a = new EventLog(100);
      b = new EventLog(100);
    } finally {
      now.mockRestore();
    }
    expect(a.epoch).not.toBe(b.epoch);
    for (const log of [a, b]) {
      expect(log.epoch).toMatch(/^[a-z0-9]+$/);
      for (let i = 0; i < 5; i++) log.append(del(`o${i}`));
    }
    const id = `${a.epoch}.3`;
    expect(parseResumeId(id, a.epoch)).toBe(3);
    expect(parseResumeId(id, b.epoch)).toBe('other-epoch');
    const ac = new AbortController();
    const reader = driftEventStream({ log: b, resumeFrom: id, signal: ac.signal, heartbeatMs: 60_000 }).getReader();
    const decoder = new TextDecoder();
    // The first chunk is the retry interval alone; the answer to the resume point follows.
    const text = decoder.decode((await reader.read()).value) + decoder.decode((await reader.read()).value);
    ac.abort();
    expect(text).toContain('event: reset\n');
    expect(text).toContain('resume point no longer available');
    expect(text).not.toContain('event: drift');
  });

  it('counts a stream client until its connection ends, apart from its subscription', () => {
    const log = new EventLog(10);
    const close = log.openClient();
    const other = log.openClient();
    const unsubscribe = log.subscribe(() => undefined);
    expect(log.clients).toBe(2);
    other();
    other();
    unsubscribe();
    expect(log.clients).toBe(1);
    close();
    close();
    expect(log.clients).toBe(0);
  });
});
