/**
 * Loading a large manifest directory on the server's thread against loading it with the parse
 * workers (lib/desired/manifest-parse-pool.ts), for the same tree written three ways: block YAML
 * (what the fast path, lib/desired/simple-yaml.ts, reads), the same YAML with a comment on each
 * `---` line (which sends it to the general YAML parser), and plain JSON documents. What matters to the dashboard is the time its one thread is busy (the watches and
 * every request wait meanwhile) and the longest single stall of its event loop; wall time is
 * printed too.
 *
 *   npm run bench:manifests -- [--pods 10000] [--crs 5000] [--rounds 3] [--threads N]
 *
 * The worker is compiled as `npm run build` compiles it, into a temporary directory.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { ManifestDirectoryLoader } from '../lib/desired/manifest-directory';
import { PARSE_WORKER_ENTRY } from '../scripts/server-bundle.mjs';
import { compileServerBundle } from '../scripts/server-compile';
import { syntheticPod, syntheticWidget } from '../testing/synthetic-objects';
import { progress } from './bench-cluster';
import { argValue } from './live-fixture';
import { median } from './stats';

const argv = process.argv.slice(2);
const num = (name: string, dflt: number) => Number(argValue(argv, name) ?? dflt);
const PODS = num('--pods', 10_000);
const CRS = num('--crs', 5_000);
const ROUNDS = num('--rounds', 3);
const THREADS = argValue(argv, '--threads') === undefined ? undefined : num('--threads', 1);

interface Run {
  wallMs: number;
  busyMs: number;
  stallMs: number;
  objects: number;
}

/** One cold load of `dir`, with the event loop's busy time and its longest stall measured meanwhile. */
async function loadOnce(dir: string, script: string | undefined): Promise<Run> {
  const loader = new ManifestDirectoryLoader(dir, {
    git: false,
    isNamespaced: () => true,
    ...(script ? { parseWorker: { script, ...(THREADS !== undefined ? { threads: THREADS } : {}), onError: (e) => progress(`worker failed: ${String(e)}`) } } : {}),
  });
  let stall = 0;
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - 5);
    last = now;
  }, 5);
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  const snapshot = await loader.load();
  const wallMs = performance.now() - started;
  const busyMs = performance.eventLoopUtilization(elu).active;
  clearInterval(tick);
  return { wallMs, busyMs, stallMs: stall, objects: snapshot.objects.size };
}

const work = mkdtempSync(join(tmpdir(), 'dw-bench-manifests-'));
try {
  progress('compiling the parse worker as npm run build does');
  const bundle = join(work, 'bundle');
  await compileServerBundle(resolve(import.meta.dirname, '..'), bundle);
  const script = join(bundle, PARSE_WORKER_ENTRY);
  const objects = [
    ...Array.from({ length: PODS }, (_, i) => syntheticPod(`ns-${i % 10}`, i).manifest),
    ...Array.from({ length: CRS }, (_, i) => syntheticWidget(`ns-${i % 10}`, 'bench.driftwatch.io', i).manifest),
  ];
  const results: string[] = [];
  const formats = {
    'block YAML': (docs: object[]) => docs.map((d) => stringify(d)).join('---\n'),
    'YAML for the general parser': (docs: object[]) => docs.map((d, i) => `--- # object ${i}\n${stringify(d)}`).join(''),
    'JSON': (docs: object[]) => docs.map((d) => JSON.stringify(d)).join('\n---\n'),
  };
  for (const [format, write] of Object.entries(formats)) {
    const dir = join(work, format.replace(/\W+/g, '-'));
    mkdirSync(dir);
    for (let f = 0; f * 1000 < objects.length; f++) writeFileSync(join(dir, `part-${f}.yaml`), write(objects.slice(f * 1000, (f + 1) * 1000)));
    const runs: { inline: Run[]; workers: Run[] } = { inline: [], workers: [] };
    for (let r = 1; r <= ROUNDS; r++) {
      progress(`${format}: round ${r} of ${ROUNDS}`);
      // Alternating, so that both see the same moments of a machine whose speed drifts.
      runs.inline.push(await loadOnce(dir, undefined));
      runs.workers.push(await loadOnce(dir, script));
    }
    for (const [name, rs] of Object.entries(runs)) {
      if (rs.some((x) => x.objects !== objects.length)) throw new Error(`${format} ${name}: loaded ${rs.map((x) => x.objects).join(', ')} of ${objects.length} objects`);
    }
    const m = (rs: Run[], k: keyof Run) => median(rs.map((x) => x[k]));
    const row = (label: string, rs: Run[]) =>
      `    ${label.padEnd(26)} server thread busy ${String(Math.round(m(rs, 'busyMs'))).padStart(6)} ms   longest stall ${String(Math.round(m(rs, 'stallMs'))).padStart(5)} ms   wall ${String(Math.round(m(rs, 'wallMs'))).padStart(6)} ms`;
    results.push(
      `  ${format} (${objects.length} documents, ${ROUNDS} rounds, medians):`,
      row('on the server thread', runs.inline),
      row('with parse workers', runs.workers),
      `    server thread busy: ${(m(runs.inline, 'busyMs') / m(runs.workers, 'busyMs')).toFixed(1)}x less with workers; longest stall ${(m(runs.inline, 'stallMs') / Math.max(1, m(runs.workers, 'stallMs'))).toFixed(1)}x shorter`,
    );
  }
  console.log(`manifest directory load: ${PODS} Pods and ${CRS} custom resources, 1,000 documents a file`);
  console.log(results.join('\n'));
} finally {
  rmSync(work, { recursive: true, force: true });
}
