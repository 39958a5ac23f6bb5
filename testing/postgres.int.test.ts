import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres } from './postgres';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

describe('testing/postgres.ts', () => {
  it('starts a server that answers on loopback, creates databases, and leaves nothing after stop()', async () => {
    const server = await startPostgres({ log: () => undefined });
    try {
      expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/driftwatch$/);
      const c = new pg.Client({ connectionString: await server.createDatabase('second_db') });
      await c.connect();
      const r = await c.query<{ db: string; addr: string }>('SELECT current_database() AS db, inet_server_addr()::text AS addr');
      await c.end();
      expect(r.rows[0]).toEqual({ db: 'second_db', addr: '127.0.0.1/32' });
    } finally {
      await server.stop();
    }
    expect(alive(server.pid)).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
  });

  it('stops the server and removes its dir when the process that started it is SIGKILLed', async () => {
    const script = `import { startPostgres } from ${JSON.stringify(join(import.meta.dirname, 'postgres.ts'))};
const s = await startPostgres({ log: () => {} });
process.stdout.write(JSON.stringify({ pid: s.pid, dir: s.dir }) + '\\n');
setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const info = await new Promise<{ pid: number; dir: string }>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const line = buf.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line) as { pid: number; dir: string });
      });
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    expect(alive(info.pid)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitFor(() => !alive(info.pid), 15_000)).toBe(true);
    expect(await waitFor(() => !existsSync(info.dir), 15_000)).toBe(true);
  });
});
