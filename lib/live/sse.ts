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

export function driftEventStream(opts: StreamOptions): ReadableStream<Uint8Array> {
  const { log } = opts;
  const wantedCluster = (cluster: string) => !opts.clusters || opts.clusters.includes(cluster);
  const idOf = (seq: number) => `${log.epoch}.${seq}`;
  let cleanup = () => undefined as void;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let closed = false;
        const send = (text: string) => {
          if (closed) return;
          controller.enqueue(encoder.encode(text));
          if ((controller.desiredSize ?? 0) < -(opts.maxQueued ?? 20_000)) {
            controller.enqueue(encoder.encode(formatEvent('reset', { reason: 'client too slow', lastEventId: idOf(log.lastSeq) })));
            close();
          }
        };
        const sendEvent = (e: DriftEvent, json: () => string) => {
          if (wantedCluster(e.type === 'upsert' ? e.state.cluster : e.cluster) && (!opts.namespaceVisible || opts.namespaceVisible(namespaceOfEvent(e)))) send(formatEncoded(json(), idOf(e.seq)));
        };
        const sendKept = (e: EncodedEvent) => {
          if (wantedCluster(e.cluster) && (!opts.namespaceVisible || opts.namespaceVisible(e.namespace))) send(formatEncoded(e.json, idOf(e.seq)));
        };
        // Subscribe before replaying so nothing falls between the replay and the live feed.
        const pending: [DriftEvent, () => string][] = [];
        let replaying = true;
        const unsubscribe = log.subscribe((e, json) => (replaying ? pending.push([e, json]) : sendEvent(e, json)));
        const resume = parseResumeId(opts.resumeFrom, log.epoch);
        send('retry: 2000\n\n');
        const replayedUpTo = log.lastSeq;
        if (resume === undefined) {
          send(formatEvent('hello', { lastEventId: idOf(log.lastSeq) }, idOf(log.lastSeq)));
        } else {
          const missed = resume === 'other-epoch' ? undefined : log.sinceEncoded(resume);
          if (missed === undefined) {
            send(formatEvent('reset', { reason: 'resume point no longer available: reload the state', lastEventId: idOf(log.lastSeq) }, idOf(log.lastSeq)));
          } else {
            for (const e of missed) sendKept(e);
          }
        }
        replaying = false;
        for (const [e, json] of pending) if (e.seq > replayedUpTo) sendEvent(e, json);
        const heartbeat = setInterval(() => send(': keep-alive\n\n'), opts.heartbeatMs ?? 15_000);
        function close() {
          if (closed) return;
          closed = true;
          clearInterval(heartbeat);
          unsubscribe();
          opts.onClose?.();
          try {
            controller.close();
          } catch {
            // already closed by the client going away
          }
        }
        cleanup = close;
        opts.signal.addEventListener('abort', close, { once: true });
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: 0 },
  );
}
