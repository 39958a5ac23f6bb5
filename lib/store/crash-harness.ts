/** Runs crash-writer.ts in a child process and SIGKILLs it in the middle of heavy writes. */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

export interface KillResult {
  /** Highest round the child reported as committed before it was killed. */
  committedRound: number;
  signal: NodeJS.Signals | null;
}

export async function writeUntilKilled(options: { dataDir?: string; databaseUrl?: string }, minRounds = 15): Promise<KillResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'crash-writer.ts'), JSON.stringify(options)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let committedRound = 0;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`crash writer made no progress in 90s:\n${stderr}`)), 90_000);
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        for (const m of buf.matchAll(/ROUND (\d+)/g)) committedRound = Math.max(committedRound, Number(m[1]));
        if (committedRound >= minRounds) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`crash writer exited early (${code ?? signal}):\n${stderr}`));
      });
    });
    // In the middle of heavy writes: the writer never pauses, so a transaction is almost always open.
    child.kill('SIGKILL');
    const signal = await exited;
    return { committedRound, signal };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
