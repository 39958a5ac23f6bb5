/**
 * The dashboard's live runtime (lib/live, no Next.js) in this process, on bench:live's objects:
 * for profiling start-up, memory and the event path without a server in the way.
 *
 *   DRIFTWATCH_TEST_CLUSTER_STATE_DIR=DIR npx tsx bench/live-profile.ts --run ID [options]
 *   DRIFTWATCH_TEST_CLUSTER_STATE_DIR=DIR node --cpu-prof --cpu-prof-dir /tmp/prof --import tsx bench/live-profile.ts --run ID
 *   node --expose-gc --import tsx bench/live-profile.ts --run ID --heap-snapshot /tmp/live.heapsnapshot
 *
 * Options: --pods N --crs N (as bench:live), --run ID (reuse that run's objects; created when
 * missing), --heap-snapshot FILE (v8.writeHeapSnapshot once the state is complete), --mutations N
 * and --rate R (stream delay through the event log and the SSE encoder, against a bare watch),
 * --baseline (first a bare paginated LIST with client-node, as bench:live), --history (record into
 * the drift history store, SQLite, as the server does), --exit-after MS (exit that long after the
 * measurements without stopping anything, so --cpu-prof shows background work), --hold (keep running
 * after the measurements, e.g. for `node --inspect`).
 *
 * Prints a timeline of start-up (manifests loaded, resources synced, state complete), memory
 * (RSS, VmHWM, V8 heap, after a GC when --expose-gc is given) and the stream delays.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import * as k8s from '@kubernetes/client-node';
import { loadDashboardConfig } from '../lib/config/dashboard-config';
import { runtimeOptions } from '../lib/live/runtime-options';
import { LiveRuntime } from '../lib/live/runtime';
import { openStore } from '../lib/store';
import { driftEventStream } from '../lib/live/sse';
import { CONTENT_TYPE, kubeWrite } from '../testing/kube-write';
import { bareList } from './bare-list-process.mjs';
import { benchCluster, progress } from './bench-cluster';
import { argValue, bareWatch, liveFixture, MANAGER, MUTATOR } from './live-fixture';

const argv = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const v = argValue(argv, name);
  return v === undefined ? dflt : Number(v);
};
const PODS = num('--pods', 10_000);
const CRS = num('--crs', 5_000);
const MUTATIONS = num('--mutations', 0);
const RATE = num('--rate', 200);
const HEAP_SNAPSHOT = argValue(argv, '--heap-snapshot');

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN);
};
const statusKiB = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
const gc = (globalThis as { gc?: () => void }).gc;

const cluster = await benchCluster();
const work = mkdtempSync(join(tmpdir(), 'driftwatch-live-profile-'));
try {
  const fixture = await liveFixture(cluster, { pods: PODS, crs: CRS, workDir: work, ...(argValue(argv, '--run') ? { run: argValue(argv, '--run') } : {}) });
  const expected = fixture.objects.length;
  // Only what the mutations need stays referenced: the heap figures are the runtime's.
  const podPaths = fixture.objects.filter(({ o }) => o.resource === 'pods').map(({ o, ns }) => fixture.pathOf(o, ns, { fieldManager: MUTATOR }));
  fixture.objects.length = 0;
  const config = loadDashboardConfig({
    KUBECONFIG: cluster.state.kubeconfig,
    DRIFTWATCH_MANIFESTS: fixture.manifests,
    DRIFTWATCH_FIELD_MANAGER: MANAGER,
  });
  process.env.KUBECONFIG = cluster.state.kubeconfig;
  let bareListMs: number | undefined;
  if (argv.includes('--baseline')) {
    // bench:live's baseline: a plain paginated LIST of the same objects with client-node.
    const start = performance.now();
    await bareList(k8s, cluster.kc, { group: fixture.group, plural: 'widgets' });
    bareListMs = performance.now() - start;
    progress(`bare paginated LIST: ${Math.round(bareListMs)} ms`);
  }
  const t0 = performance.now();
  const at = () => `${Math.round(performance.now() - t0)} ms`.padStart(9);
  // --history: the drift history store as the server opens it (SQLite in a scratch directory).
  const store = argv.includes('--history') ? await openStore({ dataDir: join(work, 'history'), log: () => undefined }) : undefined;
  const runtime = new LiveRuntime({ ...runtimeOptions(config), ...(store ? { store } : {}), log: (m) => progress(`${at()}  ${m}`) });
  const heapBefore = process.memoryUsage();
  // CPU spent by this process until the state is complete: on a busy machine a steadier measure
  // of the runtime's own cost than wall time, which also waits for the API server.
  const cpuBefore = process.cpuUsage();
  progress(`${at()}  start (RSS ${mib(heapBefore.rss)})`);
  const started = runtime.start().then(() => progress(`${at()}  runtime.start() resolved`));

  // Milestones, polled: resources synced one by one, then the complete state.
  const synced = new Set<string>();
  let completeMs = NaN;
  for (;;) {
    for (const r of runtime.resourceStates()) {
      const key = `${r.group}/${r.resource}`;
      if (r.status !== 'syncing' && !synced.has(key)) {
        synced.add(key);
        progress(`${at()}  ${key} ${r.status} (${r.objects} objects)`);
      }
    }
    let evaluated = 0;
    // Counting 15,000 states every 25 ms would be a good part of this process's work: only once ready.
    if (runtime.isReady()) for (const s of runtime.states()) if (s.status === 'in-sync' || s.status === 'drifted') evaluated++;
    if (evaluated >= expected) {
      completeMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpuBefore);
      progress(`${at()}  complete: ${evaluated} objects evaluated, ${runtime.events.lastSeq} events logged; CPU ${Math.round(cpu.user / 1000)} ms user + ${Math.round(cpu.system / 1000)} ms system`);
      break;
    }
    if (performance.now() - t0 > 600_000) throw new Error(`no complete state after 10 minutes (${evaluated}/${expected})`);
    await new Promise((r) => setTimeout(r, 25));
  }
  await started;

  const mem = () => {
    const m = process.memoryUsage();
    return `RSS ${mib(m.rss)}, VmHWM ${mib(statusKiB('VmHWM') * 1024)}, heap used ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, external ${mib(m.external)}, array buffers ${mib(m.arrayBuffers)}`;
  };
  progress(`memory at complete: ${mem()}`);
  if (gc) {
    gc();
    progress(`memory after a full GC: ${mem()}`);
    for (const s of v8.getHeapSpaceStatistics()) if (s.space_used_size > 1 << 20) progress(`  ${s.space_name.padEnd(24)} ${mib(s.space_used_size)}`);
  }
  if (HEAP_SNAPSHOT) {
    progress(`writing a heap snapshot to ${HEAP_SNAPSHOT}`);
    v8.writeHeapSnapshot(HEAP_SNAPSHOT);
  }

  let stream: Record<string, unknown> | undefined;
  if (MUTATIONS > 0) {
    progress(`stream delay: ${MUTATIONS} mutations at ${RATE}/s`);
    const { kc } = cluster;
    const nonce = Date.now().toString(36);
    const tagIn = new RegExp(`"live":"(${nonce}-\\d+)"`);
    const sent = new Map<string, number>();
    const logArrival = new Map<string, number>();
    const sseArrival = new Map<string, number>();
    const watchArrival = new Map<string, number>();
    // The event log as the runtime fills it...
    const unsubscribe = runtime.events.subscribe((e) => {
      if (e.type !== 'upsert') return;
      const tag = e.state.labels['bench-seq'];
      if (tag?.startsWith(nonce) && !logArrival.has(tag)) logArrival.set(tag, performance.now());
    });
    // ...and encoded for a stream client, as the route serves it (without HTTP).
    const ac = new AbortController();
    const reader = driftEventStream({ log: runtime.events, signal: ac.signal }).getReader();
    const decoder = new TextDecoder();
    const sseDone = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          const now = performance.now();
          const text = decoder.decode(value, { stream: true });
          for (const m of text.matchAll(new RegExp(tagIn, 'g'))) if (!sseArrival.has(m[1]!)) sseArrival.set(m[1]!, now);
        }
      } catch {
        // aborted
      }
    })();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const from = (await core.listPodForAllNamespaces({ limit: 1 })).metadata?.resourceVersion;
    const watch = await bareWatch(kc, from, (obj) => {
      const tag = obj.metadata?.labels?.['bench-seq'];
      if (tag?.startsWith(nonce) && !watchArrival.has(tag)) watchArrival.set(tag, performance.now());
    });
    await new Promise((r) => setTimeout(r, 1000));
    const startAt = performance.now();
    const pending: Promise<unknown>[] = [];
    for (let k = 0; k < MUTATIONS; k++) {
      const wait = startAt + (k * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const path = podPaths[(k * 7919) % podPaths.length]!;
      const tag = `${nonce}-${k}`;
      pending.push(kubeWrite(kc, 'PATCH', path, { metadata: { labels: { 'bench-seq': tag } } }, CONTENT_TYPE.merge).then(() => sent.set(tag, performance.now())));
    }
    await Promise.all(pending);
    const achieved = MUTATIONS / ((performance.now() - startAt) / 1000);
    for (let last = -1, since = performance.now(); sseArrival.size < MUTATIONS || watchArrival.size < MUTATIONS; ) {
      const n = sseArrival.size + watchArrival.size;
      if (n !== last) [last, since] = [n, performance.now()];
      else if (performance.now() - since > 30_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    ac.abort();
    unsubscribe();
    watch.stop();
    if (watch.ends.length > 0) progress(`the bare watch ended ${watch.ends.length} time(s) and was reopened: ${[...new Set(watch.ends)].join('; ')}`);
    await sseDone;
    const summary = (arrivals: Map<string, number>) => {
      const d = [...arrivals].flatMap(([tag, t]) => (sent.has(tag) ? [Math.max(0, t - sent.get(tag)!)] : []));
      return { events: d.length, p50: Math.round(percentile(d, 50)), p99: Math.round(percentile(d, 99)), max: Math.round(Math.max(...d)) };
    };
    stream = { achievedRate: Math.round(achieved), eventLog: summary(logArrival), sse: summary(sseArrival), bareWatch: summary(watchArrival) };
    progress(`memory after the mutations: ${mem()}`);
    if (gc) {
      gc();
      progress(`memory after a full GC: ${mem()}`);
    }
    progress(`achieved ${Math.round(achieved)}/s`);
    for (const [k, v] of Object.entries(stream)) if (typeof v === 'object') progress(`  ${k.padEnd(10)} ${JSON.stringify(v)}`);
  }

  console.log(JSON.stringify({ objects: expected, completeMs: Math.round(completeMs), ...(bareListMs === undefined ? {} : { bareListMs: Math.round(bareListMs), ratio: +(completeMs / bareListMs).toFixed(2) }), vmHwmMiB: Math.round(statusKiB('VmHWM') / 1024), stream }));
  const exitAfter = argValue(argv, '--exit-after');
  if (exitAfter !== undefined) {
    // What keeps running after the complete state (the history store, say), for --cpu-prof; no stop().
    await new Promise((r) => setTimeout(r, Number(exitAfter)));
    process.exit(0);
  }
  if (argv.includes('--hold')) {
    progress('holding (Ctrl-C to end)');
    await new Promise<void>((r) => process.once('SIGINT', () => r()));
  }
  await runtime.stop();
} finally {
  await cluster.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);
