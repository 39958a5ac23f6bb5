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
  /** Queued messages after which a slow client is cut off (it reconnects and resumes or reloads). */
  maxQueued?: number;
  /** Only events of objects in these namespaces (per-user scoping); default all. */
  namespaceVisible?: (namespace: string) => boolean;
  /** Called once when the stream ends, however it ends (frees the caller's per-user slot). */
  onClose?: () => void;
}

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

/** Missed events sent per pull while a resume replays: the client's reading paces the replay. */
const REPLAY_BATCH = 256;

export function driftEventStream(opts: StreamOptions): ReadableStream<Uint8Array> {
  const { log } = opts;
  const maxQueued = opts.maxQueued ?? 20_000;
  const wantedCluster = (cluster: string) => !opts.clusters || opts.clusters.includes(cluster);
  const visible = (cluster: string, namespace: string) => wantedCluster(cluster) && (!opts.namespaceVisible || opts.namespaceVisible(namespace));
  const visibleEvent = (e: DriftEvent) => visible(e.type === 'upsert' ? e.state.cluster : e.cluster, namespaceOfEvent(e));
  const idOf = (seq: number) => `${log.epoch}.${seq}`;
  let closed = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let unsubscribe = () => undefined as unknown;
  // A resume's missed events (references to what the log keeps), sent as the client reads them;
  // events that happen meanwhile wait in `pending` and follow the replay.
  let replay: EncodedEvent[] | undefined;
  let replayed = 0;
  const pending: [DriftEvent, () => string][] = [];
  let cleanup = () => undefined as void;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const tooSlow = () => {
          controller.enqueue(encoder.encode(formatEvent('reset', { reason: 'client too slow', lastEventId: idOf(log.lastSeq) })));
          close();
        };
        const send = (text: string) => {
          if (closed) return;
          controller.enqueue(encoder.encode(text));
          if ((controller.desiredSize ?? 0) < -maxQueued) tooSlow();
        };
        const sendEvent = (e: DriftEvent, json: () => string) => {
          if (visibleEvent(e)) send(formatEncoded(json(), idOf(e.seq)));
        };
        function close() {
          if (closed) return;
          closed = true;
          clearInterval(heartbeat);
          unsubscribe();
          replay = undefined;
          pending.length = 0;
          opts.onClose?.();
          try {
            controller.close();
          } catch {
            // already closed by the client going away
          }
        }
        cleanup = close;
        // Subscribe before replaying so nothing falls between the replay and the live feed.
        unsubscribe = log.subscribe(
          (e, json) => {
            if (replay === undefined) return sendEvent(e, json);
            // Only what this client will receive waits (and counts towards cutting it off).
            if (!visibleEvent(e)) return;
            pending.push([e, json]);
            if (pending.length > maxQueued) tooSlow();
          },
          { client: true },
        );
        heartbeat = setInterval(() => send(': keep-alive\n\n'), opts.heartbeatMs ?? 15_000);
        opts.signal.addEventListener('abort', close, { once: true });
        if (opts.signal.aborted) return close();
        const resume = parseResumeId(opts.resumeFrom, log.epoch);
        send('retry: 2000\n\n');
        if (resume === undefined) {
          send(formatEvent('hello', { lastEventId: idOf(log.lastSeq) }, idOf(log.lastSeq)));
          return;
        }
        const missed = resume === 'other-epoch' ? undefined : log.sinceEncoded(resume);
        if (missed === undefined) {
          send(formatEvent('reset', { reason: 'resume point no longer available: reload the state', lastEventId: idOf(log.lastSeq) }, idOf(log.lastSeq)));
          return;
        }
        if (missed.length > 0) replay = missed;
      },
      pull(controller) {
        if (closed || replay === undefined) return;
        // Until something is sent: a pull that enqueues nothing is not called again (the stream
        // waits for the reader's next read), so a batch this client may not see must not end it.
        let sent = 0;
        while (sent < REPLAY_BATCH && replayed < replay.length) {
          const e = replay[replayed++]!;
          if (!visible(e.cluster, e.namespace)) continue;
          controller.enqueue(encoder.encode(formatEncoded(e.json, idOf(e.seq))));
          sent++;
        }
        if (replayed < replay.length) return;
        const upTo = replay.at(-1)!.seq;
        replay = undefined;
        for (const [e, json] of pending.splice(0)) {
          if (e.seq > upTo) controller.enqueue(encoder.encode(formatEncoded(json(), idOf(e.seq))));
        }
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: 0 },
  );
}
