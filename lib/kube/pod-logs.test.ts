/**
 * fetchContainerLog against a local stand-in for the API server that answers `pods/log` the way
 * the kubelet does (test-cluster/kubelet.go): the last tailLines lines, then the FIRST limitBytes
 * of them. The crashes are real Go output (lib/health/__fixtures__/crashes).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCrashLog } from '../health/crash-parser';
import { fetchContainerLog, MAX_LOG_REQUESTS } from './pod-logs';

const crash = (name: string) => readFileSync(new URL(`../health/__fixtures__/crashes/${name}`, import.meta.url), 'utf8');

/** test-cluster/kubelet.go's tailLines: a final newline ends the last line rather than starting one. */
function tail(data: Buffer, n: number): Buffer {
  let end = data.length;
  if (end > 0 && data[end - 1] === 0x0a) end--;
  for (let i = end - 1; i >= 0; i--) if (data[i] === 0x0a && --n === 0) return data.subarray(i + 1);
  return data;
}

const logs = new Map<string, Buffer>();
let requests: number[] = [];
/** Pods whose log is sent a byte at a time, `every` ms apart, once `after` requests were answered at once. */
const trickle = new Map<string, { every: number; after: number }>();
const answered = new Map<string, number>();

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const pod = /\/pods\/([^/]+)\/log$/.exec(url.pathname)?.[1] ?? '';
  const n = Number(url.searchParams.get('tailLines'));
  requests.push(n);
  const body = tail(logs.get(pod) ?? Buffer.alloc(0), n).subarray(0, Number(url.searchParams.get('limitBytes')));
  res.writeHead(200, { 'content-type': 'text/plain' });
  const slow = trickle.get(pod);
  answered.set(pod, (answered.get(pod) ?? 0) + 1);
  if (!slow || answered.get(pod)! <= slow.after) return res.end(body);
  let i = 0;
  const t = setInterval(() => (i < body.length ? res.write(body.subarray(i, ++i)) : (clearInterval(t), res.end())), slow.every);
  res.on('close', () => clearInterval(t));
});

let kc: KubeConfig;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests = [];
});

const LIMIT = 256 * 1024;
const fetchLog = (pod: string, o: { tailLines?: number; limitBytes?: number; timeoutMs?: number } = {}) =>
  fetchContainerLog(kc, 'ns', pod, { container: 'app', previous: true, tailLines: o.tailLines ?? 500, limitBytes: o.limitBytes ?? LIMIT, timeoutMs: o.timeoutMs ?? 10_000 });

describe('the end of the log is read even when the tail is longer than limitBytes', () => {
  it('500 lines of 694-byte JSON logs, then a Go panic: a shorter tail that fits and ends with the panic', async () => {
    const jsonLine = (i: number) => JSON.stringify({ level: 'info', ts: 1764139208.123, caller: 'controller/reconcile.go:212', msg: 'reconciled', request: i, object: { kind: 'Pod', namespace: 'shop', name: `web-${i}` }, spec: 'x'.repeat(520) });
    const panic = crash('go-errpanic.txt');
    logs.set('json', Buffer.from(`${Array.from({ length: 5000 }, (_, i) => jsonLine(i)).join('\n')}\n${panic}`));
    const log = await fetchLog('json');
    expect(log.text.endsWith(panic)).toBe(true);
    expect(log.bytes).toBeLessThanOrEqual(LIMIT);
    expect(log).toMatchObject({ truncated: true, atEnd: true, requests: 2 });
    expect(log.tailLines).toBeLessThan(500);
    expect(parseCrashLog(log.text, { exitCode: 2 })?.message).toMatch(/^startup failed:/);
  });

  it('5 MB without a newline, then a Go panic of 11 lines: the whole panic, not the long line’s start', async () => {
    const panic = crash('go-repanic.txt');
    logs.set('long', Buffer.from(`progress:${'.'.repeat(5_000_000)}\n${panic}`));
    const log = await fetchLog('long');
    expect(log.text).toBe(panic);
    expect(log).toMatchObject({ truncated: true, atEnd: true });
    expect(requests.length).toBeLessThanOrEqual(MAX_LOG_REQUESTS);
    expect(parseCrashLog(log.text, { exitCode: 2 })).toMatchObject({ message: 'assignment to entry in nil map', frame: { file: 'main.go', line: 10 } });
  });

  it('lines that grow towards the end (a debug dump before the crash): halving finds a tail that fits within the requests', async () => {
    const panic = crash('go-repanic.txt');
    const short = Array.from({ length: 450 }, (_, i) => `I ok ${i}`);
    const dump = Array.from({ length: 40 }, () => 'd'.repeat(10 * 1024));
    logs.set('growing', Buffer.from(`${[...short, ...dump].join('\n')}\n${panic}`));
    const log = await fetchLog('growing');
    expect(log.text.endsWith(panic)).toBe(true);
    expect(log).toMatchObject({ truncated: true, atEnd: true });
    expect(requests.length).toBeLessThanOrEqual(MAX_LOG_REQUESTS);
  });

  it('a tail that fits is read once, whole', async () => {
    const panic = crash('go-repanic.txt');
    logs.set('short', Buffer.from(`starting\n${panic}`));
    const log = await fetchLog('short');
    expect(log).toMatchObject({ text: `starting\n${panic}`, truncated: false, atEnd: true, tailLines: 500, requests: 1 });
  });

  it('a last line longer than limitBytes: its start, never more than limitBytes, and said so', async () => {
    logs.set('huge', Buffer.from(`a\nb\n${'y'.repeat(100_000)}\n`));
    const log = await fetchLog('huge', { limitBytes: 4096 });
    expect(log).toMatchObject({ text: 'y'.repeat(4096), bytes: 4096, truncated: true, atEnd: false, tailLines: 1 });
  });
});

describe('time', () => {
  it('a body that trickles in is bounded by timeoutMs (the socket timeout only sees inactivity)', async () => {
    logs.set('drip', Buffer.from('x'.repeat(40)));
    trickle.set('drip', { every: 100, after: 0 });
    const t = performance.now();
    await expect(fetchLog('drip', { timeoutMs: 700 })).rejects.toThrow(/no complete answer within 700ms/);
    expect(performance.now() - t).toBeLessThan(2_000);
  });

  it('the requests after a cut answer share timeoutMs; when it is spent, the cut answer is what there is', async () => {
    logs.set('slow', Buffer.from(`${'z'.repeat(300)}\n${'w'.repeat(5000)}\n`));
    trickle.set('slow', { every: 100, after: 1 });
    const t = performance.now();
    const log = await fetchLog('slow', { limitBytes: 4096, timeoutMs: 500 });
    expect(performance.now() - t).toBeLessThan(1_500);
    expect(log).toMatchObject({ bytes: 4096, truncated: true, atEnd: false, tailLines: 500, requests: 2 });
    expect(log.text.startsWith('z'.repeat(300))).toBe(true);
  });
});
