/**
 * A crashed Pod with a 50 MB previous log must not slow the dashboard down. Measured beside a Pod
 * whose previous log is only the crash (a few hundred bytes), in the same run, on the test
 * cluster's fake kubelet (the API server proxies pods/log to it as to a kubelet):
 *
 * 1. API server: the dashboard's bounded fetch (tailLines + limitBytes) of each log, and for
 *    reference the unbounded fetch of the whole 50 MB (`kubectl logs --previous`): time and bytes.
 * 2. Dashboard: /api/v1/health/pod for each Pod (crash summary included): time and response size.
 * 3. Chromium: the Pod's object page, from navigation until the panic message shows; the longest
 *    gap between animation frames and the long tasks (> 50 ms) meanwhile.
 *
 *   npm run bench:crash -- [--log-mb 50] [--runs 10] [--skip-build] [--json]
 *
 * Uses DRIFTWATCH_NEXT_DIST_DIR (default .next-bench-crash) for the production build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { CRASHES_DEFAULTS } from '../lib/config/crashes-config';
import { open } from '../lib/kube/http';
import { fetchContainerLog, podLogPath } from '../lib/kube/pod-logs';
import { chromiumLaunchOptions } from '../e2e/playwright.config';
import { setCrashLoopStatus } from '../testing/crashing-pod';
import { FAKE_NODE_NAME, setContainerLog } from '../testing/fake-kubelet';
import { runGoCrashes } from '../testing/go-crash';
import { kubeWrite, objectPath } from '../testing/kube-write';
import { buildNext, startNextServer } from '../testing/next-server';
import { benchCluster, createNamespace, progress } from './bench-cluster';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const LOG_MB = flag('--log-mb', 50);
const RUNS = flag('--runs', 10);
const JSON_OUT = argv.includes('--json');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};
const r1 = (x: number) => Math.round(x * 10) / 10;
const mb = (n: number) => r1(n / 1024 / 1024);

/** ~120-byte log lines of a busy controller, then the crash: the log is exactly `bytes` long before the panic. */
function bigLog(bytes: number, panic: string): Buffer {
  const line = (i: number) =>
    `I1126 06:${String(Math.floor(i / 60000) % 60).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')}.${String(i % 1000).padStart(6, '0')}       1 reconcile.go:142] "Reconciled" pod="shop/web-${i % 997}" generation=${i}\n`;
  const chunks: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const l = line(i);
    chunks.push(l);
    size += Buffer.byteLength(l);
  }
  return Buffer.concat([Buffer.from(chunks.join('')), Buffer.from(panic)]);
}

/** Frame gaps (requestAnimationFrame deltas) and long tasks, collected in the page from when it is evaluated. */
const SAMPLER = `(() => {
  window.__gaps = [];
  window.__long = [];
  let last = performance.now();
  const tick = (t) => { window.__gaps.push(t - last); last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: true });
})()`;

const cluster = await benchCluster();
const dist = process.env.DRIFTWATCH_NEXT_DIST_DIR || '.next-bench-crash';
const work = mkdtempSync(join(tmpdir(), 'driftwatch-bench-crash-'));
let exitCode = 0;
try {
  const { kc, state } = cluster;
  const panic = (await runGoCrashes(['nilmap'])).nilmap;
  const ns = `bench-crash-${Date.now().toString(36)}`;
  await createNamespace(kc, ns);
  const pods = { big: 'crashy-big-log', small: 'crashy-small-log' } as const;
  const big = bigLog(LOG_MB * 1024 * 1024, panic.output);
  for (const [which, name] of Object.entries(pods)) {
    await kubeWrite(kc, 'POST', objectPath({ apiVersion: 'v1', resource: 'pods', namespace: ns }), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { nodeName: FAKE_NODE_NAME, containers: [{ name: 'manager', image: 'ghcr.io/acme/operator:1.2' }] },
    });
    await setCrashLoopStatus(kc, ns, name, { container: 'manager', image: 'ghcr.io/acme/operator:1.2', exitCode: 2, finishedAt: new Date(), restarts: 5 });
    await setContainerLog(state, ns, name, 'manager', which === 'big' ? big : panic.output, { previous: true });
  }
  progress(`two crashed Pods in ${ns}: previous logs of ${mb(big.length)} MiB and ${panic.output.length} B`);

  // 1. API server
  const limits = { tailLines: CRASHES_DEFAULTS.tailLines, limitBytes: CRASHES_DEFAULTS.limitBytes };
  const bounded = async (pod: string) => {
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const log = await fetchContainerLog(kc, ns, pod, { container: 'manager', previous: true, ...limits });
      ms.push(log.ms);
      bytes = log.bytes;
    }
    return { medianMs: r1(median(ms)), bytes };
  };
  const unbounded = async (pod: string) => {
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      const t0 = performance.now();
      const path = podLogPath(ns, pod, { container: 'manager', previous: true, tailLines: 1, limitBytes: 1 }).replace(/&?(tailLines|limitBytes)=\d+/g, '');
      const res = await open(kc, path, { accept: 'application/json, */*' });
      bytes = 0;
      for await (const c of res) bytes += (c as Buffer).length;
      ms.push(performance.now() - t0);
    }
    return { medianMs: r1(median(ms)), bytes };
  };
  const api = {
    boundedBig: await bounded(pods.big),
    boundedSmall: await bounded(pods.small),
    unboundedBig: await unbounded(pods.big),
  };
  progress(`API server: bounded 50 MB log ${api.boundedBig.medianMs} ms / ${api.boundedBig.bytes} B; small ${api.boundedSmall.medianMs} ms; unbounded ${api.unboundedBig.medianMs} ms / ${mb(api.unboundedBig.bytes)} MiB`);

  // 2. Dashboard API
  if (!argv.includes('--skip-build')) await buildNext({ ...process.env, DRIFTWATCH_NEXT_DIST_DIR: dist });
  const server = await startNextServer({
    env: {
      ...process.env,
      DRIFTWATCH_NEXT_DIST_DIR: dist,
      KUBECONFIG: state.kubeconfig,
      DRIFTWATCH_KUBECONFIG: '',
      DRIFTWATCH_CONTEXT: '',
      DRIFTWATCH_CONFIG: '',
      DRIFTWATCH_MANIFESTS: '',
      DRIFTWATCH_DATA_DIR: join(work, 'history'),
      DATABASE_URL: '',
    },
  });
  try {
    for (let i = 0; i < 600; i++) {
      const r = await fetch(`${server.url}/api/readyz`).catch(() => undefined);
      if (r?.ok) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const health = async (pod: string) => {
      const ms: number[] = [];
      let bytes = 0;
      let message = '';
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const res = await fetch(`${server.url}/api/v1/health/pod?cluster=test-cluster&namespace=${ns}&name=${pod}`);
        const text = await res.text();
        ms.push(performance.now() - t0);
        if (!res.ok) throw new Error(`health ${pod}: ${res.status} ${text}`);
        bytes = Buffer.byteLength(text);
        message = (JSON.parse(text) as { pods: Array<{ crashed: Array<{ crash?: { message: string } }> }> }).pods[0]?.crashed[0]?.crash?.message ?? '';
      }
      return { medianMs: r1(median(ms)), responseBytes: bytes, message };
    };
    const dashboard = { big: await health(pods.big), small: await health(pods.small) };
    progress(`dashboard /api/v1/health/pod: big ${dashboard.big.medianMs} ms (${dashboard.big.responseBytes} B), small ${dashboard.small.medianMs} ms`);

    // 3. Chromium
    const browser = await chromium.launch(chromiumLaunchOptions);
    const page = async (pod: string) => {
      const objectShown: number[] = [];
      const visible: number[] = [];
      const gaps: number[] = [];
      const longTasks: number[] = [];
      for (let i = 0; i < Math.min(RUNS, 5); i++) {
        const ctx = await browser.newContext();
        const p = await ctx.newPage();
        const t0 = Date.now();
        await p.goto(`${server.url}/objects?id=${encodeURIComponent(`test-cluster//Pod/${ns}/${pod}`)}`, { waitUntil: 'commit' });
        // Frame gaps and long tasks from the first script on: the page must keep painting while
        // the crash report (log fetch and parse on the server) is on its way.
        // Source text: tsx would add its __name helper to a function, which the page does not have.
        await p.evaluate(SAMPLER);
        await p.getByTestId('object-page').waitFor({ timeout: 60_000 });
        objectShown.push(Date.now() - t0);
        await p.getByTestId('crash-message').waitFor({ timeout: 60_000 });
        visible.push(Date.now() - t0);
        const m = (await p.evaluate(
          'Math.max(0, ...window.__gaps.slice(1)) + "," + window.__long.reduce((a, b) => a + b, 0) + "," + window.__gaps.length',
        ).then((v) => String(v).split(',').map(Number)).then(([gap, long, frames]) => ({ gap: gap!, long: long!, frames: frames! })));
        if (m.frames < 2) throw new Error('no animation frames were sampled');
        gaps.push(m.gap);
        longTasks.push(m.long);
        await ctx.close();
      }
      return { objectShownMs: median(objectShown), crashShownMs: median(visible), maxFrameGapMs: r1(median(gaps)), longTaskMs: r1(median(longTasks)) };
    };
    const ui = { big: await page(pods.big), small: await page(pods.small) };
    await browser.close();
    const result = { logBytes: big.length, runs: RUNS, limits, api, dashboard, ui };
    if (JSON_OUT) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      console.log(`
crash log bench: previous log of ${mb(big.length)} MiB vs ${panic.output.length} B, ${RUNS} runs (median)
                                         50 MB log          small log (baseline)
API server, bounded fetch (${limits.tailLines} lines, ${limits.limitBytes / 1024} KiB)  ${String(api.boundedBig.medianMs).padStart(8)} ms ${String(api.boundedBig.bytes).padStart(8)} B   ${String(api.boundedSmall.medianMs).padStart(8)} ms ${String(api.boundedSmall.bytes).padStart(6)} B
API server, unbounded (kubectl logs -p)  ${String(api.unboundedBig.medianMs).padStart(8)} ms ${String(mb(api.unboundedBig.bytes)).padStart(6)} MiB
/api/v1/health/pod                       ${String(dashboard.big.medianMs).padStart(8)} ms ${String(dashboard.big.responseBytes).padStart(8)} B   ${String(dashboard.small.medianMs).padStart(8)} ms ${String(dashboard.small.responseBytes).padStart(6)} B
object page: header shown after          ${String(ui.big.objectShownMs).padStart(8)} ms              ${String(ui.small.objectShownMs).padStart(8)} ms
object page: panic message shown after   ${String(ui.big.crashShownMs).padStart(8)} ms              ${String(ui.small.crashShownMs).padStart(8)} ms
object page: longest frame gap           ${String(ui.big.maxFrameGapMs).padStart(8)} ms              ${String(ui.small.maxFrameGapMs).padStart(8)} ms
object page: long tasks (sum)            ${String(ui.big.longTaskMs).padStart(8)} ms              ${String(ui.small.longTaskMs).padStart(8)} ms
panic found: ${JSON.stringify(dashboard.big.message)} / ${JSON.stringify(dashboard.small.message)}
`);
    }
    if (dashboard.big.message !== 'assignment to entry in nil map') exitCode = 1;
  } finally {
    await server.stop();
  }
  await kubeWrite(kc, 'DELETE', `/api/v1/namespaces/${ns}`, undefined).catch(() => undefined);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await cluster.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
