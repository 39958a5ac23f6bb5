#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the package needs no build step.
import { register } from 'tsx/esm/api';

// tsconfig: false keeps tsx from picking up whatever tsconfig.json the caller's directory has.
register({ tsconfig: false });
const { run } = await import('../lib/cli/driftwatch.ts');
process.exitCode = run(process.argv.slice(2));
