/**
 * A throwaway PostgreSQL server from Debian's package, for tests and benchmarks: initdb into a
 * temp dir, start on a free 127.0.0.1 port with its unix socket in that dir, wait until it
 * answers, create a database. As root, the server runs as the `postgres` user (PostgreSQL refuses
 * to run as root). stop() always removes the dir; a guard process stops the server if this
 * process dies without calling stop() (even by SIGKILL).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port';

export interface PostgresServer {
  /** URL of the database created at start. */
  url: string;
  /** URL of the `postgres` maintenance database (superuser). */
  adminUrl: string;
  port: number;
  dir: string;
  pid: number;
  /** Creates another database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Name of the database to create. Default `driftwatch`. */
  database?: string;
  /**
   * Keep PostgreSQL's durability settings (fsync, synchronous_commit, full_page_writes on), as a
   * benchmark should. Default false: tests run with them off, since the server is thrown away.
   */
  durable?: boolean;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

const SUPERUSER = 'postgres';

/** The newest PostgreSQL under /usr/lib/postgresql/<version>/bin with initdb and postgres. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  const v = versions[0];
  return v === undefined ? undefined : join(root, v, 'bin');
}

/** uid/gid to run the server as: ourselves unless root, then the `postgres` user (or nobody). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const line = passwd.find((l) => l.startsWith(`${name}:`));
    const fields = line?.split(':');
    if (fields && fields[2] !== undefined && fields[3] !== undefined) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error('running as root and there is neither a postgres nor a nobody user to run PostgreSQL as');
}

const running = new Map<ChildProcess, string>();
process.once('exit', () => {
  // Last resort for a process exiting without stop(): immediate shutdown, then remove the dir.
  for (const [child, dir] of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); run scripts/setup.sh or apt-get install postgresql');
  }
  const log = opts.log ?? ((line: string) => process.stderr.write(`[postgres] ${line}\n`));
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-pg-'));
  const dataDir = join(dir, 'data');
  const logPath = join(dir, 'postgres.log');
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  try {
    if (user) chownSync(dir, user.uid, user.gid);
    const init = spawnSync(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      { cwd: dir, encoding: 'utf8', ...ids, env: { ...process.env, LC_ALL: 'C' } },
    );
    if (init.status !== 0) throw new Error(`initdb failed (${init.status ?? init.signal}): ${init.stderr || init.stdout}`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    max_connections: '50',
    ...(opts.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    ...opts.settings,
  };

  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const fd = openSync(logPath, 'a');
    const args = ['-D', dataDir, '-p', String(port)];
    for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
    const child = spawn(join(bin, 'postgres'), args, { cwd: dir, stdio: ['ignore', fd, fd], ...ids });
    closeSync(fd);
    if (child.pid === undefined) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error('could not start postgres');
    }
    running.set(child, dir);
    child.once('exit', () => running.delete(child));
    const guard = startGuard(child.pid, dir);
    const adminUrl = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    try {
      await waitReady(adminUrl, child, logPath);
    } catch (err) {
      lastError = err;
      await terminate(child);
      guard.kill('SIGKILL');
      if (/could not bind|Address already in use/i.test(readLog(logPath))) continue;
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const createDatabase = async (name = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid database name ${name}`);
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
    };
    const url = await createDatabase(opts.database ?? 'driftwatch');
    log(`ready on 127.0.0.1:${port} (${dir})`);
    let stopped: Promise<void> | undefined;
    return {
      url,
      adminUrl,
      port,
      dir,
      pid: child.pid,
      createDatabase,
      stop() {
        stopped ??= (async () => {
          await terminate(child);
          guard.kill('SIGKILL');
          rmSync(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/**
 * A shell that waits for this process to go away (its stdin pipe closes when we die, however we
 * die), then stops the server and removes the dir. It is killed by stop().
 */
function startGuard(pgPid: number, dir: string): ChildProcess {
  const script = `read _ignored; kill -QUIT ${pgPid} 2>/dev/null; sleep 3; kill -KILL ${pgPid} 2>/dev/null; rm -rf '${dir.replaceAll("'", '')}'`;
  const guard = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  guard.unref();
  // Keep the pipe open but do not let it hold the event loop.
  (guard.stdin as Socket | null)?.unref();
  return guard;
}

async function waitReady(adminUrl: string, child: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${readLog(logPath)}`);
    }
    const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch {
      await c.end().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`postgres not ready after 60s:\n${readLog(logPath)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // SIGINT = fast shutdown: disconnects clients, no waiting for them.
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
