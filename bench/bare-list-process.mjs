// The start-up baseline of bench:live: a plain paginated LIST of the benchmark's Pods and custom
// resources with @kubernetes/client-node. Plain JavaScript so that, run as a program of its own, nothing
// but Node and the package stands between spawn and the first request; bench:live and
// bench/live-profile.ts also call bareList() in their own process, so every baseline lists alike.
//
//   node bench/bare-list-process.mjs KUBECONFIG GROUP PLURAL [PAGE_SIZE]
//
// As a program: imports client-node as published, loads the kubeconfig and lists, then prints one
// JSON line when the last page is in: {"listed":N,"importMs":...,"listMs":...,"cpuMs":...,"maxRssKiB":...}
// (cpuMs: the process's CPU time from its start, every thread; maxRssKiB: its peak RSS).
import { pathToFileURL } from 'node:url';

/** Every Pod, then every custom resource of GROUP/v1 PLURAL, page by page; returns how many were listed. */
export async function bareList(k8s, kc, { group, plural, limit = 500 }) {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  let listed = 0;
  let cont;
  do {
    const page = await core.listPodForAllNamespaces({ limit, ...(cont ? { _continue: cont } : {}) });
    listed += page.items.length;
    cont = page.metadata?._continue;
  } while (cont);
  do {
    const page = await custom.listClusterCustomObject({ group, version: 'v1', plural, limit, ...(cont ? { _continue: cont } : {}) });
    listed += page.items.length;
    cont = page.metadata?.continue;
  } while (cont);
  return listed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const [kubeconfig, group, plural, pageArg] = process.argv.slice(2);
  if (!kubeconfig || !group || !plural) {
    console.error('usage: node bench/bare-list-process.mjs KUBECONFIG GROUP PLURAL [PAGE_SIZE]');
    process.exit(2);
  }
  const k8s = await import('@kubernetes/client-node');
  const imported = performance.now();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const listed = await bareList(k8s, kc, { group, plural, limit: Number(pageArg ?? 500) });
  const cpu = process.cpuUsage();
  const maxRssKiB = process.resourceUsage().maxRSS;
  console.log(JSON.stringify({ listed, importMs: Math.round(imported - started), listMs: Math.round(performance.now() - imported), cpuMs: Math.round((cpu.user + cpu.system) / 1000), maxRssKiB }));
}
