/**
 * Loopback load on the authenticated production server (scripts/serve.ts, token mode) while the
 * cluster changes: a fixed arrival rate on the drift list for a fixed time, beside the same rate
 * on /api/healthz (the baseline: server, gate and HTTP, no drift work); then a burst of event
 * streams far over the per-user and global caps, with the server's memory before and after.
 *   npm run bench:security -- [--rate 200] [--seconds 60] [--objects 500] [--streams 1000] [--build] [--json]
 *     [--cpu-prof DIR]   (V8 CPU profile of the server, written to DIR when it stops)
 * Uses the Next build in .next-auth (--build makes it first).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../testing/kube-write';
import { buildNext, startNextServer } from '../testing/next-server';
import { benchCluster, inParallel, progress } from './bench-cluster';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '60' },
    objects: { type: 'string', default: '500' },
    streams: { type: 'string', default: '1000' },
    build: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const OBJECTS = Number(values.objects);
const STREAMS = Number(values.streams);
const TOKEN = 'bench-security-token-0123456789abcdef';
const DIST = '.next-auth';

/** RSS of a process and its descendants (tsx runs the server in a child process). */
function treeRssMiB(pid: number): number {
  let kib = 0;
  const visit = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kib += Number(m?.[1] ?? 0);
      for (const t of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(t));
    } catch {
      // gone
    }
  };
  visit(pid);
  return Math.round(kib / 1024);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

interface RunResult {
  path: string;
  sent: number;
  ok: number;
  errors: Record<string, number>;
  achievedRps: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Open-loop: requests start on a fixed schedule whatever the previous ones did, and latency counts
 * from the scheduled start, so a stalled server shows as latency (no coordinated omission).
 */
async function fixedRate(url: string, path: string, rate: number, seconds: number): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const lat: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  const total = rate * seconds;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      new Promise<void>((resolve) => {
        const req = http.get(`${url}${path}`, { agent, headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
          res.resume();
          res.on('end', () => {
            lat.push(performance.now() - due);
            if (res.statusCode === 200) ok++;
            else errors[String(res.statusCode)] = (errors[String(res.statusCode)] ?? 0) + 1;
            resolve();
          });
        });
        req.on('error', (err) => {
          errors[err.message] = (errors[err.message] ?? 0) + 1;
          resolve();
        });
      }),
    );
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return { path, sent: total, ok, errors, achievedRps: Math.round(total / elapsed), p50: r(pct(lat, 50)), p99: r(pct(lat, 99)), max: r(lat[lat.length - 1] ?? NaN) };
}

/** One connection, one request at a time: the server's own cost per request, without queueing. */
async function sequential(url: string, path: string, n = 1000): Promise<{ path: string; rps: number; p50: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      http.get(`${url}${path}`, { agent, headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - t));
      }).on('error', reject);
    });
  for (let i = 0; i < 100; i++) await one();
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) lat.push(await one());
  const rps = Math.round(n / ((performance.now() - t0) / 1000));
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { path, rps, p50: Math.round(pct(lat, 50) * 10) / 10, p99: Math.round(pct(lat, 99) * 10) / 10 };
}

/** Opens n streams at once; answers status counts, and keeps the accepted ones open until close(). */
async function streamBurst(url: string, n: number) {
  const statuses: Record<string, number> = {};
  const open: http.ClientRequest[] = [];
  let wellFormedRefusals = 0;
  await inParallel(Array.from({ length: n }), 200, async () => {
    await new Promise<void>((resolve) => {
      const req = http.get(`${url}/api/v1/stream`, { agent: false, headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'text/event-stream' } }, (res) => {
        statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
        if (res.statusCode === 200) {
          open.push(req);
          res.on('data', () => undefined);
          res.on('error', () => undefined);
          resolve();
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          try {
            const j = JSON.parse(body) as { error?: { status?: number } };
            if (res.headers['content-type']?.startsWith('application/json') && j.error?.status === res.statusCode) wellFormedRefusals++;
          } catch {
            // counted as not well formed
          }
          resolve();
        });
      });
      req.on('error', (err) => {
        statuses[err.message] = (statuses[err.message] ?? 0) + 1;
        resolve();
      });
    });
  });
  return { statuses, wellFormedRefusals, close: () => open.forEach((r) => r.destroy()) };
}

const cluster = await benchCluster();
const work = mkdtempSync(join(tmpdir(), 'dw-bench-security-'));
const ns = `bench-sec-${Date.now().toString(36)}`;
let server: Awaited<ReturnType<typeof startNextServer>> | undefined;
let changing = true;
try {
  if (values.build) await buildNext({ ...process.env, DRIFTWATCH_NEXT_DIST_DIR: DIST });
  progress(`creating ${OBJECTS} ConfigMaps in ${ns}`);
  await kubeWrite(cluster.kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const manifests = join(work, 'manifests');
  mkdirSync(manifests);
  const cm = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns, labels: { app: `a${i % 10}` } }, data: { value: '0', owner: 'git' } });
  writeFileSync(join(manifests, 'all.yaml'), Array.from({ length: OBJECTS }, (_, i) => JSON.stringify(cm(i))).join('\n---\n'));
  await inParallel(Array.from({ length: OBJECTS }, (_, i) => i), 16, (i) =>
    kubeWrite(cluster.kc, 'PATCH', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name: `cm-${i}` }, { fieldManager: 'gitops', force: 'true' }), cm(i), CONTENT_TYPE.apply),
  );
  const config = join(work, 'driftwatch.yaml');
  writeFileSync(config, JSON.stringify({ watch: { namespaces: [ns], pods: false, customResources: false }, fieldManager: 'gitops' }));
  const cpuProf = values['cpu-prof'];
  server = await startNextServer({
    driftwatchServer: true,
    ...(cpuProf ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', cpuProf] } : {}),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DRIFTWATCH_NEXT_DIST_DIR: DIST,
      DRIFTWATCH_CONFIG: config,
      DRIFTWATCH_KUBECONFIG: cluster.state.kubeconfig,
      DRIFTWATCH_MANIFESTS: manifests,
      DRIFTWATCH_DATA_DIR: join(work, 'data'),
      DRIFTWATCH_AUTH_MODE: 'token',
      DRIFTWATCH_AUTH_TOKEN: TOKEN,
    },
  });
  const url = server.url;
  for (;;) {
    const r = await fetch(`${url}/api/v1/drift?limit=1`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    if (r.ok && ((await r.json()) as { ready: boolean }).ready) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  progress('server ready; the cluster changes (about 20 writes/s) during every run');
  let writes = 0;
  const changer = (async () => {
    for (let k = 1; changing; k++) {
      const i = k % OBJECTS;
      await kubeWrite(cluster.kc, 'PATCH', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name: `cm-${i}` }, { fieldManager: 'kubectl-edit' }), { data: { value: String(k) } }, CONTENT_TYPE.merge).catch(() => undefined);
      writes++;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  const listPath = '/api/v1/drift?limit=100';
  // A build asset skips the proxy and every route handler: what Next alone costs per request.
  const html = await (await fetch(`${url}/login`)).text();
  const asset = /\/_next\/static\/[^"']+\.js/.exec(html)?.[0] ?? '/favicon.ico';
  progress('sequential probe: one connection, 1,000 requests each');
  const seq = [await sequential(url, asset), await sequential(url, '/api/healthz'), await sequential(url, listPath)];
  progress(`baseline: ${RATE} req/s on /api/healthz for ${SECONDS}s`);
  const baseline = await fixedRate(url, '/api/healthz', RATE, SECONDS);
  progress(`load: ${RATE} req/s on ${listPath} for ${SECONDS}s`);
  const rssBeforeLoad = treeRssMiB(server.pid);
  const load = await fixedRate(url, listPath, RATE, SECONDS);
  const rssBeforeStreams = treeRssMiB(server.pid);
  progress(`opening ${STREAMS} event streams at once (cap: 8 per user, 512 in all)`);
  const burst = await streamBurst(url, STREAMS);
  await new Promise((r) => setTimeout(r, 1000));
  const rssWithStreams = treeRssMiB(server.pid);
  burst.close();
  const afterStreams = await fetch(`${url}/api/v1/drift?limit=1`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  changing = false;
  await changer;

  const result = {
    rate: RATE,
    seconds: SECONDS,
    objects: OBJECTS,
    clusterWrites: writes,
    baseline,
    driftList: load,
    ratioP99: Math.round((load.p99 / baseline.p99) * 10) / 10,
    sequential: seq,
    streams: { opened: STREAMS, statuses: burst.statuses, refusalsWithJsonError: burst.wellFormedRefusals, rssMiB: { beforeLoad: rssBeforeLoad, beforeStreams: rssBeforeStreams, withStreams: rssWithStreams }, serverAnswersAfter: afterStreams.status },
  };
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    const line = (r: RunResult) => `${r.path}: ${r.ok}/${r.sent} ok at ${r.achievedRps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms, errors ${JSON.stringify(r.errors)}`;
    console.log(`baseline   ${line(baseline)}`);
    console.log(`drift list ${line(load)}  (p99 ${result.ratioP99}x baseline; ${writes} cluster writes meanwhile, ${OBJECTS} objects)`);
    for (const q of seq) console.log(`sequential ${q.path}: ${q.rps} req/s on one connection, p50 ${q.p50} ms, p99 ${q.p99} ms`);
    console.log(`streams    ${STREAMS} opened at once: ${JSON.stringify(burst.statuses)}, ${burst.wellFormedRefusals} refusals with a JSON error; RSS ${rssBeforeStreams} -> ${rssWithStreams} MiB; server answers ${afterStreams.status} afterwards`);
  }
} finally {
  changing = false;
  await server?.stop();
  await kubeWrite(cluster.kc, 'DELETE', `/api/v1/namespaces/${ns}`, undefined).catch(() => undefined);
  await cluster.stop();
  rmSync(work, { recursive: true, force: true });
}
