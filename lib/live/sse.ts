/**
 * Server-sent events for the drift stream. Event ids are `<epoch>.<seq>`: the epoch changes with
 * every server start, so a client resuming with an id from an earlier process is told to reload
 * instead of silently missing what happened in between.
 */
import { namespaceOfEvent, type EncodedEvent, type EventLog } from './event-log';
import type { DriftEvent } from './types';

export interface StreamOptions {
  log: EventLog;
  /** Last-Event-ID header or ?since=. */
  resumeFrom?: string;
  clusters?: ReadonlyArray<string>;
  signal: AbortSignal;
  heartbeatMs?: number;
  /**
   * How long a client cut off for reading too slowly has to read its final `reset`: one that
   * holds its connection open without reading is ended then (it would keep its slot for ever).
   */
  cutOffGraceMs?: number;
  /** Messages waiting for a client after which it is cut off (it reconnects and resumes or reloads). */
  maxQueued?: number;
  /**
   * The same bound in size: the waiting messages' text, counted in UTF-16 code units (one per
   * byte for the ASCII the JSON nearly always is, and what a one-byte string occupies in memory).
   */
  maxQueuedBytes?: number;
  /** Only events of objects in these namespaces (per-user scoping); default all. */
  namespaceVisible?: (namespace: string) => boolean;
  /**
   * Called once when the connection ends, however it ends (frees the caller's per-user slot). A
   * client cut off for reading too slowly still holds its connection until it has read the final
   * `reset` or goes away, and its slot until then.
   */
  onClose?: () => void;
}

/**
 * A client that falls this far behind is cut off. The count is the bound the stream always had;
 * the size keeps a stream of large states (tens of KiB each) from holding hundreds of MiB per
 * client before the count is reached. 8 MiB is some thousands of typical events, and a client
 * cut off resumes from the log (its last 50,000 events) when it reconnects.
 */
export const STREAM_QUEUE_LIMITS = { maxQueued: 20_000, maxQueuedBytes: 8 * 1024 * 1024 } as const;

const encoder = new TextEncoder();

export function formatEvent(name: string, data: unknown, id?: string): string {
  // JSON.stringify never emits a raw newline, so one data line is always enough.
  return `${id ? `id: ${id}\n` : ''}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function parseResumeId(raw: string | undefined, epoch: string): number | 'other-epoch' | undefined {
  if (!raw) return undefined;
  const m = /^([a-z0-9]+)\.(\d+)$/.exec(raw.trim());
  if (!m) return 'other-epoch';
  return m[1] === epoch ? Number(m[2]) : 'other-epoch';
}

/** An event as sent: its JSON is the one the log encoded (once for every client). */
function formatEncoded(json: string, id: string): string {
  return `id: ${id}\nevent: drift\ndata: ${json}\n\n`;
}

/** Missed events put in one chunk while a resume replays: the client's reading paces the replay. */
const REPLAY_BATCH = 256;
/** Text per chunk handed to the reader: a burst goes out in few writes, and no chunk grows without bound. */
const CHUNK_CHARS = 64 * 1024;

/**
 * The stream of one client. Messages wait in this function's own bounded outbox and go into the
 * ReadableStream only when its reader asks (`pull`, with a high-water mark of 0): a stream's
 * internal queue cannot be emptied by closing it, so a client cut off with its backlog there
 * kept the whole backlog — and its connection — after its slot had been given back.
 */
export function driftEventStream(opts: StreamOptions): ReadableStream<Uint8Array> {
  const { log } = opts;
  const maxQueued = opts.maxQueued ?? STREAM_QUEUE_LIMITS.maxQueued;
  const maxQueuedBytes = opts.maxQueuedBytes ?? STREAM_QUEUE_LIMITS.maxQueuedBytes;
  const wantedCluster = (cluster: string) => !opts.clusters || opts.clusters.includes(cluster);
  const visible = (cluster: string, namespace: string) => wantedCluster(cluster) && (!opts.namespaceVisible || opts.namespaceVisible(namespace));
  const visibleEvent = (e: DriftEvent) => visible(e.type === 'upsert' ? e.state.cluster : e.cluster, namespaceOfEvent(e));
  const idOf = (seq: number) => `${log.epoch}.${seq}`;

  // open: fed by the log; cut-off: only the final reset waits; ended: the connection is over.
  let state: 'open' | 'cut-off' | 'ended' = 'open';
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let unsubscribe: () => void = () => undefined;
  let releaseClient: () => void = () => undefined;
  // Goes out before anything else, the replay included.
  let prelude = '';
  // A resume's missed events (references to what the log keeps, so they do not count towards the
  // bound), sent as the client reads them; live events wait in the outbox behind them.
  let replay: EncodedEvent[] | undefined;
  let replayed = 0;
  let replayUpTo = 0;
  let outbox: string[] = [];
  let head = 0;
  let queuedChars = 0;
  // Set while a pull waits for something to send.
  let wake: (() => void) | undefined;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const dropBacklog = () => {
    prelude = '';
    replay = undefined;
    outbox = [];
    head = 0;
    queuedChars = 0;
  };
  const stopFeed = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  const onAbort = () => finish();
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  function finish(failed?: Error) {
    if (state === 'ended') return;
    state = 'ended';
    clearTimeout(graceTimer);
    stopFeed();
    dropBacklog();
    opts.signal.removeEventListener('abort', onAbort);
    releaseClient();
    opts.onClose?.();
    try {
      // An error, not a close: a close would wait for the reader to drain what is queued.
      if (failed) controller?.error(failed);
      else controller?.close();
    } catch {
      // already closed, or cancelled by the client going away
    }
    notify();
  }
  const cutOff = () => {
    // Stop taking events and let go of the backlog now; the connection (and the caller's slot, and
    // the clients gauge) ends when the reset has been read or the client is gone.
    state = 'cut-off';
    stopFeed();
    dropBacklog();
    outbox = [formatEvent('reset', { reason: 'client too slow', lastEventId: idOf(log.lastSeq) })];
    queuedChars = outbox[0]!.length;
    graceTimer = setTimeout(() => finish(new Error('client too slow: it did not read its reset')), opts.cutOffGraceMs ?? 30_000);
    graceTimer.unref();
    notify();
  };
  const push = (text: string) => {
    if (state !== 'open') return;
    outbox.push(text);
    queuedChars += text.length;
    if (outbox.length - head > maxQueued || queuedChars > maxQueuedBytes) return cutOff();
    notify();
  };
  const waiting = () => prelude !== '' || replay !== undefined || head < outbox.length;

  /** What the next chunk carries, '' when nothing waits. */
  const nextChunk = (): string => {
    // Alone in the first chunk: the reader that asks for it starts the replay with its next read.
    if (prelude !== '') {
      const first = prelude;
      prelude = '';
      return first;
    }
    let text = '';
    if (replay !== undefined) {
      // Events this client may not see are passed over without counting: a chunk that stays empty
      // would leave the reader waiting for the next live event while missed ones remain.
      let sent = 0;
      while (sent < REPLAY_BATCH && text.length < CHUNK_CHARS && replayed < replay.length) {
        const e = replay[replayed++]!;
        if (!visible(e.cluster, e.namespace)) continue;
        text += formatEncoded(e.json, idOf(e.seq));
        sent++;
      }
      if (replayed < replay.length) return text;
      replay = undefined;
    }
    let end = head;
    while (end < outbox.length && text.length < CHUNK_CHARS) {
      const m = outbox[end++]!;
      text += m;
      queuedChars -= m.length;
    }
    if (end === outbox.length) {
      outbox = [];
      head = 0;
    } else {
      // Taken messages are released in steps, not one shift at a time.
      head = end;
      if (head > 1024 && head * 2 > outbox.length) {
        outbox = outbox.slice(head);
        head = 0;
      }
    }
    return text;
  };

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        opts.signal.addEventListener('abort', onAbort, { once: true });
        if (opts.signal.aborted) return finish();
        releaseClient = log.openClient();
        // Subscribe before replaying so nothing falls between the replay and the live feed.
        unsubscribe = log.subscribe((e, json) => {
          // Only what this client will receive waits (and counts towards cutting it off).
          if (e.seq > replayUpTo && visibleEvent(e)) push(formatEncoded(json(), idOf(e.seq)));
        });
        // Only an idle stream needs one: a client that has messages waiting gets no more by it.
        heartbeat = setInterval(() => {
          if (!waiting()) push(': keep-alive\n\n');
        }, opts.heartbeatMs ?? 15_000);
        prelude = 'retry: 2000\n\n';
        const resume = parseResumeId(opts.resumeFrom, log.epoch);
        if (resume === undefined) {
          push(formatEvent('hello', { lastEventId: idOf(log.lastSeq) }, idOf(log.lastSeq)));
          return;
        }
        const missed = resume === 'other-epoch' ? undefined : log.sinceEncoded(resume);
        if (missed === undefined) {
          push(formatEvent('reset', { reason: 'resume point no longer available: reload the state', lastEventId: idOf(log.lastSeq) }, idOf(log.lastSeq)));
          return;
        }
        if (missed.length > 0) {
          replay = missed;
          replayUpTo = missed.at(-1)!.seq;
        }
      },
      async pull(c) {
        // Called only while the reader waits for a chunk (high-water mark 0), so what is enqueued
        // goes to the reader and nothing builds up in the stream's own queue.
        for (;;) {
          if (state === 'ended') return;
          const text = nextChunk();
          if (text !== '') {
            c.enqueue(encoder.encode(text));
            if (state === 'cut-off' && !waiting()) finish();
            return;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: 0 },
  );
}
