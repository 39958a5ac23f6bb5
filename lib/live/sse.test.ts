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

  it('cuts off a client that stops reading, and lets go of everything it held', async () => {
    const log = new EventLog(100);
    const listeners = log.subscribers;
    const s = stream(log, { maxQueued: 50 });
    for (let i = 0; i < 200; i++) log.append(del(`o${i}`));
    expect(s.closes()).toBe(1);
    expect(log.subscribers).toBe(listeners);
    const blocks = await readBlocks(s.body, () => false);
    expect(blocks.at(-1)?.data).toContain('client too slow');
  });

  it('cuts off a client that stops reading during a replay, too', async () => {
    const log = new EventLog(1_000);
    for (let i = 0; i < 600; i++) log.append(del(`o${i}`));
    const listeners = log.subscribers;
    const s = stream(log, { resumeFrom: `${log.epoch}.1`, maxQueued: 50 });
    for (let i = 0; i < 60; i++) log.append(del(`late${i}`));
    expect(s.closes()).toBe(1);
    expect(log.subscribers).toBe(listeners);
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
