import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nextBin = join(repoRoot, 'node_modules', 'next', 'dist', 'bin', 'next');

export interface NextServer {
  url: string;
  port: number;
  pid: number;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** `npm run build` (the dashboard, then the compiled server `npm start` runs), streaming its output. */
export function buildNext(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // npm's own CLI when npm started this process, else the one on PATH.
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli ? [process.execPath, [npmCli, 'run', 'build']] : ['npm', ['run', 'build']];
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...env, NEXT_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', rej);
    child.once('exit', (code) => (code === 0 ? res() : rej(new Error(`npm run build exited with ${code}`))));
  });
}

interface StartOptions {
  env: NodeJS.ProcessEnv;
  port?: number;
  log?: (chunk: string) => void;
  /** Flags for node itself, e.g. `--cpu-prof` (which NODE_OPTIONS does not take). */
  nodeArgs?: string[];
  /** Run Driftwatch's own server (`npm start`: scripts/serve.ts as built by buildNext) instead of bare `next start`. */
  driftwatchServer?: boolean;
  /** --hostname to pass (default 127.0.0.1; null: none, the server's own default). */
  hostname?: string | null;
}

class PortTaken extends Error {}

/**
 * Starts the production server (`next start`) on 127.0.0.1 and waits until it answers.
 * `env` carries the cluster settings (KUBECONFIG and friends) the dashboard reads.
 * On a port of its own choosing that another process took first, it starts again on a new one.
 */
export async function startNextServer(opts: StartOptions): Promise<NextServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(opts.port ?? (await freePort()), opts);
    } catch (err) {
      if (!(err instanceof PortTaken) || opts.port !== undefined || attempt >= 3) throw err;
      opts.log?.(`[next-server] port taken (attempt ${attempt}); starting again on another port\n`);
    }
  }
}

async function startOn(port: number, opts: StartOptions): Promise<NextServer> {
  const bind = [...(opts.hostname === null ? [] : ['--hostname', opts.hostname ?? '127.0.0.1']), '--port', String(port)];
  const nodeArgs = opts.nodeArgs ?? [];
  const argv = opts.driftwatchServer
    ? [...nodeArgs, join(repoRoot, 'scripts', 'start.mjs'), ...bind]
    : [...nodeArgs, nextBin, 'start', ...bind];
  const child: ChildProcess = spawn(
    process.execPath,
    argv,
    { cwd: repoRoot, env: { ...opts.env, NEXT_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
    opts.log?.(d.toString());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      if (/EADDRINUSE/.test(output)) throw new PortTaken(`port ${port} was taken before the server could listen on it:\n${output}`);
      throw new Error(`next start exited (${child.exitCode}):\n${output}`);
    }
    try {
      const res = await fetch(`${url}/api/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`next start did not answer within 60s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    pid: child.pid ?? 0,
    output: () => output,
    async stop() {
      process.removeListener('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
