// Where `npm run build` puts the compiled production server (scripts/serve.ts), shared by the
// build step, the `npm start` launcher and the test helpers. It lives in Next's build directory
// so that one build directory always holds a matching pair (DRIFTWATCH_NEXT_DIST_DIR as in
// next.config.js).
import { join } from 'node:path';

/** The compiled server's directory under `root` (the repository). */
export function serverBundleDir(root, env = process.env) {
  return join(root, env.DRIFTWATCH_NEXT_DIST_DIR || '.next', 'driftwatch-server');
}

/** The entry point inside serverBundleDir. */
export const SERVER_ENTRY = 'serve.mjs';

/** The manifest parse worker's script inside serverBundleDir (lib/desired/manifest-parse-worker.ts). */
export const PARSE_WORKER_ENTRY = 'manifest-parse-worker.mjs';

/** How the production server tells the live runtime where that script is. */
export const PARSE_WORKER_ENV = 'DRIFTWATCH_MANIFEST_PARSE_WORKER';
