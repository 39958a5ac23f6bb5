import { loadKubeconfig, type LoadedKubeconfig } from './kubeconfig';

// Next.js may evaluate a server module more than once (dev reloads, several route bundles);
// a global keeps one connection per process, as the informers of later issues require.
const globalKey = Symbol.for('driftwatch.kube.connection');
type Holder = { [globalKey]?: LoadedKubeconfig };

/** The process's cluster connection, loaded on first use from the environment. */
export function getConnection(): LoadedKubeconfig {
  const holder = globalThis as Holder;
  holder[globalKey] ??= loadKubeconfig();
  return holder[globalKey];
}
