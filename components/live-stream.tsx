'use client';
/**
 * One EventSource on /api/v1/stream for the whole app, feeding TanStack Query's cache:
 * `drift` events update the drift index (every `upsert` carries the object's full state) and the
 * open object's detail; `reset` refetches everything. Recent events are kept so that a drift index
 * loaded page by page can re-apply what happened while it was loading; an index loaded while the
 * stream could not listen makes it resume from the index's own event id (catchUpFrom).
 */
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { applyEvents, type DriftIndex } from '@/lib/client/drift-index';
import type { DriftStreamEvent, ObjectDetailResponse } from '@/lib/client/types';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'disconnected';

export const DRIFT_INDEX_KEY = ['drift-index'] as const;
export const objectKey = (id: string) => ['object', id] as const;

const BUFFER_MAX = 50_000;
const FLUSH_MS = 60;

export class LiveStream {
  state: StreamState = 'connecting';
  /** Events seen since the current connection's start (or the last reset). */
  private buffer: DriftStreamEvent[] = [];
  private pending: DriftStreamEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private es: EventSource | undefined;
  private lastId: string | undefined;
  private listeners = new Set<() => void>();
  private readyWaiters: Array<() => void> = [];
  private opened = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryMs = 1000;
  private stopped = false;
  /** Increments on every `reset`: loaders started before it must not trust their event base. */
  resets = 0;
  /**
   * Sequence number this stream started listening at (its first `hello`, or the last `reset`):
   * every event after it is in the buffer. Undefined until the server has said hello.
   */
  startSeq: number | undefined;
  eventsReceived = 0;
  private historyInvalidatedAt = 0;
  private historyTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly client: QueryClient) {}

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getState = () => this.state;

  private setState(s: StreamState) {
    if (this.state === s) return;
    this.state = s;
    for (const l of this.listeners) l();
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.flushTimer);
    clearTimeout(this.historyTimer);
    this.es?.close();
    this.es = undefined;
  }

  /** Resolves once the stream is open (or after `timeoutMs`, so a broken stream never blocks loading). */
  ready(timeoutMs = 3000): Promise<void> {
    if (this.opened) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Whether every event after `seq` is in the buffer (or, while a resume replays them, will be). */
  covers(seq: number): boolean {
    return this.startSeq !== undefined && this.startSeq <= seq;
  }

  /**
   * Makes the stream listen from `streamId` (a drift rows answer's) on, for a drift index read while
   * it did not: it could not open (429 over the per-user limit, a restart) or opened only after the
   * rows were taken. A fresh connection starts at the server's newest event, and what changed in
   * between never reached the index (loaded once, never stale) while the indicator said "Live";
   * resuming with `?since=` replays it. The server answers `reset` when it no longer can.
   */
  catchUpFrom(streamId: string) {
    const seq = seqOfId(streamId);
    if (seq === undefined || this.covers(seq)) return;
    this.lastId = streamId;
    this.startSeq = seq;
    // The replay brings back everything after `seq`: events kept from a later start would repeat.
    this.buffer = [];
    // A refused connection retries on its timer, from `lastId`. One open (or opening) without this
    // resume point started after it: replace it.
    if (this.stopped || !this.es || this.es.readyState === EventSource.CLOSED) return;
    this.es.close();
    this.connect();
  }

  /** Events with seq greater than `seq`, oldest first. */
  eventsAfter(seq: number): DriftStreamEvent[] {
    return this.buffer.filter((e) => e.seq > seq);
  }

  private connect() {
    if (this.stopped) return;
    // Without a resume point (no hello yet, no index to catch up) the server starts at its newest event.
    const url = `/api/v1/stream${this.lastId ? `?since=${encodeURIComponent(this.lastId)}` : ''}`;
    const es = new EventSource(url);
    this.es = es;
    es.onopen = () => {
      this.retryMs = 1000;
      this.opened = true;
      for (const w of this.readyWaiters.splice(0)) w();
      this.setState('live');
    };
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. a non-200 answer): reconnect ourselves, with back-off.
        this.setState('disconnected');
        es.close();
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 15_000);
      } else {
        this.setState('reconnecting');
      }
    };
    es.addEventListener('hello', (ev) => {
      this.lastId = (ev as MessageEvent).lastEventId || this.lastId;
      // A resumed connection (after a drop) continues the buffer: only the first hello starts it.
      this.startSeq ??= seqOfId((ev as MessageEvent).lastEventId);
    });
    es.addEventListener('reset', (ev) => {
      this.lastId = (ev as MessageEvent).lastEventId || this.lastId;
      this.startSeq = seqOfId((ev as MessageEvent).lastEventId);
      this.buffer = [];
      this.pending = [];
      this.resets++;
      void this.client.invalidateQueries();
    });
    es.addEventListener('drift', (ev) => {
      const me = ev as MessageEvent<string>;
      if (me.lastEventId) this.lastId = me.lastEventId;
      let e: DriftStreamEvent;
      try {
        e = JSON.parse(me.data) as DriftStreamEvent;
      } catch {
        return;
      }
      this.eventsReceived++;
      this.buffer.push(e);
      if (this.buffer.length > BUFFER_MAX) this.buffer.splice(0, this.buffer.length - BUFFER_MAX);
      this.pending.push(e);
      this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
    });
  }

  /** Applies queued events to the cache in one go (bursts of thousands stay cheap). */
  private flush() {
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.client.setQueryData<DriftIndex>(DRIFT_INDEX_KEY, (idx) => (idx ? applyEvents(idx, batch) : idx));
    const touched = new Set<string>();
    for (const e of batch) {
      const id = e.type === 'upsert' ? e.state.id : e.id;
      touched.add(id);
      if (e.type === 'upsert') {
        this.client.setQueryData<ObjectDetailResponse>(objectKey(id), (d) => {
          if (!d) return d;
          const { ignored: _ignored, ...state } = e.state;
          return { ...d, state, ignoredCount: e.state.ignored.length, ignoredPaths: e.state.ignored.map((c) => c.path) };
        });
      }
    }
    // The live and desired objects behind a changed state: refetch those that are on screen.
    for (const id of touched) {
      // Not exact: the object's ignored changes (useIgnoredChanges) sit under its key.
      if (this.client.getQueryState(objectKey(id))) void this.client.invalidateQueries({ queryKey: objectKey(id) });
    }
    this.invalidateHistory();
  }

  /**
   * History moves with drift; its charts refetch at most every few seconds. A change inside that
   * window is caught up when it ends, so the last change (a revert closing an episode) always shows.
   * Never at once: the store records a change a moment after its event (it batches), and a refetch
   * racing it would show the timeline without the episode that just opened.
   */
  private invalidateHistory() {
    if (this.historyTimer !== undefined) return;
    const wait = Math.max(HISTORY_SETTLE_MS, this.historyInvalidatedAt + HISTORY_REFRESH_MS - Date.now());
    const run = () => {
      this.historyTimer = undefined;
      if (this.stopped) return;
      this.historyInvalidatedAt = Date.now();
      void this.client.invalidateQueries({ queryKey: ['history'] });
    };
    this.historyTimer = setTimeout(run, wait);
  }
}

const HISTORY_REFRESH_MS = 5000;
const HISTORY_SETTLE_MS = 1000;

/** The sequence number of an event id `<epoch>.<seq>`. */
function seqOfId(id: string | undefined): number | undefined {
  const n = id ? Number(id.slice(id.lastIndexOf('.') + 1)) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

const LiveStreamContext = createContext<LiveStream | undefined>(undefined);

export function LiveStreamProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [stream] = useState(() => new LiveStream(client));
  useEffect(() => {
    stream.start();
    return () => stream.stop();
  }, [stream]);
  return <LiveStreamContext.Provider value={stream}>{children}</LiveStreamContext.Provider>;
}

export function useLiveStream(): LiveStream {
  const s = useOptionalLiveStream();
  if (!s) throw new Error('useLiveStream outside LiveStreamProvider');
  return s;
}

/** The live stream, or undefined where there is none (embeds, snapshots: `Providers live={false}`). */
export function useOptionalLiveStream(): LiveStream | undefined {
  return useContext(LiveStreamContext);
}

export function useStreamState(): StreamState {
  const s = useLiveStream();
  return useSyncExternalStore(s.subscribe, s.getState, () => 'connecting');
}
