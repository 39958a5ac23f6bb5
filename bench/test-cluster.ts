// Measures the test cluster: warm start time (to /readyz, and to fully ready with the controller
// manager working) over N starts, and the resident memory of both processes once settled.
//   npm run bench:test-cluster -- [--runs N]
import { readFileSync } from 'node:fs';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { ensureTestClusterBinary, startTestCluster } from '../testing/test-cluster';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 5;

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

await ensureTestClusterBinary();
const apiReady: number[] = [];
const fullReady: number[] = [];
const wall: number[] = [];
let rss = { apiserver: 0, kcm: 0, apiserverLoaded: 0, kcmLoaded: 0 };
for (let i = 0; i < runs; i++) {
  const t0 = Date.now();
  const cluster = await startTestCluster({ log: () => undefined });
  wall.push(Date.now() - t0);
  apiReady.push(cluster.state.apiServerReadyAfterMs);
  fullReady.push(cluster.state.readyAfterMs);
  if (i === runs - 1) {
    await new Promise((r) => setTimeout(r, 5000));
    rss = { ...rss, apiserver: rssMiB(cluster.state.pid), kcm: rssMiB(cluster.state.controllerManagerPid) };
    // A little work: a Deployment of 50 replicas (ReplicaSet + 50 Pods made by the controllers).
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'load' },
        spec: {
          replicas: 50,
          selector: { matchLabels: { app: 'load' } },
          template: { metadata: { labels: { app: 'load' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
        },
      },
    });
    await new Promise((r) => setTimeout(r, 10_000));
    rss = { ...rss, apiserverLoaded: rssMiB(cluster.state.pid), kcmLoaded: rssMiB(cluster.state.controllerManagerPid) };
  }
  await cluster.stop();
}
console.log(`test-cluster warm starts: ${runs}`);
console.log(`  /readyz answered after   median ${median(apiReady)} ms  (min ${Math.min(...apiReady)}, max ${Math.max(...apiReady)})`);
console.log(`  fully ready (kcm works)  median ${median(fullReady)} ms  (min ${Math.min(...fullReady)}, max ${Math.max(...fullReady)})`);
console.log(`  harness wall time        median ${median(wall)} ms (spawn to state.json seen)`);
console.log(`  RSS idle:  kube-apiserver+etcd ${rss.apiserver} MiB, controller manager ${rss.kcm} MiB`);
console.log(`  RSS after a 50-replica Deployment: ${rss.apiserverLoaded} MiB, ${rss.kcmLoaded} MiB`);
console.log(JSON.stringify({ runs, apiReadyMedianMs: median(apiReady), fullReadyMedianMs: median(fullReady), rssMiB: rss }));
