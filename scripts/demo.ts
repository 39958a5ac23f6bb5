// The demo: a real local control plane and the dashboard on it, until Ctrl-C.
//   --port N             dashboard port (default 3000, or a free one if 3000 is taken)
//   --state-dir D        keep the local cluster's data in D across runs (default: a temp dir)
//   --kubeconfig F       use your own cluster from this kubeconfig instead of the local one
//   --context C          ... and this context of it (default: its current-context)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePort, portProblem } from '../lib/config/port';
import { freePort } from '../testing/free-port';
import { buildNext, startNextServer } from '../testing/next-server';
import { buildIsCurrent } from './build-info.mjs';
import { serverBundleDir } from './server-bundle.mjs';
import { startDemoDrift, type DemoDrift } from '../testing/demo-drift';
import { DEMO_CRD_GROUP, DEMO_FIELD_MANAGER, DEMO_NAMESPACE, seedDemo } from '../testing/demo-seed';
import { startTestCluster, type TestCluster } from '../testing/test-cluster';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// Every flag takes a value; anything else is a typo that would otherwise be ignored in silence.
const FLAGS = new Set(['--port', '--state-dir', '--kubeconfig', '--context']);
for (let i = 2; i < process.argv.length; i += 2) {
  const flag = process.argv[i]!;
  const value = process.argv[i + 1];
  if (!FLAGS.has(flag) || value === undefined || value.startsWith('--')) {
    console.error(`[demo] ${FLAGS.has(flag) ? `${flag} needs a value` : `unknown option ${flag}`}. Options: --port N, --state-dir DIR, --kubeconfig FILE, --context NAME`);
    process.exit(2);
  }
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
const portText = arg('--port') ?? process.env.PORT ?? '3000';
const requested = parsePort(portText);
if (requested === undefined) {
  console.error(`[demo] ${portProblem(arg('--port') !== undefined ? '--port' : 'PORT', portText)}`);
  process.exit(2);
}
const port = (await portAvailable(requested)) ? requested : await freePort();

const ownKubeconfig = arg('--kubeconfig');
const ownContext = arg('--context') ?? '';
if (ownKubeconfig && !existsSync(ownKubeconfig)) {
  console.error(`[demo] kubeconfig ${ownKubeconfig} does not exist`);
  process.exit(2);
}
let cluster: TestCluster | undefined;
let seeded: Awaited<ReturnType<typeof seedDemo>> | undefined;
let drift: DemoDrift | undefined;
let demoKc: KubeConfig | undefined;
const demoDir = mkdtempSync(join(tmpdir(), 'driftwatch-demo-'));
const manifestsDir = join(demoDir, 'manifests');
if (!ownKubeconfig && !ownContext) {
  log('starting a local Kubernetes control plane (kube-apiserver, etcd, controller manager) ...');
  cluster = await startTestCluster({ stateDir: arg('--state-dir') });
  log('seeding it with a shop to watch, and drift ...');
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  demoKc = kc;
  try {
    seeded = await seedDemo(kc, manifestsDir);
  } catch (err) {
    console.error(`[demo] seeding failed: ${err instanceof Error ? err.message : String(err)}`);
    await cluster.stop();
    process.exit(1);
  }
}
// With only --context, the server resolves the kubeconfig as kubectl would ($KUBECONFIG, ~/.kube/config).
const clusterEnv = cluster
  ? {
      KUBECONFIG: cluster.kubeconfig,
      DRIFTWATCH_KUBECONFIG: '',
      DRIFTWATCH_CONTEXT: '',
      DRIFTWATCH_MANIFESTS: manifestsDir,
      DRIFTWATCH_DATA_DIR: join(demoDir, 'history'),
      DRIFTWATCH_FIELD_MANAGER: DEMO_FIELD_MANAGER,
    }
  : { DRIFTWATCH_KUBECONFIG: ownKubeconfig ?? '', DRIFTWATCH_CONTEXT: ownContext };
const kubeconfigShown = ownKubeconfig ?? process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config');
const cleanup = async () => {
  if (stopping) return;
  stopping = true;
  log('stopping ...');
  await drift?.stop();
  await server?.stop().catch(() => undefined);
  await cluster?.stop();
  rmSync(demoDir, { recursive: true, force: true });
  log('stopped; nothing left running');
  process.exit(0);
};
process.on('SIGINT', cleanup);
process.on('SIGTERM', cleanup);

let server: Awaited<ReturnType<typeof startNextServer>> | undefined;
try {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  if (!process.env.DRIFTWATCH_DEMO_REBUILD && buildIsCurrent(root, serverBundleDir(root))) {
    log('the dashboard is built from this commit, with no change since: not building it again (DRIFTWATCH_DEMO_REBUILD=1 does)');
  } else {
    log('building the dashboard (npm run build, about two minutes) ...');
    await buildNext();
  }
  // What `npm start` runs.
  server = await startNextServer({
    driftwatchServer: true,
    port,
    env: { ...process.env, ...clusterEnv },
    log: (chunk) => process.stdout.write(chunk),
  });
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await cluster?.stop();
  process.exit(1);
}

// Only on the local demo cluster: the demo's actors write; Driftwatch itself never does.
if (cluster && demoKc) drift = startDemoDrift(demoKc, { namespace: DEMO_NAMESPACE, crdGroup: DEMO_CRD_GROUP, log });

const clusterNote = cluster
  ? `The local cluster behind it is real, seeded with a shop (namespace ${DEMO_NAMESPACE}) applied from
  ${manifestsDir} and then changed behind git's back:
    drifted: ${seeded?.drifted.join(', ')}
    missing: ${seeded?.missing.join(', ')}
  and it keeps changing, every few seconds:
    cart-operator rewrites Deployment/cart's CART_MODE env var (and puts it back: a flapping field)
    hpa-controller and kubectl-scale fight over StatefulSet/shop-db's spec.replicas
    cache-operator resizes Cache/sessions (a custom resource)
    Deployment/cart-operator's Pod is in CrashLoopBackOff, its restart count climbing
  See it: ${server.url}/drift
  Edit the manifests there, or use kubectl:  export KUBECONFIG=${cluster.kubeconfig}`
  : `Watching your cluster from ${kubeconfigShown}${ownContext ? ` (context ${ownContext})` : ''}, read-only.`;
console.log(`
  Driftwatch is running: ${server.url}   (ready in ${((Date.now() - t0) / 1000).toFixed(0)}s)

  ${clusterNote}

  Press Ctrl-C to stop${cluster ? ' the dashboard and the cluster' : ''}.
`);
