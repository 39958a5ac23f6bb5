/**
 * The esbuild step of scripts/build-server.ts, on its own so that tests can compile the same
 * bundle (serve.mjs and the manifest parse worker) into a directory of their own.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { REQUIRE_BANNER } from './bundle-client-node';
import { PARSE_WORKER_ENTRY, SERVER_ENTRY } from './server-bundle.mjs';

/** Compiles scripts/serve.ts and lib/desired/manifest-parse-worker.ts (with what they import) into outdir. */
export async function compileServerBundle(root: string, outdir: string): Promise<void> {
  await build({
    // Named so that both land at the top of outdir, where start.mjs and serve.ts look for them.
    entryPoints: {
      [SERVER_ENTRY.replace(/\.mjs$/, '')]: join(root, 'scripts', 'serve.ts'),
      [PARSE_WORKER_ENTRY.replace(/\.mjs$/, '')]: join(root, 'lib', 'desired', 'manifest-parse-worker.ts'),
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['next', 'next/*'],
    banner: { js: REQUIRE_BANNER },
    outExtension: { '.js': '.mjs' },
    // tsconfig's `@/*` paths; next/server has no exports map, so Node's ESM resolver needs the file.
    alias: { '@': root, 'next/server': 'next/server.js' },
    logLevel: 'warning',
  });
}
