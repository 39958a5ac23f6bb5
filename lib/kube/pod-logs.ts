/**
 * A container's log through the API server (`pods/log`), always bounded: `tailLines` and
 * `limitBytes` go to the kubelet, which reads only the tail of the file, and this side stops
 * reading at `limitBytes` as well in case anything in between ignores the limit. The text is
 * returned to the caller only; nothing here keeps or logs it.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, open, readBody, toApiError } from './http';

export interface LogFetchOptions {
  container: string;
  /** The previous, terminated instance (`kubectl logs --previous`): where a crash is. */
  previous: boolean;
  tailLines: number;
  limitBytes: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FetchedLog {
  text: string;
  /** Bytes received. */
  bytes: number;
  /** Reached limitBytes: the text is cut (at its end; tailLines already cut its start). */
  truncated: boolean;
  ms: number;
}

export function podLogPath(namespace: string, pod: string, o: Pick<LogFetchOptions, 'container' | 'previous' | 'tailLines' | 'limitBytes'>): string {
  const q = new URLSearchParams({ container: o.container, tailLines: String(o.tailLines), limitBytes: String(o.limitBytes) });
  if (o.previous) q.set('previous', 'true');
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${q.toString()}`;
}

export async function fetchContainerLog(kc: KubeConfig, namespace: string, pod: string, o: LogFetchOptions): Promise<FetchedLog> {
  if (!(o.tailLines > 0) || !(o.limitBytes > 0)) throw new Error('a log fetch needs tailLines and limitBytes above 0');
  const started = performance.now();
  const path = podLogPath(namespace, pod, o);
  // The body is text/plain; errors are Status objects in JSON (kubectl asks for the same).
  const res = await open(kc, path, { accept: 'application/json, */*', timeoutMs: o.timeoutMs ?? 10_000, ...(o.signal ? { signal: o.signal } : {}) });
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw toApiError(status, await readBody(res), path);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;
    const finish = (truncated: boolean) => {
      if (done) return;
      done = true;
      const buf = Buffer.concat(chunks, Math.min(bytes, o.limitBytes));
      resolve({ text: buf.toString('utf8'), bytes: buf.length, truncated, ms: performance.now() - started });
    };
    res.on('data', (c: Buffer) => {
      chunks.push(c);
      bytes += c.length;
      if (bytes >= o.limitBytes) {
        finish(true);
        res.destroy();
      }
    });
    res.on('end', () => finish(bytes >= o.limitBytes));
    res.on('error', (err) => {
      if (!done) reject(new KubeApiError(0, 'ConnectionError', `${path}: ${err.message}`));
    });
  });
}
