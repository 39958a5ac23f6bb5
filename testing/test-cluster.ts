import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setContainerLog } from './fake-kubelet';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const testClusterDir = join(repoRoot, 'test-cluster');
export const testClusterBinary = join(testClusterDir, 'bin', 'test-cluster');

/** state.json written by `test-cluster serve` once the control plane is ready. */
export interface ClusterState {
  pid: number;
  controllerManagerPid: number;
  server: string;
  apiServerPort: number;
  etcdClientUrl: string;
  kubeconfig: string;
  adminToken: string;
  viewerToken: string;
  caCert: string;
  startedAt: string;
  readyAt: string;
  readyAfterMs: number;
  apiServerReadyAfterMs: number;
  /** The Node registered with the fake kubelet's log endpoint (test-cluster/kubelet.go). */
  kubeletNodeName: string;
  kubeletPort: number;
  /** Where setContainerLog (testing/fake-kubelet.ts) PUTs container logs. */
  kubeletControlUrl: string;
}

export interface TestCluster {
  stateDir: string;
  state: ClusterState;
  kubeconfig: string;
  /** Stops the control plane and, unless the state dir was given by the caller, deletes it. */
  stop(): Promise<void>;
  /** Stops and starts again on the same state dir: same address, same data, same credentials. */
  restart(): Promise<void>;
  /** Compacts etcd to its current revision, so older resourceVersions get 410 Gone. */
  compact(): Promise<void>;
  /** The log the API server's `pods/log` returns for a container of a Pod on the fake node. */
  setContainerLog(namespace: string, pod: string, container: string, text: string | Buffer, opts?: { previous?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** Reuse or create this directory; it is kept on stop. Default: a fresh temp dir, removed on stop. */
  stateDir?: string;
  log?: (line: string) => void;
  /** Extra kube-apiserver flags. */
  apiServerArgs?: string[];
}

const defaultLog = (line: string): void => {
  process.stderr.write(`[test-cluster] ${line}\n`);
};

/** Environment variable through which a parent process hands a running cluster to test runners. */
export const STATE_DIR_ENV = 'DRIFTWATCH_TEST_CLUSTER_STATE_DIR';

/**
 * Builds the binary when it is missing or older than its sources. Go's build cache makes a rebuild
 * after a small change take seconds; only the first build on a machine compiles Kubernetes.
 */
export async function ensureTestClusterBinary(log = defaultLog): Promise<string> {
  if (existsSync(testClusterBinary) && newestSource() <= statSync(testClusterBinary).mtimeMs) {
    return testClusterBinary;
  }
  log('building test-cluster (the first build on a machine compiles Kubernetes: 20-40 min on 2 cores) ...');
  const started = Date.now();
  const heartbeat = setInterval(() => log(`still building (${Math.round((Date.now() - started) / 1000)}s)`), 60_000);
  try {
    await run('go', ['build', '-o', testClusterBinary, '.'], {
      cwd: testClusterDir,
      env: { ...process.env, CGO_ENABLED: '0' },
    });
  } finally {
    clearInterval(heartbeat);
  }
  log(`built test-cluster in ${Math.round((Date.now() - started) / 1000)}s`);
  return testClusterBinary;
}

function newestSource(): number {
  let newest = 0;
  for (const name of readdirSync(testClusterDir)) {
    if (name.endsWith('.go') || name === 'go.mod' || name === 'go.sum') {
      newest = Math.max(newest, statSync(join(testClusterDir, name)).mtimeMs);
    }
  }
  return newest;
}

export async function startTestCluster(opts: StartOptions = {}): Promise<TestCluster> {
  const log = opts.log ?? defaultLog;
  const binary = await ensureTestClusterBinary(log);
  const ownsDir = opts.stateDir === undefined;
  const stateDir = resolve(opts.stateDir ?? mkdtempSync(join(tmpdir(), 'driftwatch-test-cluster-')));
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  let { child, state } = await launchUntilReady(binary, stateDir, opts.apiServerArgs ?? [], log, { newPorts: ownsDir });
  log(`ready in ${state.readyAfterMs}ms (/readyz after ${state.apiServerReadyAfterMs}ms) at ${state.server} (state ${stateDir})`);

  const cluster: TestCluster = {
    stateDir,
    get state() {
      return state;
    },
    get kubeconfig() {
      return state.kubeconfig;
    },
    async stop() {
      await terminate(child);
      if (ownsDir) rmSync(stateDir, { recursive: true, force: true });
    },
    async restart() {
      await terminate(child);
      // At the same address, or clients holding the kubeconfig would see a new cluster, not a restart.
      ({ child, state } = await launchUntilReady(binary, stateDir, opts.apiServerArgs ?? [], log, { newPorts: false, apiServerPort: state.apiServerPort }));
      log(`restarted in ${state.readyAfterMs}ms`);
    },
    async compact() {
      await run(binary, ['compact', '--state-dir', stateDir], {});
    },
    setContainerLog(namespace, pod, container, text, logOpts) {
      return setContainerLog(state, namespace, pod, container, text, logOpts);
    },
  };
  return cluster;
}

/** Reads the state of a cluster another process started (see STATE_DIR_ENV). */
export function readClusterState(stateDir: string): ClusterState {
  const path = join(stateDir, 'state.json');
  if (!existsSync(path)) throw new Error(`no running test cluster in ${stateDir} (no state.json)`);
  return JSON.parse(readFileSync(path, 'utf8')) as ClusterState;
}

const running = new Set<ChildProcess>();
// A test runner that exits without calling stop() must not leave a control plane behind. The child
// also exits when its stdin closes, which covers this process being killed outright.
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

async function launch(binary: string, stateDir: string, extra: string[], log: (l: string) => void, apiServerPort?: number) {
  const logPath = join(stateDir, 'test-cluster.log');
  const fd = openSync(logPath, 'a');
  const args = ['serve', '--state-dir', stateDir, '--exit-on-stdin-eof'];
  if (apiServerPort !== undefined) args.push('--port', String(apiServerPort));
  if (extra.length > 0) args.push('--', ...extra);
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', fd] });
  closeSync(fd);
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.stdout?.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line.trim()) log(line.trim());
  });
  return child;
}

/**
 * The ports are picked free, then bound a few seconds later by etcd, the API server and the fake
 * kubelet; with many tests starting servers side by side another process can take one in between.
 * That start is tried again: with new ports for a cluster of our own, with the same ones (after a
 * pause) where a restart must come back at the same address.
 */
async function launchUntilReady(
  binary: string,
  stateDir: string,
  extra: string[],
  log: (l: string) => void,
  { newPorts, apiServerPort }: { newPorts: boolean; apiServerPort?: number },
): Promise<{ child: ChildProcess; state: ClusterState }> {
  const logPath = join(stateDir, 'test-cluster.log');
  for (let attempt = 1; ; attempt++) {
    // The log is appended to: only what this attempt wrote says why it failed.
    const logStart = existsSync(logPath) ? statSync(logPath).size : 0;
    const child = await launch(binary, stateDir, extra, log, apiServerPort);
    try {
      return { child, state: await waitForState(child, stateDir) };
    } catch (err) {
      const written = existsSync(logPath) ? readFileSync(logPath).subarray(logStart).toString() : '';
      if (attempt >= 3 || !/address already in use|requested API server port \d+ is in use/i.test(written)) throw err;
      log(`a port was taken while the cluster started (attempt ${attempt}); starting again`);
      if (newPorts) rmSync(join(stateDir, 'ports.json'), { force: true });
      else await sleep(1000);
    }
  }
}

async function waitForState(child: ChildProcess, stateDir: string): Promise<ClusterState> {
  const deadline = Date.now() + 180_000;
  const statePath = join(stateDir, 'state.json');
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`test-cluster exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${logTail(stateDir)}`);
    }
    if (existsSync(statePath)) {
      const state = readClusterState(stateDir);
      if (state.pid === child.pid) return state;
    }
    await sleep(100);
  }
  await terminate(child);
  throw new Error(`test-cluster not ready after 180s:\n${logTail(stateDir)}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function logTail(stateDir: string): string {
  const lines: string[] = [];
  for (const name of ['test-cluster.log', 'controller-manager.log']) {
    const p = join(stateDir, name);
    if (existsSync(p)) lines.push(`--- ${name}`, ...readFileSync(p, 'utf8').trimEnd().split('\n').slice(-30));
  }
  return lines.join('\n');
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
