// The start-up baseline of bench:live as a program of its own: a fresh Node process that imports
// @kubernetes/client-node as published, loads the kubeconfig and LISTs the benchmark's Pods and
// custom resources page by page, as the dashboard does from its own start. Plain JavaScript, so
// that nothing but Node and the package stands between spawn and the first request.
//
//   node bench/bare-list-process.mjs KUBECONFIG GROUP PLURAL [PAGE_SIZE]
//
// Prints one JSON line when the last page is in: {"listed":N,"importMs":...,"listMs":...}.
const started = performance.now();
const [kubeconfig, group, plural, pageArg] = process.argv.slice(2);
if (!kubeconfig || !group || !plural) {
  console.error('usage: node bench/bare-list-process.mjs KUBECONFIG GROUP PLURAL [PAGE_SIZE]');
  process.exit(2);
}
const limit = Number(pageArg ?? 500);
const { KubeConfig, CoreV1Api, CustomObjectsApi } = await import('@kubernetes/client-node');
const imported = performance.now();
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
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
console.log(JSON.stringify({ listed, importMs: Math.round(imported - started), listMs: Math.round(performance.now() - imported) }));
