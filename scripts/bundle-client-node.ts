/**
 * Next loads serverExternalPackages through links it writes into its build directory
 * (`node_modules/@kubernetes/client-node-<hash>` → the package). client-node is ES modules over
 * about 2,600 files, so importing it took 0.6–0.7 s of the server's one thread at every start,
 * before the live runtime could send its first request; one bundled file loads in about 0.2 s.
 * `npm run build` (scripts/build-server.ts) replaces each such link with a directory holding that
 * bundle, built from the installed package (same version). If Next lays its build out differently
 * one day, no link is found, nothing changes and the server still works.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

/** Bundled CommonJS (yaml's Node build, client-node's dependencies) calls require(): give ES modules one. */
export const REQUIRE_BANNER = "import { createRequire as __driftwatchRequire } from 'node:module'; const require = __driftwatchRequire(import.meta.url);";

/** Next's link, or a directory an earlier run of this left: anything else is not ours to replace. */
function replaceable(dir: string): boolean {
  if (lstatSync(dir).isSymbolicLink()) return true;
  return lstatSync(join(dir, 'index.mjs'), { throwIfNoEntry: false })?.isFile() === true;
}

/**
 * Replaces the client-node links under `distDir` (Next's build directory) with bundles of the
 * package `root` (the repository) has installed. Returns the directories it wrote.
 */
export async function bundleClientNode(root: string, distDir: string): Promise<string[]> {
  const started = performance.now();
  const linksDir = join(distDir, 'node_modules', '@kubernetes');
  let names: string[];
  try {
    names = readdirSync(linksDir).filter((name) => name.startsWith('client-node-'));
  } catch {
    return [];
  }
  const pkgJson = createRequire(join(root, 'package.json')).resolve('@kubernetes/client-node/package.json');
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string; main?: string };
  const written: string[] = [];
  for (const name of names) {
    const dir = join(linksDir, name);
    if (!replaceable(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    await build({
      entryPoints: [join(dirname(pkgJson), pkg.main ?? 'dist/index.js')],
      outfile: join(dir, 'index.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      minifySyntax: true,
      minifyWhitespace: true,
      banner: { js: REQUIRE_BANNER },
      logLevel: 'error',
    });
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `@kubernetes/${name}`, version: pkg.version, type: 'module', main: 'index.mjs' }, null, 2)}\n`);
    written.push(dir);
  }
  if (written.length > 0) console.log(`[driftwatch] @kubernetes/client-node ${pkg.version} bundled for the server in ${Math.round(performance.now() - started)} ms`);
  return written;
}
