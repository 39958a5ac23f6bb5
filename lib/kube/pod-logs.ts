/**
 * A container's log through the API server (`pods/log`), always bounded: `tailLines` and
 * `limitBytes` go to the kubelet, which reads only the tail of the file, and this side stops
 * reading at `limitBytes` as well in case anything in between ignores the limit. The text is
 * returned to the caller only; nothing here keeps or logs it.
 *
 * The kubelet applies tailLines first and then keeps the FIRST limitBytes of that tail, so when
 * the tail is longer than limitBytes (long JSON lines, one line with no newline for megabytes) the
 * log's end — where a crash is — is what gets cut. A cut answer is therefore asked for again with
 * fewer lines until a tail fits (readLogTail): each request is still bounded by limitBytes, all of
 * them together by timeoutMs and by MAX_LOG_REQUESTS, and the text returned is at most limitBytes.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, open, readBody, toApiError } from './http';

export interface LogFetchOptions {
  container: string;
  /** The previous, terminated instance (`kubectl logs --previous`): where a crash is. */
  previous: boolean;
  tailLines: number;
  limitBytes: number;
  /** For the whole fetch, however many requests it takes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FetchedLog {
  text: string;
  /** Bytes of text: at most limitBytes. */
  bytes: number;
  /**
   * The byte limit cut the log: the text holds fewer lines than tailLines asked (a shorter tail was
   * read so that the log's end is in it), or its end is missing (atEnd false).
   */
  truncated: boolean;
  /** The text runs to the end of the log: false only when no tail tried fitted within limitBytes. */
  atEnd: boolean;
  /** The tailLines the text was read with: fewer than asked when the first answer was cut. */
  tailLines: number;
  /** Requests made to the API server. */
  requests: number;
  ms: number;
}

/** One request's answer: the kubelet's tail of some lines, cut at limitBytes. */
export interface LogRead {
  text: string;
  bytes: number;
  /** Reached limitBytes: the end of that tail is missing. */
  truncated: boolean;
}

/** Reads the last `tailLines` lines (cut at limitBytes) within `timeoutMs`. */
export type ReadLogTail = (tailLines: number, timeoutMs: number) => Promise<LogRead>;

/** Requests per log at most: a search for a tail that fits halves its range with each. */
export const MAX_LOG_REQUESTS = 10;

export function podLogPath(namespace: string, pod: string, o: Pick<LogFetchOptions, 'container' | 'previous' | 'tailLines' | 'limitBytes'>): string {
  const q = new URLSearchParams({ container: o.container, tailLines: String(o.tailLines), limitBytes: String(o.limitBytes) });
  if (o.previous) q.set('previous', 'true');
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${q.toString()}`;
}

export async function fetchContainerLog(kc: KubeConfig, namespace: string, pod: string, o: LogFetchOptions): Promise<FetchedLog> {
  if (!(o.tailLines > 0) || !(o.limitBytes > 0)) throw new Error('a log fetch needs tailLines and limitBytes above 0');
  const read: ReadLogTail = (tailLines, timeoutMs) => readOnce(kc, podLogPath(namespace, pod, { ...o, tailLines }), o.limitBytes, timeoutMs, o.signal);
  return readLogTail(read, { tailLines: o.tailLines, timeoutMs: o.timeoutMs ?? 10_000, ...(o.signal ? { signal: o.signal } : {}) });
}

async function readOnce(kc: KubeConfig, path: string, limitBytes: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<LogRead> {
  const deadline = performance.now() + timeoutMs;
  // The body is text/plain; errors are Status objects in JSON (kubectl asks for the same).
  const res = await open(kc, path, { accept: 'application/json, */*', timeoutMs, ...(signal ? { signal } : {}) });
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw toApiError(status, await readBody(res), path);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;
    // The socket timeout in open() is one of inactivity: a body that trickles in is bounded here.
    const timer = setTimeout(() => fail(`no complete answer within ${timeoutMs}ms`), Math.max(0, deadline - performance.now()));
    const fail = (message: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      res.destroy();
      reject(new KubeApiError(0, 'ConnectionError', `${path}: ${message}`));
    };
    const finish = (truncated: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const buf = Buffer.concat(chunks, Math.min(bytes, limitBytes));
      resolve({ text: buf.toString('utf8'), bytes: buf.length, truncated });
    };
    res.on('data', (c: Buffer) => {
      chunks.push(c);
      bytes += c.length;
      if (bytes >= limitBytes) {
        finish(true);
        res.destroy();
      }
    });
    res.on('end', () => finish(bytes >= limitBytes));
    res.on('error', (err) => fail(err.message));
    res.on('close', () => fail('the connection closed before the log ended'));
  });
}

interface Probe {
  tailLines: number;
  read: LogRead;
}

const completeLines = (text: string) => text.split('\n').length - 1;

/**
 * The next tail to ask for, or undefined when there is none better. While every tail tried was
 * cut: as many lines as fitted in the smallest cut one (less a tenth for the line the cut went
 * through), taking the lines at the log's end to be as long as those its text shows; when not one
 * line fitted (a line longer than limitBytes), an eighth of it, blindly; scaled once and still cut,
 * half of it (the lines grow towards the end) or less. After such a step fitted,
 * halfway back up towards the cut tail, so that the lines between that long line and the end —
 * the start of a crash among them — are read too, until the gap is an eighth of what fitted (the
 * lines lost then are the farthest from the end).
 */
function nextTail(fit: Probe | undefined, cut: Probe, blind: boolean, cuts: number): { tailLines: number; blind: boolean } | undefined {
  if (fit) {
    const gap = cut.tailLines - fit.tailLines;
    return blind && gap > 1 && gap > fit.tailLines / 8 ? { tailLines: fit.tailLines + Math.floor(gap / 2), blind } : undefined;
  }
  if (cut.tailLines <= 1) return undefined;
  const fitted = completeLines(cut.read.text);
  if (fitted > 0 && cuts === 1) return { tailLines: Math.max(1, Math.min(cut.tailLines - 1, Math.floor(fitted * 0.9))), blind: false };
  // Scaled once and still cut: the lines grow towards the end, and a tenth less per request would
  // spend every request before one fits. Halving finds a tail that fits within the requests left,
  // and the search then goes back up towards the cut one (as after a blind step).
  const next = fitted > 0 ? Math.min(Math.floor(fitted * 0.9), Math.floor(cut.tailLines / 2)) : Math.floor(cut.tailLines / 8);
  return { tailLines: Math.max(1, Math.min(cut.tailLines - 1, next)), blind: true };
}

/**
 * The log's tail as `read` gives it, asked again with fewer lines while the answer comes back cut
 * at limitBytes (see nextTail), within timeoutMs and MAX_LOG_REQUESTS in all. The largest tail
 * that fitted is returned; when none did, the smallest one tried (the nearest to the end). A later
 * request failing (time up) leaves the best answer so far; the first one's error is thrown, and so
 * is any once the caller aborted.
 */
export async function readLogTail(read: ReadLogTail, o: { tailLines: number; timeoutMs: number; signal?: AbortSignal }): Promise<FetchedLog> {
  const started = performance.now();
  const first: Probe = { tailLines: o.tailLines, read: await read(o.tailLines, o.timeoutMs) };
  let fit = first.read.truncated ? undefined : first;
  let cut = first;
  let blind = false;
  let requests = 1;
  let cuts = first.read.truncated ? 1 : 0;
  while (fit !== first && requests < MAX_LOG_REQUESTS) {
    const next = nextTail(fit, cut, blind, cuts);
    const left = o.timeoutMs - (performance.now() - started);
    if (!next || left <= 0) break;
    requests++;
    let probe: Probe;
    try {
      probe = { tailLines: next.tailLines, read: await read(next.tailLines, left) };
    } catch (err) {
      if (o.signal?.aborted) throw err;
      break;
    }
    blind = next.blind;
    if (probe.read.truncated) {
      cut = probe;
      cuts++;
    } else fit = probe;
  }
  const best = fit ?? cut;
  return { ...best.read, truncated: first.read.truncated, atEnd: !best.read.truncated, tailLines: best.tailLines, requests, ms: performance.now() - started };
}
