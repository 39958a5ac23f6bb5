import { describe, expect, it } from 'vitest';
import { EventLog } from './event-log';
import { driftEventStream } from './sse';

const del = (id: string) => ({ type: 'delete' as const, id, cluster: 'c', at: '2026-01-01T00:00:00Z' });

/** Reads SSE blocks until `until` says stop or the stream ends; returns them as `{event, id, data}`. */
async function readBlocks(stream: ReadableStream<Uint8Array>, until: (blocks: Block[]) => boolean): Promise<Block[]> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const blocks: Block[] = [];
  let buf = '';
  while (!until(blocks)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const lines = buf.slice(0, i).split('\n');
      buf = buf.slice(i + 2);
      const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
      blocks.push({ event: field('event'), id: field('id'), data: field('data') });
    }
  }
  reader.releaseLock();
  return blocks;
}

interface Block {
  event: string | undefined;
  id: string | undefined;
  data: string | undefined;
}

const seqs = (blocks: Block[]) => blocks.filter((b) => b.event === 'drift').map((b) => Number(b.id?.split('.')[1]));

/** Everything the stream still delivers, to its end. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<{ chunks: number; bytes: number; text: string }> {
  const decoder = new TextDecoder();
  let chunks = 0;
  let bytes = 0;
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { chunks, bytes, text };
    chunks++;
    bytes += value.length;
    text += decoder.decode(value, { stream: true });
  }
}

function stream(log: EventLog, extra: Partial<Parameters<typeof driftEventStream>[0]> = {}) {
  const ac = new AbortController();
  let closes = 0;
  const body = driftEventStream({ log, signal: ac.signal, onClose: () => closes++, heartbeatMs: 60_000, ...extra });
  return { body, ac, closes: () => closes };
}

describe('the drift event stream', () => {
  it('replays more missed events than a client may have queued, in order, then what happened meanwhile', async () => {
    const log = new EventLog(50_000);
    for (let i = 0; i < 25_001; i++) log.append(del(`o${i}`));
    const listeners = log.subscribers;
    const s = stream(log, { resumeFrom: `${log.epoch}.1`, maxQueued: 20_000 });
    const reader = s.body.getReader();
    // The first read starts the replay; events appended now must follow it, once each.
    await reader.read();
    reader.releaseLock();
    for (let i = 0; i < 3; i++) log.append(del(`late${i}`));
    const blocks = await readBlocks(s.body, (b) => b.at(-1)?.id === `${log.epoch}.25004`);
    expect(blocks.some((b) => b.event === 'reset')).toBe(false);
    const got = seqs(blocks);
    expect(got.length).toBeGreaterThan(24_990);
    expect(got.every((seq, i) => i === 0 || seq === got[i - 1]! + 1)).toBe(true);
    expect(got.at(-1)).toBe(25_004);
    expect(s.closes()).toBe(0);
    expect(log.clients).toBe(1);
    s.ac.abort();
    expect(s.closes()).toBe(1);
    expect(log.subscribers).toBe(listeners);
    expect(log.clients).toBe(0);
  });

  it('replays past events a scoped client may not see without waiting for a heartbeat, and counts only its own towards the cut-off', async () => {
    const log = new EventLog(5_000);
    const upsert = (namespace: string, name: string) => log.append({ type: 'upsert', state: { cluster: 'c', namespace, name } as never, at: '2026-01-01T00:00:00Z' });
    for (let i = 0; i < 1_000; i++) upsert('other', `o${i}`);
    upsert('mine', 'm0');
    const s = stream(log, { resumeFrom: `${log.epoch}.0`, namespaceVisible: (ns) => ns === 'mine', maxQueued: 50, heartbeatMs: 60_000 });
    // Events of other namespaces during the replay neither wait for this client nor cut it off.
    for (let i = 0; i < 200; i++) upsert('other', `late${i}`);
    // With the heartbeat a minute away, a replay stalled on hidden events would time the test out.
    const blocks = await readBlocks(s.body, (b) => b.at(-1)?.event === 'drift');
    expect(blocks.filter((b) => b.event === 'drift').map((b) => b.id)).toEqual([`${log.epoch}.1001`]);
    expect(s.closes()).toBe(0);
    s.ac.abort();
  });

  it('answers an id beyond the newest event with reset, not with silence', async () => {
    const log = new EventLog(100);
    for (let i = 0; i < 5; i++) log.append(del(`o${i}`));
    const s = stream(log, { resumeFrom: `${log.epoch}.999` });
    const blocks = await readBlocks(s.body, (b) => b.at(-1)?.event === 'reset');
    expect(blocks.find((b) => b.event === 'reset')?.data).toContain('resume point no longer available');
    s.ac.abort();
  });

  it('cuts off a client that stops reading, lets go of what it held, and keeps its slot until it has read the reset', async () => {
    const log = new EventLog(100);
    const listeners = log.subscribers;
    const s = stream(log, { maxQueued: 50 });
    for (let i = 0; i < 200; i++) log.append(del(`o${i}`));
    // No more events for it, but its connection is still open: slot and gauge stay taken.
    expect(log.subscribers).toBe(listeners);
    expect(s.closes()).toBe(0);
    expect(log.clients).toBe(1);
    const blocks = await readBlocks(s.body, () => false);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.event).toBe('reset');
    expect(blocks[0]?.data).toContain('client too slow');
    // No id: the client resumes from the last event it did read.
    expect(blocks[0]?.id).toBeUndefined();
    expect(s.closes()).toBe(1);
    expect(log.clients).toBe(0);
  });

  it('cuts off a client that stops reading during a replay, too', async () => {
    const log = new EventLog(1_000);
    for (let i = 0; i < 600; i++) log.append(del(`o${i}`));
    const listeners = log.subscribers;
    const s = stream(log, { resumeFrom: `${log.epoch}.1`, maxQueued: 50 });
    for (let i = 0; i < 60; i++) log.append(del(`late${i}`));
    expect(log.subscribers).toBe(listeners);
    expect(s.closes()).toBe(0);
    const blocks = await readBlocks(s.body, () => false);
    expect(blocks.map((b) => b.event)).toEqual(['reset']);
    expect(s.closes()).toBe(1);
    expect(log.clients).toBe(0);
  });

  it('keeps nothing but the reset for a stalled client it cut off, however much was sent its way', async () => {
    const log = new EventLog(2_000);
    const s = stream(log, { maxQueued: 1_000 });
    const reader = s.body.getReader();
    // Events of about 10 KB, as large drift states are: 1,500 of them are some 15 MB.
    for (let i = 0; i < 1_500; i++) log.append(del(`o${i}-${'x'.repeat(10_000)}`));
    expect(s.closes()).toBe(0);
    expect(log.clients).toBe(1);
    const { chunks, bytes, text } = await drain(reader);
    expect(text).toMatch(/^event: reset\ndata: \{"reason":"client too slow","lastEventId":"[a-z0-9]+\.\d+"\}\n\n$/);
    expect(chunks).toBe(1);
    expect(bytes).toBe(new TextEncoder().encode(text).length);
    expect(bytes).toBeLessThan(200);
    expect(s.closes()).toBe(1);
    expect(log.clients).toBe(0);
  });

  it('bounds what waits for a client by size as well as by count', async () => {
    const log = new EventLog(100);
    const listeners = log.subscribers;
    const s = stream(log, { maxQueued: 20_000, maxQueuedBytes: 100_000 });
    const big = (i: number) => del(`o${i}-${'x'.repeat(10_000)}`);
    // Nine of them and the hello (about 91,000 characters) fit; the tenth does not.
    for (let i = 0; i < 9; i++) log.append(big(i));
    expect(log.subscribers).toBe(listeners + 1);
    log.append(big(9));
    expect(log.subscribers).toBe(listeners);
    expect(s.closes()).toBe(0);
    const blocks = await readBlocks(s.body, () => false);
    expect(blocks.map((b) => b.event)).toEqual(['reset']);
    expect(s.closes()).toBe(1);
  });

  it('frees the slot of a client it cut off when the client goes away without reading', async () => {
    for (const end of ['abort', 'cancel'] as const) {
      const log = new EventLog(100);
      const s = stream(log, { maxQueued: 10 });
      const reader = s.body.getReader();
      for (let i = 0; i < 20; i++) log.append(del(`o${i}`));
      expect(s.closes()).toBe(0);
      expect(log.clients).toBe(1);
      if (end === 'abort') s.ac.abort();
      else await reader.cancel();
      expect(s.closes(), end).toBe(1);
      expect(log.clients, end).toBe(0);
      // Ending twice (the request's abort after the body's cancel) frees it once.
      s.ac.abort();
      expect(s.closes(), end).toBe(1);
    }
  });

  it('ends a client it cut off that holds its connection without ever reading the reset, freeing its slot', async () => {
    const log = new EventLog(100);
    const s = stream(log, { maxQueued: 10, cutOffGraceMs: 100 });
    const reader = s.body.getReader();
    for (let i = 0; i < 20; i++) log.append(del(`o${i}`));
    expect(s.closes()).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.closes()).toBe(1);
    expect(log.clients).toBe(0);
    // The response ends in an error (Next then closes the connection) with nothing left to read.
    await expect(reader.read()).rejects.toThrow(/client too slow/);
  });

  it('gives a client that keeps reading every event once, in order, however bursty the feed', async () => {
    const log = new EventLog(10_000);
    // Bounds far below the 5,000 events (about 3 MB) sent: only falling behind may cut a client off.
    const s = stream(log, { maxQueued: 200, maxQueuedBytes: 256 * 1024 });
    const total = 5_000;
    const read = readBlocks(s.body, (b) => b.at(-1)?.id === `${log.epoch}.${total}`);
    for (let i = 0; i < total; i += 100) {
      for (let j = i; j < i + 100; j++) log.append(del(`o${j}-${'y'.repeat((j * 7919) % 1_200)}`));
      // The reader catches up between bursts, as a socket that drains does.
      await new Promise((r) => setTimeout(r, 0));
    }
    const blocks = await read;
    expect(blocks.find((b) => b.event !== undefined)?.event).toBe('hello');
    expect(blocks.some((b) => b.event === 'reset')).toBe(false);
    expect(seqs(blocks)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(blocks.filter((b) => b.event === 'drift').map((b) => JSON.parse(b.data ?? '{}').id)).toEqual(Array.from({ length: total }, (_, j) => `o${j}-${'y'.repeat((j * 7919) % 1_200)}`));
    expect(s.closes()).toBe(0);
    s.ac.abort();
    expect(s.closes()).toBe(1);
  });

  it('keeps an idle stream alive, with at most one keep-alive waiting for a client that is not reading', async () => {
    const log = new EventLog(100);
    const s = stream(log, { heartbeatMs: 5 });
    const reader = s.body.getReader();
    const decoder = new TextDecoder();
    expect(decoder.decode((await reader.read()).value)).toBe('retry: 2000\n\n');
    expect(decoder.decode((await reader.read()).value)).toMatch(/^id: [a-z0-9]+\.0\nevent: hello\n/);
    await new Promise((r) => setTimeout(r, 60));
    log.append(del('x'));
    const next = decoder.decode((await reader.read()).value);
    expect(next.split(': keep-alive\n\n')).toHaveLength(2);
    expect(next).toMatch(/event: drift\n/);
    s.ac.abort();
  });

  it('ends at once for a client that was gone before the stream started', () => {
    const log = new EventLog(100);
    const listeners = log.subscribers;
    const ac = new AbortController();
    ac.abort();
    let closes = 0;
    driftEventStream({ log, signal: ac.signal, onClose: () => closes++ });
    expect(closes).toBe(1);
    expect(log.subscribers).toBe(listeners);
  });
});
