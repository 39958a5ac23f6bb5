/**
 * npm run bench:store [-- --json] [--transitions N] [--objects N] [--backend sqlite|postgres|both] [--repeat N]
 *
 * For each backend: sustained transition writes per second through the store's real write path
 * (recordObjectState → queue → derivation → batched transactions, until flush() resolves), the
 * time of the 7-day drift chart query over the recorded history, and beside it a bare baseline
 * in the same run: the same transition rows (same 12 columns, as many per transaction as the store
 * run averaged, same multi-row INSERT / unnest technique) into a table without any index.
 * PostgreSQL is a throwaway server from testing/postgres.ts with its durability settings left on.
 * Store and baseline runs alternate `--repeat` times (default 3), each baseline right after its
 * store run. Rates are the medians of the runs, the ratio the median of the pairs' ratios: on a
 * shared machine the speed of the CPU itself moves by a third within minutes (the same baseline
 * measured 2.15-3.56 µs of CPU per row in one quarter of an hour), so the best of each side
 * compares the store and the baseline in different moments; the best runs are printed as well.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { COLUMNS } from '../lib/store/backend';
import { openStore, sqlitePath } from '../lib/store/open-store';
import { unnestInsertSql } from '../lib/store/postgres-backend';
import type { DriftStore, ObjectStateInput } from '../lib/store/types';
import { startPostgres, type PostgresServer } from '../testing/postgres';
import { median } from './stats';

interface Args {
  json: boolean;
  repeat: number;
  transitions: number;
  objects: number;
  backends: Array<'sqlite' | 'postgres'>;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, repeat: 3, transitions: 1_000_000, objects: 5_000, backends: ['sqlite', 'postgres'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--json') args.json = true;
    else if (a === '--transitions') args.transitions = Number(next());
    else if (a === '--objects') args.objects = Number(next());
    else if (a === '--repeat') args.repeat = Number(next());
    else if (a === '--backend') {
      const b = next();
      args.backends = b === 'both' ? ['sqlite', 'postgres'] : b === 'sqlite' || b === 'postgres' ? [b] : [];
      if (args.backends.length === 0) throw new Error(`unknown backend ${b}`);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(args.transitions) || args.transitions < 10_000) throw new Error('--transitions must be an integer >= 10000');
  if (!Number.isInteger(args.objects) || args.objects < 10) throw new Error('--objects must be an integer >= 10');
  if (!Number.isInteger(args.repeat) || args.repeat < 1) throw new Error('--repeat must be an integer >= 1');
  return args;
}

const DAY = 24 * 60 * 60_000;
const T0 = Date.UTC(2025, 0, 1);
const NAMESPACES = 50;
const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Widget'];
/** Every k-th observation of an object reports it in sync (ending its drift), so the chart has movement. */
const IN_SYNC_EVERY = 10;

/** The workload: `objects` objects with two drifting fields each, observed round-robin over 7 days. */
function workload(objects: number, transitions: number) {
  const refs = Array.from({ length: objects }, (_, i) => ({
    cluster: i % 10 === 0 ? 'staging' : 'prod',
    group: 'apps',
    version: 'v1',
    kind: KINDS[i % KINDS.length] ?? 'Deployment',
    namespace: `ns-${i % NAMESPACES}`,
    name: `app-${i}`,
    uid: `uid-${i}`,
  }));
  // Two transitions per drifted observation; in-sync observations close and write none.
  const calls = Math.ceil((transitions / 2) * (IN_SYNC_EVERY / (IN_SYNC_EVERY - 1)));
  const step = (7 * DAY) / calls;
  return {
    calls,
    state(call: number): ObjectStateInput {
      const i = call % objects;
      const round = Math.floor(call / objects);
      const ref = refs[i] ?? refs[0];
      if (!ref) throw new Error('no objects');
      const at = new Date(T0 + Math.floor(call * step));
      // Built as one literal, as the live pipeline builds its report (history-recorder.ts); a
      // spread of the ref here cost more main-thread time than some of the store's own work.
      const { cluster, group, version, kind, namespace, name, uid } = ref;
      if ((round + i) % IN_SYNC_EVERY === 0) return { cluster, group, version, kind, namespace, name, uid, at, status: 'in-sync', changes: [] };
      return {
        cluster,
        group,
        version,
        kind,
        namespace,
        name,
        uid,
        at,
        status: 'drifted',
        source: 'dir:/manifests',
        changes: [
          {
            path: 'spec.replicas',
            op: 'changed',
            desired: 3,
            live: 3 + (round % 7),
            manager: { name: round % 2 ? 'hpa' : 'argocd', operation: 'Update', time: '2025-01-01T00:00:00Z' },
          },
          {
            path: 'spec.template.spec.containers[name=app].image',
            op: 'changed',
            desired: 'registry.example/app:1.0',
            live: `registry.example/app:1.${round}`,
            manager: { name: 'kubectl-set', operation: 'Update' },
          },
        ],
      };
    },
  };
}

interface BackendResult {
  backend: 'sqlite' | 'postgres';
  transitions: number;
  storeSeconds: number;
  /** CPU time of this process (all threads) per transition / per baseline row, in µs. */
  storeCpuUs: number;
  baselineCpuUs: number;
  /** Medians over the runs; `ratio` is the median of each run's store/baseline. */
  storePerSecond: number;
  baselinePerSecond: number;
  ratio: number;
  pairRatios: number[];
  bestStorePerSecond: number;
  bestBaselinePerSecond: number;
  chartColdMs: number;
  chartMs: number;
  chartUngroupedMs: number;
  historyMs: number;
  merged: number;
  dropped: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const tick = () => new Promise<void>((r) => setImmediate(r));

const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/**
 * CPU time per thread of this process (Linux /proc, 10 ms ticks), so the split between the main
 * thread (the caller and derivation) and the SQLite worker shows however loaded the machine is.
 */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(fields[11]) + Number(fields[12])) * 10);
    }
  } catch {
    // not Linux: no per-thread figures
  }
  return out;
}

/** The threads that used the most CPU between two `threadCpuMs()` readings, main thread first. */
function busiestThreads(before: Map<string, number>, after: Map<string, number>): string {
  const main = String(process.pid);
  const used = [...after].map(([tid, ms]) => [tid, ms - (before.get(tid) ?? 0)] as const).filter(([, ms]) => ms > 0);
  used.sort((a, b) => (a[0] === main ? -1 : b[0] === main ? 1 : b[1] - a[1]));
  return used
    .slice(0, 3)
    .map(([tid, ms]) => `${tid === main ? 'main' : `thread ${tid}`} ${(ms / 1000).toFixed(1)} s`)
    .join(', ');
}

async function driveStore(store: DriftStore, w: ReturnType<typeof workload>): Promise<{ seconds: number; cpuUs: number; threads: string }> {
  const started = performance.now();
  const cpu0 = cpuNow();
  const threads0 = threadCpuMs();
  for (let call = 0; call < w.calls; call++) {
    store.recordObjectState(w.state(call));
    if (call % 1_000 === 999) {
      // A producer that respects back-pressure instead of overflowing the queue: it pauses at half
      // the store's default bound (maxQueue 100,000), so nothing is merged or dropped.
      while (store.stats().queued > 50_000) await sleep(1);
      await tick();
    }
  }
  await store.flush();
  return { seconds: (performance.now() - started) / 1000, cpuUs: cpuNow() - cpu0, threads: busiestThreads(threads0, threadCpuMs()) };
}

async function timeIt<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function measureQueries(store: DriftStore) {
  const q = { from: new Date(T0), to: new Date(T0 + 7 * DAY), bucketMs: 60 * 60_000 };
  const chartColdMs = await timeIt(() => store.driftChart({ ...q, groupBy: 'namespace' }));
  const grouped: number[] = [];
  const ungrouped: number[] = [];
  const history: number[] = [];
  for (let i = 0; i < 5; i++) {
    grouped.push(await timeIt(() => store.driftChart({ ...q, groupBy: 'namespace' })));
    ungrouped.push(await timeIt(() => store.driftChart(q)));
    history.push(
      await timeIt(() =>
        store.objectHistory({ cluster: 'prod', group: 'apps', kind: KINDS[1] ?? '', namespace: 'ns-1', name: `app-${1 + i * 100}` }),
      ),
    );
  }
  const chart = await store.driftChart({ ...q, groupBy: 'namespace' });
  if (chart.series.length === 0) throw new Error('chart query returned no series: the workload did not record drift');
  return { chartColdMs, chartMs: median(grouped), chartUngroupedMs: median(ungrouped), historyMs: median(history) };
}

/** The same rows as the store writes, generated as cheaply as possible. */
function* baselineBatches(transitions: number, objects: number, perBatch: number): Generator<unknown[]> {
  const width = COLUMNS.transitions.length;
  const step = (7 * DAY) / (transitions / 2);
  let id = 1;
  let batch: unknown[] = [];
  for (let t = 0; t < transitions; t++) {
    const ep = (t >> 1) % (objects * 2);
    const image = (t & 1) === 1;
    batch.push(
      id,
      ep + 1,
      id > objects * 2 ? id - objects * 2 : null,
      T0 + Math.floor((t >> 1) * step),
      'changed',
      image ? `"registry.example/app:1.${t % 97}"` : String(3 + (t % 7)),
      (t * 2654435761) % 9007199254740991,
      t < objects * 2 ? (image ? '"registry.example/app:1.0"' : '3') : null,
      image ? 1234567 : 7654321,
      image ? 'kubectl-set' : 'hpa',
      'Update',
      image ? null : '2025-01-01T00:00:00Z',
    );
    id++;
    if (batch.length >= perBatch * width) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

const BASELINE_DDL = (int: string) =>
  `CREATE TABLE bare_transitions (id ${int}, episode_id ${int}, prev_id ${int}, at ${int}, op TEXT, live_json TEXT, live_hash ${int},
   desired_json TEXT, desired_hash ${int}, manager TEXT, operation TEXT, manager_time TEXT)`;

/**
 * Rows per baseline transaction: the transitions per transaction of the store run just before
 * (group commit sizes the store's transactions by load; a fixed 10,000 was a third of them).
 */
function perTransaction(st: ReturnType<DriftStore['stats']>): number {
  return Math.max(1, Math.round(st.transitionsWritten / Math.max(1, st.flushes)));
}

function sqliteBaseline(file: string, transitions: number, objects: number, perBatch: number): { perSecond: number; cpuUs: number } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // The store's own settings (see sqlite-backend.ts).
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 10000');
  db.exec(BASELINE_DDL('INTEGER'));
  const width = COLUMNS.transitions.length;
  const rowsPer = Math.floor(768 / width);
  const tuple = `(${COLUMNS.transitions.map(() => '?').join(',')})`;
  const full = db.prepare(`INSERT INTO bare_transitions VALUES ${new Array<string>(rowsPer).fill(tuple).join(',')}`);
  const started = performance.now();
  const cpu0 = cpuNow();
  // Values as arguments, as the store's writer binds them (an array is read element by element
  // through V8's generic lookup: binding costs up to twice as much, which would flatter the store).
  for (const batch of baselineBatches(transitions, objects, perBatch)) {
    db.transaction(() => {
      let i = 0;
      for (; i + rowsPer * width <= batch.length; i += rowsPer * width) full.run(...batch.slice(i, i + rowsPer * width));
      if (i < batch.length) {
        const rest = (batch.length - i) / width;
        db.prepare(`INSERT INTO bare_transitions VALUES ${new Array<string>(rest).fill(tuple).join(',')}`).run(...batch.slice(i));
      }
    })();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = cpuNow() - cpu0;
  db.close();
  return { perSecond: transitions / seconds, cpuUs };
}

async function postgresBaseline(url: string, transitions: number, objects: number, perBatch: number): Promise<{ perSecond: number; cpuUs: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(BASELINE_DDL('BIGINT'));
    const sql = unnestInsertSql('transitions').replace('INSERT INTO transitions', 'INSERT INTO bare_transitions');
    const width = COLUMNS.transitions.length;
    const started = performance.now();
    const cpu0 = cpuNow();
    for (const batch of baselineBatches(transitions, objects, perBatch)) {
      const n = batch.length / width;
      const cols: unknown[][] = [];
      for (let c = 0; c < width; c++) {
        const col = new Array<unknown>(n);
        for (let r = 0; r < n; r++) col[r] = batch[r * width + c];
        cols.push(col);
      }
      await client.query('BEGIN');
      await client.query(sql, cols);
      await client.query('COMMIT');
    }
    return { perSecond: transitions / ((performance.now() - started) / 1000), cpuUs: cpuNow() - cpu0 };
  } finally {
    await client.end();
  }
}

async function runSqlite(args: Args, log: (s: string) => void): Promise<BackendResult> {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-bench-store-'));
  try {
    const w = workload(args.objects, args.transitions);
    const runs: Pair[] = [];
    let q: Awaited<ReturnType<typeof measureQueries>> | undefined;
    // Store and baseline alternate, each pair back to back: the machine may be shared.
    for (let r = 0; r < args.repeat; r++) {
      log(`sqlite run ${r + 1}/${args.repeat}: recording ${w.calls} observations of ${args.objects} objects ...`);
      const storeDir = join(dir, `store-${r}`);
      const store = await openStore({ dataDir: storeDir, retention: { intervalMs: 0 }, log });
      const { seconds, cpuUs, threads } = await driveStore(store, w);
      const st = store.stats();
      log(`${st.transitionsWritten} transitions in ${seconds.toFixed(1)} s, ${st.flushes} transactions; CPU: ${threads}`);
      if (r === args.repeat - 1) q = await measureQueries(store);
      await store.close();
      rmSync(storeDir, { recursive: true, force: true });
      log(`sqlite run ${r + 1}/${args.repeat}: baseline ...`);
      const bareFile = join(dir, `bare-${r}.db`);
      const baseline = sqliteBaseline(bareFile, st.transitionsWritten, args.objects, perTransaction(st));
      runs.push(logPair('sqlite', { seconds, cpuUs, st }, baseline, log));
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${bareFile}${suffix}`, { force: true });
    }
    if (!q) throw new Error('no runs');
    return result('sqlite', runs, q);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runPostgres(args: Args, log: (s: string) => void): Promise<BackendResult> {
  let server: PostgresServer | undefined;
  try {
    server = await startPostgres({ durable: true, log });
    const w = workload(args.objects, args.transitions);
    const runs: Pair[] = [];
    let q: Awaited<ReturnType<typeof measureQueries>> | undefined;
    for (let r = 0; r < args.repeat; r++) {
      log(`postgres run ${r + 1}/${args.repeat}: recording ${w.calls} observations of ${args.objects} objects ...`);
      const store = await openStore({ databaseUrl: await server.createDatabase(`store_${r}`), retention: { intervalMs: 0 }, log });
      const { seconds, cpuUs, threads } = await driveStore(store, w);
      const st = store.stats();
      log(`${st.transitionsWritten} transitions in ${seconds.toFixed(1)} s, ${st.flushes} transactions; CPU: ${threads}`);
      if (r === args.repeat - 1) q = await measureQueries(store);
      await store.close();
      log(`postgres run ${r + 1}/${args.repeat}: baseline ...`);
      const baseline = await postgresBaseline(await server.createDatabase(`bare_${r}`), st.transitionsWritten, args.objects, perTransaction(st));
      runs.push(logPair('postgres', { seconds, cpuUs, st }, baseline, log));
    }
    if (!q) throw new Error('no runs');
    return result('postgres', runs, q);
  } finally {
    await server?.stop();
  }
}

/** One store run and the baseline run right after it. */
interface Pair {
  store: { seconds: number; cpuUs: number; st: ReturnType<DriftStore['stats']> };
  baseline: { perSecond: number; cpuUs: number };
}

function logPair(backend: string, store: Pair['store'], baseline: Pair['baseline'], log: (s: string) => void): Pair {
  const rate = store.st.transitionsWritten / store.seconds;
  log(`${backend} pair: store ${Math.round(rate)}/s, baseline ${Math.round(baseline.perSecond)}/s, ratio ${(rate / baseline.perSecond).toFixed(2)}`);
  return { store, baseline };
}

function result(backend: 'sqlite' | 'postgres', runs: readonly Pair[], q: Awaited<ReturnType<typeof measureQueries>>): BackendResult {
  const last = runs[runs.length - 1];
  if (!last) throw new Error('no runs');
  const rates = runs.map((p) => p.store.st.transitionsWritten / p.store.seconds);
  const baselines = runs.map((p) => p.baseline.perSecond);
  const pairRatios = runs.map((_, i) => (rates[i] as number) / (baselines[i] as number));
  const { st } = last.store;
  return {
    backend,
    transitions: st.transitionsWritten,
    storeSeconds: median(runs.map((p) => p.store.seconds)),
    storeCpuUs: median(runs.map((p) => p.store.cpuUs / p.store.st.transitionsWritten)),
    baselineCpuUs: median(runs.map((p) => p.baseline.cpuUs / p.store.st.transitionsWritten)),
    storePerSecond: median(rates),
    baselinePerSecond: median(baselines),
    ratio: median(pairRatios),
    pairRatios,
    bestStorePerSecond: Math.max(...rates),
    bestBaselinePerSecond: Math.max(...baselines),
    ...q,
    merged: runs.reduce((n, p) => n + p.store.st.merged, 0),
    dropped: runs.reduce((n, p) => n + p.store.st.dropped, 0),
  };
}

const TARGETS = { sqlite: 100_000, postgres: 30_000 };

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(`[bench:store] ${s}\n`);
  const results: BackendResult[] = [];
  for (const b of args.backends) results.push(b === 'sqlite' ? await runSqlite(args, log) : await runPostgres(args, log));

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const rows = [
    ['backend', 'transitions', 'store/s', 'baseline/s', 'ratio', 'target/s', 'cpu µs/t store', 'baseline', 'chart 7d (ms)', 'chart cold', 'chart all', 'history (ms)'],
    ...results.map((r) => [
      r.backend,
      fmt(r.transitions),
      fmt(r.storePerSecond),
      fmt(r.baselinePerSecond),
      r.ratio.toFixed(2),
      fmt(TARGETS[r.backend]),
      r.storeCpuUs.toFixed(2),
      r.baselineCpuUs.toFixed(2),
      r.chartMs.toFixed(1),
      r.chartColdMs.toFixed(1),
      r.chartUngroupedMs.toFixed(1),
      r.historyMs.toFixed(1),
    ]),
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c] ?? 0)).join('  '));
  const verdicts = results.map((r) => ({
    backend: r.backend,
    rateTarget: r.storePerSecond >= TARGETS[r.backend],
    ratioTarget: r.ratio >= 0.5,
    chartTarget: r.chartMs < 100,
  }));
  for (const v of verdicts) {
    console.log(
      `${v.backend}: rate ${v.rateTarget ? 'meets' : 'MISSES'} target, ratio ${v.ratioTarget ? 'meets' : 'MISSES'} >= 0.5, chart ${v.chartTarget ? 'meets' : 'MISSES'} < 100 ms`,
    );
  }
  for (const r of results) {
    console.log(
      `${r.backend}: medians of ${r.pairRatios.length} runs; ratios of the pairs ${r.pairRatios.map((x) => x.toFixed(2)).join(', ')}; best store ${fmt(r.bestStorePerSecond)}/s, best baseline ${fmt(r.bestBaselinePerSecond)}/s (${(r.bestStorePerSecond / r.bestBaselinePerSecond).toFixed(2)})`,
    );
  }
  console.log('cpu µs/t: CPU time of this process (all threads) per transition; for PostgreSQL the server is not included');
  for (const r of results) if (r.merged + r.dropped > 0) console.log(`${r.backend}: ${r.merged} merged, ${r.dropped} dropped over all runs (back-pressure)`);
  if (args.json) console.log(JSON.stringify({ results, verdicts }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
