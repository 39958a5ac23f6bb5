// `npm start`: the compiled scripts/serve.ts that `npm run build` wrote. Plain JavaScript on
// purpose: running serve.ts through tsx cost about 2 s of start-up (esbuild transforms and a
// second node process) before Next even began to boot.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { staleBuildWarning } from './build-info.mjs';
import { heapGrowthFlag } from './heap-growth.mjs';
import { serverBundleDir, SERVER_ENTRY } from './server-bundle.mjs';

// Before anything is allocated: V8 reads the flag each time it sets the next collection's limit.
const heapFlag = heapGrowthFlag(process.execArgv);
if (heapFlag) v8.setFlagsFromString(heapFlag);

const entry = join(serverBundleDir(process.cwd()), SERVER_ENTRY);
if (!existsSync(entry)) {
  console.error(`[driftwatch] no production build at ${entry}: run \`npm run build\` first (it builds the dashboard and its server), and start from the repository's directory (as \`npm start\` does).`);
  process.exit(1);
}
const stale = staleBuildWarning(process.cwd(), serverBundleDir(process.cwd()));
if (stale) console.warn(stale);
await import(pathToFileURL(entry).href);
