#!/usr/bin/env node
// The CLI as `npm install` compiled it (scripts/build-cli.ts) while the compiled file is at least
// as new as every source it was built from; otherwise the TypeScript through tsx (a checkout being
// edited, or an install that could not compile it), so the package needs no build step.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

async function compiled() {
  const dir = new URL('dist/cli/', root);
  try {
    const built = statSync(new URL('driftwatch.mjs', dir)).mtimeMs;
    const inputs = JSON.parse(readFileSync(new URL('inputs.json', dir), 'utf8'));
    // A source changed (or went) since: the compiled CLI is not this code.
    for (const f of inputs) if (statSync(new URL(f, root)).mtimeMs > built) return undefined;
  } catch {
    return undefined;
  }
  return import(new URL('driftwatch.mjs', dir).href);
}

async function fromSource() {
  const { register } = await import('tsx/esm/api');
  // tsconfig: false keeps tsx from picking up whatever tsconfig.json the caller's directory has.
  register({ tsconfig: false });
  return import('../lib/cli/driftwatch.ts');
}

const { run } = (await compiled()) ?? (await fromSource());
process.exitCode = run(process.argv.slice(2));
