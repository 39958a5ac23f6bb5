/**
 * The live stream and the drift index catch up on what happened while the stream could not listen
 * (refused at page load, e.g. 429 over the per-user stream limit): against a fake server whose
 * stream answers `?since=` with the missed events, as lib/live/sse.ts does.
 */
import { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DriftIndex } from '@/lib/client/drift-index';
import type { DriftRowsResponse, DriftStreamEvent, ObjectDriftState } from '@/lib/client/types';
import { rowTuple } from '@/lib/live/table-rows';
import { indexQueryFn } from './drift-data';
import { DRIFT_INDEX_KEY, LiveStream } from './live-stream';

const EPOCH = 'ep';
const CART = 'c1/apps/Deployment/shop/cart';

function cart(status: ObjectDriftState['status']): ObjectDriftState {
  return { id: CART, cluster: 'c1', group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'cart', status, since: '2026-01-01T00:00:00Z', changes: [], ignored: [], warnings: [], labels: {} };
}

type Listener = (e: { data: string; lastEventId: string }) => void;

/** The server: drift states, an event log, and whether it refuses streams (429). */
const server = {
  seq: 10,
  states: new Map<string, ObjectDriftState>(),
  log: [] as DriftStreamEvent[],
  refuse: false,
  answerMs: 10,
  change(state: ObjectDriftState) {
    const e: DriftStreamEvent = { seq: ++this.seq, type: 'upsert', state, at: new Date().toISOString() };
    this.states.set(state.id, state);
    this.log.push(e);
    for (const es of FakeEventSource.all) if (es.readyState === FakeEventSource.OPEN) es.emit('drift', e, `${EPOCH}.${e.seq}`);
  },
  rows(): DriftRowsResponse {
    return { columns: [], rows: [...this.states.values()].map(rowTuple), total: this.states.size, ready: true, lastEventId: this.seq, streamId: `${EPOCH}.${this.seq}` };
  },
};

class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static all: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | undefined;
  onerror: (() => void) | undefined;
  private listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
    setTimeout(() => this.answer(), server.answerMs);
  }

  get since(): string | null {
    return new URL(this.url, 'http://dw').searchParams.get('since');
  }

  addEventListener(name: string, fn: Listener) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
  }

  emit(name: string, data: unknown, id: string) {
    for (const fn of this.listeners.get(name) ?? []) fn({ data: JSON.stringify(data), lastEventId: id });
  }

  close() {
    this.readyState = FakeEventSource.CLOSED;
  }

  /** What lib/live/sse.ts sends: hello on a fresh connect, the missed events on a resume. */
  private answer() {
    if (this.readyState === FakeEventSource.CLOSED) return;
    if (server.refuse) {
      this.readyState = FakeEventSource.CLOSED;
      this.onerror?.();
      return;
    }
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
    const since = this.since;
    if (since === null) return this.emit('hello', { lastEventId: `${EPOCH}.${server.seq}` }, `${EPOCH}.${server.seq}`);
    const from = Number(since.slice(since.lastIndexOf('.') + 1));
    for (const e of server.log) if (e.seq > from) this.emit('drift', e, `${EPOCH}.${e.seq}`);
  }
}

const cartStatus = (client: QueryClient) => client.getQueryData<DriftIndex>(DRIFT_INDEX_KEY)?.rows.get(CART)?.status;

describe('live stream catch-up', () => {
  let client: QueryClient;
  let stream: LiveStream;

  beforeEach(() => {
    vi.useFakeTimers();
    server.seq = 10;
    server.states = new Map([[CART, cart('drifted')]]);
    server.log = [];
    server.refuse = false;
    server.answerMs = 10;
    FakeEventSource.all = [];
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.stubGlobal('fetch', async () => ({ ok: true, status: 200, json: async () => server.rows() }));
    client = new QueryClient();
    stream = new LiveStream(client);
  });

  afterEach(() => {
    stream.stop();
    client.clear();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('a tab whose stream was refused at load gets what changed meanwhile once the stream opens', async () => {
    server.refuse = true;
    stream.start();
    const loading = client.fetchQuery({ queryKey: DRIFT_INDEX_KEY, queryFn: indexQueryFn(stream), staleTime: Infinity });
    // Both reads of the rows wait for the stream (3 s each), then the index loads without it.
    await vi.advanceTimersByTimeAsync(6_500);
    await loading;
    expect(cartStatus(client)).toBe('drifted');

    // Fixed while this tab has no stream; then another tab closes and a retry is let in.
    server.change(cart('in-sync'));
    server.refuse = false;
    await vi.advanceTimersByTimeAsync(20_000);

    expect(stream.state).toBe('live');
    expect(FakeEventSource.all.at(-1)?.since).toBe(`${EPOCH}.10`);
    expect(cartStatus(client)).toBe('in-sync');
  });

  it('replaces a connection still opening without a resume point with one from the rows', async () => {
    server.answerMs = 1_000;
    stream.start();
    const opening = FakeEventSource.all[0]!;
    server.change(cart('in-sync'));
    // Rows read at event 10, before the change; this connection would say hello at 11.
    stream.catchUpFrom(`${EPOCH}.10`);
    await vi.advanceTimersByTimeAsync(2_000);

    expect(opening.readyState).toBe(FakeEventSource.CLOSED);
    expect(FakeEventSource.all).toHaveLength(2);
    expect(FakeEventSource.all[1]!.since).toBe(`${EPOCH}.10`);
    expect(stream.covers(10)).toBe(true);
    expect(stream.eventsAfter(10).map((e) => e.seq)).toEqual([11]);
  });

  it('leaves a stream alone that already listens from before the rows', async () => {
    stream.start();
    await vi.advanceTimersByTimeAsync(100);
    server.change(cart('in-sync'));
    stream.catchUpFrom(`${EPOCH}.11`);
    await vi.advanceTimersByTimeAsync(100);

    expect(FakeEventSource.all).toHaveLength(1);
    expect(stream.eventsAfter(10).map((e) => e.seq)).toEqual([11]);
  });
});
