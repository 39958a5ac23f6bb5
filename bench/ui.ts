/**
 * The dashboard in headless Chromium with 10,000 drifted objects:
 *
 * 1. Overview and table: time to first render (first contentful paint) and to interactive (every
 *    drift state loaded and counted; for the table, all rows filterable and a `j` key press
 *    answered), each beside a bare baseline measured in the same run: JavaScript on the same origin
 *    fetching every page of /api/v1/drift/rows (what the pages load) with no rendering; and, for
 *    reference, every page of the full states of /api/v1/drift (what they loaded before).
 * 2. Frame times while scrolling the table from top to bottom (requestAnimationFrame deltas),
 *    beside the same scroll over a static page of the same height.
 *
 *   npm run bench:ui -- [--objects 10000] [--skip-build] [--json] [--run ID] [--trace DIR]
 *
 * --run ID reuses the ConfigMaps an earlier run created under that ID on a cluster left running
 * (`npm run test-cluster -- up --state-dir DIR`, then DRIFTWATCH_TEST_CLUSTER_STATE_DIR=DIR); a
 * marker in the cluster's state directory records that they were all created.
 * --trace DIR writes Chromium performance traces of one table load and of the scroll
 * (open them in chrome://tracing or the DevTools Performance panel) to find where the time goes.
 *
 * Objects: ConfigMaps whose live data differs from their desired manifests (a directory the
 * dashboard watches), written by another field manager, so every one is really drifted.
 * Targets (issue 6): table interactive < 1.5 s; scrolling median frame ≤ 16.7 ms, p95 ≤ 33 ms.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e/playwright.config';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../testing/kube-write';
import { buildNext, startNextServer } from '../testing/next-server';
import { benchCluster, createNamespace, inParallel, progress } from './bench-cluster';
import { dashboardEnv, MANAGER } from './live-fixture';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const OBJECTS = flag('--objects', 10_000);
const argText = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const TRACE_DIR = argText('--trace');
const NAMESPACES = 10;
const EDITOR = 'kubectl-edit';

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN);
};
const r1 = (x: number) => Math.round(x * 10) / 10;

const cluster = await benchCluster();
const work = mkdtempSync(join(tmpdir(), 'driftwatch-bench-ui-'));
let exitCode = 0;
try {
  const { kc } = cluster;
  const run = argText('--run') ?? Date.now().toString(36);
  if (!/^[a-z0-9]{1,20}$/.test(run)) throw new Error(`--run ${run}: use 1-20 lowercase letters and digits`);
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `bench-ui-${run}-${i}`);
  const marker = cluster.stateDir ? join(cluster.stateDir, `bench-ui-${run}.json`) : undefined;
  const have = marker && existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { objects: number }) : undefined;
  if (have && have.objects !== OBJECTS) throw new Error(`run ${run} has ${have.objects} objects, not ${OBJECTS}: use another --run`);
  const reused = have !== undefined;
  const manifests = join(work, 'manifests');
  mkdirSync(manifests);
  const byNs = new Map<string, string[]>();
  const items = Array.from({ length: OBJECTS }, (_, i) => {
    const ns = namespaces[i % NAMESPACES]!;
    const name = `settings-${String(i).padStart(5, '0')}`;
    const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { app: `app-${i % 37}` } }, data: { mode: 'safe', replicas: String(i % 7) } };
    const docs = byNs.get(ns) ?? [];
    docs.push(JSON.stringify(desired));
    byNs.set(ns, docs);
    return { ns, name, desired };
  });
  for (const [ns, docs] of byNs) writeFileSync(join(manifests, `${ns}.yaml`), docs.join('\n---\n') + '\n');
  if (reused) {
    progress(`reusing the ${OBJECTS} drifted ConfigMaps of run ${run}`);
  } else {
    progress(`creating ${OBJECTS} drifted ConfigMaps in ${NAMESPACES} namespaces (run ${run})`);
    await inParallel(namespaces, 4, (ns) => createNamespace(kc, ns));
    const t0 = Date.now();
    let done = 0;
    await inParallel(items, 32, async ({ ns, name, desired }) => {
      // Declared by the GitOps manager, then edited by hand: one changed field, owned by the editor.
      await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name }, { fieldManager: MANAGER, force: 'true' }), desired, CONTENT_TYPE.apply);
      await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name }, { fieldManager: EDITOR }), { data: { mode: 'unsafe' } }, CONTENT_TYPE.merge);
      if (++done % 2000 === 0) progress(`${done}/${OBJECTS} (${Math.round((Date.now() - t0) / 1000)} s)`);
    });
    if (marker) {
      writeFileSync(marker, JSON.stringify({ objects: OBJECTS }));
      progress(`objects kept: run again with --run ${run} to reuse them`);
    }
  }

  if (!argv.includes('--skip-build')) {
    progress('next build');
    await buildNext();
  }
  const server = await startNextServer({
    // History of this run only, removed with it (not ./.driftwatch, shared with whatever ran before).
    env: { ...dashboardEnv(cluster.state.kubeconfig, manifests, join(work, 'history')), DATABASE_URL: '' },
  });
  try {
    progress(`dashboard at ${server.url}; waiting until ${OBJECTS} objects are drifted`);
    for (;;) {
      const res = await fetch(`${server.url}/api/v1/drift?status=drifted&limit=1&namespace=${namespaces.join(',')}`).catch(() => undefined);
      const body = res?.ok ? ((await res.json()) as { total: number }) : undefined;
      if (body && body.total >= OBJECTS) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const browser = await chromium.launch({ ...chromiumLaunchOptions, headless: true });
    try {
      // bypassCSP: the pages' script-src forbids the string predicates polled here (eval).
      const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 }, bypassCSP: true });
      const page = await ctx.newPage();
      const results: Record<string, number> = {};
      const fcp = (p: Page) => p.evaluate(`performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN`) as Promise<number>;

      // Warm the server's code paths once (first requests compile nothing in production, but load modules).
      await page.goto(`${server.url}/drift`);
      await page.waitForSelector('[data-testid="drift-row"]');

      const total = (await (await fetch(`${server.url}/api/v1/drift?limit=1`)).json()) as { total: number };

      // Baselines: the raw data, fetched page by page from a blank document on the same origin, with
      // no rendering: the table's compact rows (what the pages load) and the full drift states.
      // The blank document is served by Playwright, on the dashboard's origin (API responses carry
      // a CSP that forbids a document of theirs to fetch).
      await page.route(`${server.url}/__bench-blank`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
      const rawFetch = async (first: string, pageUrl: string) => {
        const runs: number[] = [];
        for (let i = 0; i < 3; i++) {
          await page.goto(`${server.url}/__bench-blank`);
          runs.push(
            (await page.evaluate(`(async () => {
              const t = performance.now();
              let cursor;
              do {
                const r = await (await fetch(cursor ? ${JSON.stringify(pageUrl)} + encodeURIComponent(cursor) : ${JSON.stringify(first)})).json();
                cursor = r.next;
              } while (cursor);
              return performance.now() - t;
            })()`)) as number,
          );
        }
        return percentile(runs, 50);
      };
      results.baselineFetchRowsMs = await rawFetch('/api/v1/drift/rows', '/api/v1/drift/rows?cursor=');
      results.baselineFetchAllMs = await rawFetch('/api/v1/drift?limit=1000', '/api/v1/drift?limit=1000&cursor=');

      // First render: the first contentful paint (the page's frame, server-rendered) and the first
      // data on screen (`firstData`); interactive: `ready` holds.
      const measure = async (path: string, firstData: string, ready: string) => {
        const runs: Array<{ fcp: number; data: number; interactive: number }> = [];
        for (let i = 0; i < 3; i++) {
          await page.goto(`${server.url}${path}`, { waitUntil: 'commit' });
          await page.waitForFunction(firstData, undefined, { polling: 'raf', timeout: 60_000 });
          const data = (await page.evaluate('performance.now()')) as number;
          await page.waitForFunction(ready, undefined, { polling: 'raf', timeout: 60_000 });
          const interactive = (await page.evaluate('performance.now()')) as number;
          runs.push({ fcp: await fcp(page), data, interactive });
        }
        const med = (k: 'fcp' | 'data' | 'interactive') => percentile(runs.map((r) => r[k]), 50);
        return { fcp: med('fcp'), data: med('data'), interactive: med('interactive') };
      };
      // Overview: interactive when every state is counted (the drifted card shows them all, not busy).
      const overview = await measure(
        '/',
        `(() => { const el = document.querySelector('[data-testid="count-drifted"] .count-value'); return el && Number(el.textContent.replace(/,/g, '')) > 0; })()`,
        `(() => { const el = document.querySelector('[data-testid="count-drifted"] .count-value'); return el && el.getAttribute('aria-busy') === 'false' && Number(el.textContent.replace(/,/g, '')) >= ${OBJECTS}; })()`,
      );
      results.overviewFirstRenderMs = overview.fcp;
      results.overviewFirstDataMs = overview.data;
      results.overviewInteractiveMs = overview.interactive;
      // Table: interactive when every row is in (grid not busy, count shown) and rows are on screen.
      const tableReady = `(() => { const g = document.querySelector('[data-testid="drift-table"]'); const c = document.querySelector('[data-testid="row-count"]'); return g && g.getAttribute('aria-busy') === 'false' && c && Number(c.textContent.replace(/[^0-9]/g, '')) >= ${OBJECTS} && document.querySelector('[data-testid="drift-row"]'); })()`;
      const table = await measure('/drift', `!!document.querySelector('[data-testid="drift-row"]')`, tableReady);
      if (TRACE_DIR) {
        mkdirSync(TRACE_DIR, { recursive: true });
        await browser.startTracing(page, { path: join(TRACE_DIR, 'table-load.json'), screenshots: false });
        await page.goto(`${server.url}/drift`, { waitUntil: 'commit' });
        await page.waitForFunction(tableReady, undefined, { polling: 'raf', timeout: 60_000 });
        await browser.stopTracing();
        progress(`trace of a table load: ${join(TRACE_DIR, 'table-load.json')}`);
      }
      results.tableFirstRenderMs = table.fcp;
      results.tableFirstRowsMs = table.data;
      results.tableInteractiveMs = table.interactive;
      progress(`loads: ${JSON.stringify(results)}`);
      // ...and answers a key press: `j` selects the first row.
      const tKey = Date.now();
      await page.keyboard.press('j');
      await page.waitForSelector('[data-testid="drift-row"][aria-selected="true"]');
      results.tableKeyResponseMs = Date.now() - tKey;

      // Scroll end to end, one step per frame, recording frame deltas.
      // As source text: tsx would wrap inline functions with a helper the page does not have.
      const SCROLL_FN = `async (sel) => {
        const el = sel ? document.querySelector(sel) : document.scrollingElement;
        el.scrollTop = 0;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const step = Math.max(200, Math.round(el.clientHeight * 0.5));
        const deltas = [];
        let last = performance.now();
        return new Promise((resolve) => {
          const tick = (t) => {
            deltas.push(t - last);
            last = t;
            if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return resolve({ deltas: deltas.slice(1), frames: deltas.length, height: el.scrollHeight });
            el.scrollTop += step;
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
      }`;
      const scroll = (selector: string | null) =>
        page.evaluate(`(${SCROLL_FN})(${JSON.stringify(selector)})`) as Promise<{ deltas: number[]; frames: number; height: number }>;
      if (TRACE_DIR) await browser.startTracing(page, { path: join(TRACE_DIR, 'table-scroll.json'), screenshots: false });
      const tableScroll = await scroll('[data-testid="drift-table"]');
      if (TRACE_DIR) {
        await browser.stopTracing();
        progress(`trace of the scroll: ${join(TRACE_DIR, 'table-scroll.json')}`);
      }
      results.scrollFrames = tableScroll.frames;
      results.scrollHeightPx = tableScroll.height;
      results.scrollMedianFrameMs = r1(percentile(tableScroll.deltas, 50));
      results.scrollP95FrameMs = r1(percentile(tableScroll.deltas, 95));
      results.scrollMaxFrameMs = r1(Math.max(...tableScroll.deltas));
      // Baseline: a static page of the same height, scrolled the same way.
      await page.setContent(`<div style="height:${tableScroll.height}px;background:linear-gradient(#fff,#000)"></div>`);
      const bare = await scroll(null);
      results.baselineScrollMedianFrameMs = r1(percentile(bare.deltas, 50));
      results.baselineScrollP95FrameMs = r1(percentile(bare.deltas, 95));

      for (const k of Object.keys(results)) results[k] = r1(results[k]!);
      const ratios = {
        tableInteractiveVsRawFetch: r1(results.tableInteractiveMs! / results.baselineFetchRowsMs!),
        overviewInteractiveVsRawFetch: r1(results.overviewInteractiveMs! / results.baselineFetchRowsMs!),
        scrollP95VsStaticPage: r1(results.scrollP95FrameMs! / results.baselineScrollP95FrameMs!),
      };
      const targets = {
        tableInteractiveUnder1500ms: results.tableInteractiveMs! < 1500,
        scrollMedianAtMost16_7ms: results.scrollMedianFrameMs! <= 16.7,
        scrollP95AtMost33ms: results.scrollP95FrameMs! <= 33,
      };
      if (argv.includes('--json')) {
        process.stdout.write(`${JSON.stringify({ objects: total.total, drifted: OBJECTS, results, ratios, targets }, null, 2)}\n`);
      } else {
        console.log(`objects in the dashboard: ${total.total} (${OBJECTS} drifted)`);
        console.log(`raw fetch of every table row, /api/v1/drift/rows (baseline): ${results.baselineFetchRowsMs} ms; of every full drift state, /api/v1/drift: ${results.baselineFetchAllMs} ms`);
        console.log(`overview: first render ${results.overviewFirstRenderMs} ms, first counts ${results.overviewFirstDataMs} ms, interactive ${results.overviewInteractiveMs} ms (${ratios.overviewInteractiveVsRawFetch}× raw fetch of rows)`);
        console.log(`table:    first render ${results.tableFirstRenderMs} ms, first rows ${results.tableFirstRowsMs} ms, interactive ${results.tableInteractiveMs} ms (${ratios.tableInteractiveVsRawFetch}× raw fetch of rows), key press answered in ${results.tableKeyResponseMs} ms`);
        console.log(`scroll end to end (${results.scrollFrames} frames, ${results.scrollHeightPx} px): median ${results.scrollMedianFrameMs} ms, p95 ${results.scrollP95FrameMs} ms, max ${results.scrollMaxFrameMs} ms`);
        console.log(`static page, same scroll (baseline): median ${results.baselineScrollMedianFrameMs} ms, p95 ${results.baselineScrollP95FrameMs} ms (p95 ratio ${ratios.scrollP95VsStaticPage}×)`);
        console.log(`targets: ${Object.entries(targets).map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`).join(', ')}`);
      }
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
  }
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
  await cluster.stop();
}
process.exit(exitCode);
