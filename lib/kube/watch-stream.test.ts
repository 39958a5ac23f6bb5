import { describe, expect, it } from 'vitest';
import { LineSplitter, parseWatchLine, WatchProtocolError } from './watch-stream';

/** Feeds `text` to a splitter in chunks cut at the given byte offsets. */
function splitAt(text: string, cuts: number[]): { lines: string[]; rest: string | undefined } {
  const bytes = Buffer.from(text, 'utf8');
  const splitter = new LineSplitter();
  const lines: string[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    lines.push(...splitter.push(bytes.subarray(start, cut)));
    start = cut;
  }
  return { lines, rest: splitter.rest() };
}

describe('LineSplitter', () => {
  const events = [
    { type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '1' } } },
    { type: 'MODIFIED', object: { metadata: { name: 'b', resourceVersion: '2' }, data: { k: 'v' } } },
    { type: 'BOOKMARK', object: { metadata: { resourceVersion: '3' } } },
  ];
  const text = events.map((e) => JSON.stringify(e) + '\n').join('');

  it('returns the same lines wherever the chunks are cut', () => {
    const expected = events.map((e) => JSON.stringify(e));
    const length = Buffer.byteLength(text);
    for (let cut = 0; cut <= length; cut++) {
      expect(splitAt(text, [cut]).lines).toEqual(expected);
    }
    // Every byte its own chunk.
    expect(splitAt(text, Array.from({ length }, (_, i) => i)).lines).toEqual(expected);
  });

  it('keeps multi-byte characters whole when a chunk ends inside one', () => {
    const line = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'ü' }, data: { k: 'größe 🚀 日本' } } });
    const bytes = Buffer.byteLength(line);
    for (let cut = 1; cut < bytes; cut++) {
      expect(splitAt(line + '\n', [cut]).lines).toEqual([line]);
    }
  });

  it('assembles a line of several megabytes from many small chunks', () => {
    const big = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'big' }, data: { blob: 'x'.repeat(5_000_000) } } });
    const cuts = Array.from({ length: 300 }, (_, i) => (i + 1) * 16_384);
    const { lines } = splitAt(`${big}\n{"type":"BOOKMARK"}\n`, cuts);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(big);
    expect(lines[1]).toBe('{"type":"BOOKMARK"}');
  });

  it('handles several lines in one chunk, CRLF and blank lines', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('{"a":1}\r\n\n{"b":2}\n  \n{"c"')).toEqual(['{"a":1}', '{"b":2}']);
    expect(splitter.push(':3}\n')).toEqual(['{"c":3}']);
    expect(splitter.rest()).toBeUndefined();
  });

  it('reports an unterminated last line separately instead of as a complete one', () => {
    const { lines, rest } = splitAt('{"a":1}\n{"type":"ADD', [3]);
    expect(lines).toEqual(['{"a":1}']);
    expect(rest).toBe('{"type":"ADD');
  });

  it('refuses a line longer than its limit', () => {
    const splitter = new LineSplitter(10);
    splitter.push('12345');
    expect(() => splitter.push('678901')).toThrow(WatchProtocolError);
    // and recovers for what follows
    expect(splitter.push('\n{"a":1}\n')).toEqual(['{"a":1}']);
  });
});

describe('parseWatchLine', () => {
  it('parses object events, bookmarks and errors', () => {
    expect(parseWatchLine('{"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"5"}}}')).toEqual({
      type: 'ADDED',
      object: { kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '5' } },
    });
    expect(parseWatchLine('{"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"77"}}}')).toEqual({
      type: 'BOOKMARK',
      resourceVersion: '77',
    });
    // What the API server sends after a restart for a watch from an old resourceVersion.
    expect(
      parseWatchLine(
        '{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 220 (227)","reason":"Expired","code":410}}',
      ),
    ).toEqual({ type: 'ERROR', code: 410, reason: 'Expired', message: 'too old resource version: 220 (227)' });
  });

  it('rejects malformed lines', () => {
    expect(() => parseWatchLine('{"type":"ADDED","obj')).toThrow(WatchProtocolError);
    expect(() => parseWatchLine('{"object":{}}')).toThrow(/no type/);
    expect(() => parseWatchLine('{"type":"MODIFIED","object":{"metadata":{}}}')).toThrow(/metadata.name/);
    expect(() => parseWatchLine('{"type":"BOOKMARK","object":{"metadata":{}}}')).toThrow(/resourceVersion/);
    expect(() => parseWatchLine('{"type":"SURPRISE","object":{}}')).toThrow(/unknown watch event type/);
  });
});
