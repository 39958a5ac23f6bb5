// The demo: a real local control plane and the dashboard on it, until Ctrl-C.
//   --port N        dashboard port (default 3000, or a free one if 3000 is taken)
//   --state-dir D   keep the cluster's data in D across runs (default: a temp dir, removed on exit)
import { buildNext, freePort, startNextServer } from '../testing/next-server';
import { startTestCluster } from '../testing/test-cluster';
import { createServer } from 'node:net';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function portAvailable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

const log = (s: string) => console.log(`[demo] ${s}`);
const t0 = Date.now();
let stopping = false;
const requested = Number(arg('--port') ?? process.env.PORT ?? 3000);
const port = (await portAvailable(requested)) ? requested : await freePort();

log('starting a local Kubernetes control plane (kube-apiserver, etcd, controller manager) ...');
const cluster = await startTestCluster({ stateDir: arg('--state-dir') });
const cleanup = async () => {
  if (stopping) return;
  stopping = true;
  log('stopping ...');
  await server?.stop().catch(() => undefined);
  await cluster.stop();
  log('stopped; nothing left running');
  process.exit(0);
};
process.on('SIGINT', cleanup);
process.on('SIGTERM', cleanup);

let server: Awaited<ReturnType<typeof startNextServer>> | undefined;
try {
  log('building the dashboard (next build) ...');
  await buildNext();
  server = await startNextServer({
    port,
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig, DRIFTWATCH_KUBECONFIG: '', DRIFTWATCH_CONTEXT: '' },
    log: (chunk) => process.stdout.write(chunk),
  });
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await cluster.stop();
  process.exit(1);
}

console.log(`
  Driftwatch is running: ${server.url}   (ready in ${((Date.now() - t0) / 1000).toFixed(0)}s)

  The cluster behind it is real. To use kubectl against it:
    export KUBECONFIG=${cluster.kubeconfig}

  Press Ctrl-C to stop the dashboard and the cluster.
`);
