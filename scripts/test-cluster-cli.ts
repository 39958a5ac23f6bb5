// Command-line access to the test cluster: `build` compiles it if stale; `up` runs one until Ctrl-C
// and prints how to point kubectl or Driftwatch at it.
import { ensureTestClusterBinary, startTestCluster } from '../testing/test-cluster';

const [command = 'up', ...rest] = process.argv.slice(2);

if (command === 'build') {
  await ensureTestClusterBinary();
} else if (command === 'up') {
  const dirFlag = rest.indexOf('--state-dir');
  const stateDir = dirFlag >= 0 ? rest[dirFlag + 1] : undefined;
  const cluster = await startTestCluster({ stateDir });
  console.log(`\nexport KUBECONFIG=${cluster.kubeconfig}\n(Ctrl-C stops the cluster)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await cluster.stop();
} else {
  console.error('usage: npm run test-cluster -- [build | up [--state-dir DIR]]');
  process.exit(2);
}
