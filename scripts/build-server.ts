/**
 * The second half of `npm run build`: compiles scripts/serve.ts and the lib/ modules it imports
 * into plain ESM beside Next's build (scripts/server-bundle.mjs), so `npm start` runs it with node
 * alone. `next` stays external (it must be the one instance Next's own server code uses); the
 * other packages it imports (zod, yaml) are bundled: as ES modules from node_modules they took
 * about 0.1 s to load at every start.
 * The manifest parse worker (lib/desired/manifest-parse-worker.ts) is a second entry point: a
 * worker thread needs a file of its own to run.
 * Code splitting keeps serve.ts's dynamic imports lazy — the request gate imports next/server,
 * which may only load after Next has prepared (it needs Next's AsyncLocalStorage set up).
 *
 * It also bundles @kubernetes/client-node for the server (scripts/bundle-client-node.ts).
 */
import { rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBuildInfo } from './build-info.mjs';
import { bundleClientNode } from './bundle-client-node';
import { serverBundleDir } from './server-bundle.mjs';
import { compileServerBundle } from './server-compile';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = serverBundleDir(root);
const started = performance.now();
rmSync(outdir, { recursive: true, force: true });
try {
  await compileServerBundle(root, outdir);
} catch (err) {
  console.error(`[driftwatch] building the server failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
writeBuildInfo(root, outdir);
console.log(`[driftwatch] server built in ${Math.round(performance.now() - started)} ms: ${outdir}`);

try {
  const bundled = await bundleClientNode(root, dirname(outdir));
  if (bundled.length === 0) console.warn(`[driftwatch] no link to @kubernetes/client-node in ${dirname(outdir)}: the server imports the package unbundled (slower start)`);
} catch (err) {
  console.error(`[driftwatch] bundling @kubernetes/client-node failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
