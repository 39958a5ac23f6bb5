/**
 * The objects bench:live (and bench/live-profile.ts) measure: bare Pods with a kubelet-like status
 * and custom resources in NAMESPACES namespaces, each with its desired manifest in a directory
 * (1,000 JSON documents to a file, separated by `---`).
 *
 * Creating 15,000 objects takes minutes, so a run is named (`--run ID`) and its objects can be
 * reused by later runs on a cluster left running (`npm run test-cluster -- up --state-dir DIR` and
 * DRIFTWATCH_TEST_CLUSTER_STATE_DIR=DIR): a marker file in the cluster's state directory records
 * that run ID's objects were all created; the manifests are regenerated (they are deterministic).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../testing/kube-write';
import { runningPodStatus, syntheticCrd, syntheticPod, syntheticWidget, type SyntheticObject } from '../testing/synthetic-objects';
import { createNamespace, inParallel, progress, type BenchCluster } from './bench-cluster';

export const NAMESPACES = 10;
/** The field manager that applied the desired manifests: the dashboard's DRIFTWATCH_FIELD_MANAGER. */
export const MANAGER = 'gitops-sync';

/**
 * A bench dashboard's environment: this cluster only (no configuration file, context or other
 * kubeconfig from the caller's shell), these manifests applied by MANAGER, and a history database
 * of the run's own.
 */
export function dashboardEnv(kubeconfig: string, manifests: string, dataDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KUBECONFIG: kubeconfig,
    DRIFTWATCH_KUBECONFIG: '',
    DRIFTWATCH_CONTEXT: '',
    DRIFTWATCH_CONFIG: '',
    DRIFTWATCH_MANIFESTS: manifests,
    DRIFTWATCH_FIELD_MANAGER: MANAGER,
    DRIFTWATCH_DATA_DIR: dataDir,
  };
}
/** The field manager of the benchmark's mutations (drift attributed to another actor). */
export const MUTATOR = 'bench-mutator';

export interface LiveFixture {
  run: string;
  group: string;
  namespaces: string[];
  objects: { o: SyntheticObject; ns: string }[];
  /** The directory holding every object's desired manifest. */
  manifests: string;
  /** Whether the objects were created by an earlier run. */
  reused: boolean;
  pathOf(o: SyntheticObject, ns: string, query?: Record<string, string>, sub?: string): string;
}

export interface FixtureOptions {
  pods: number;
  crs: number;
  /** Reuse (or create under) this run ID; default: a fresh one. */
  run?: string;
  /** Where to write the manifest directory (created). */
  workDir: string;
  /** Write the manifests as YAML (what most trees are) instead of JSON documents. */
  yaml?: boolean;
}

/** Reads `--name value` from argv. */
export function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function liveFixture(cluster: BenchCluster, opts: FixtureOptions): Promise<LiveFixture> {
  const { kc } = cluster;
  const run = opts.run ?? Date.now().toString(36);
  if (!/^[a-z0-9]{1,20}$/.test(run)) throw new Error(`--run ${run}: use 1-20 lowercase letters and digits`);
  const group = `bench-${run}.driftwatch.bench`;
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `bench-live-${run}-${i}`);
  const objects: LiveFixture['objects'] = [];
  for (let i = 0; i < opts.pods; i++) {
    const ns = namespaces[i % NAMESPACES]!;
    objects.push({ o: syntheticPod(ns, i), ns });
  }
  for (let i = 0; i < opts.crs; i++) {
    const ns = namespaces[i % NAMESPACES]!;
    objects.push({ o: syntheticWidget(ns, group, i), ns });
  }
  const pathOf = (o: SyntheticObject, ns: string, query: Record<string, string> = {}, sub = '') =>
    objectPath({ apiVersion: o.manifest.apiVersion ?? '', resource: o.resource, namespace: ns, name: `${o.manifest.metadata?.name}${sub}` }, query);

  const marker = cluster.stateDir ? join(cluster.stateDir, `bench-live-${run}.json`) : undefined;
  const want = { pods: opts.pods, crs: opts.crs };
  const have = marker && existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as typeof want) : undefined;
  const reused = have !== undefined && have.pods === want.pods && have.crs === want.crs;
  if (have && !reused) throw new Error(`run ${run} has ${have.pods} Pods and ${have.crs} custom resources, not ${want.pods} and ${want.crs}: use another --run`);
  if (reused) {
    progress(`reusing the ${opts.pods} Pods and ${opts.crs} custom resources of run ${run}`);
  } else {
    progress(`creating ${opts.pods} Pods and ${opts.crs} custom resources in ${NAMESPACES} namespaces (run ${run})`);
    await inParallel(namespaces, 4, async (ns) => {
      try {
        await createNamespace(kc, ns);
      } catch (err) {
        // An interrupted earlier attempt of the same run.
        if (!(err instanceof Error && /already exists/.test(err.message))) throw err;
      }
    });
    const crd = syntheticCrd(group);
    await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: 'apiextensions.k8s.io/v1', resource: 'customresourcedefinitions', name: crd.metadata?.name }, { fieldManager: MANAGER }), crd, CONTENT_TYPE.apply);
    let created = 0;
    const t0 = Date.now();
    await inParallel(objects, 32, async ({ o, ns }, i) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await kubeWrite(kc, 'PATCH', pathOf(o, ns, { fieldManager: MANAGER, force: 'true' }), o.manifest, CONTENT_TYPE.apply);
          break;
        } catch (err) {
          // The CRD's resource is served a moment after the CRD is created.
          if (attempt > 100) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      if (o.resource === 'pods') await kubeWrite(kc, 'PATCH', pathOf(o, ns, {}, '/status'), { status: runningPodStatus(o.manifest, i) }, CONTENT_TYPE.merge);
      if (++created % 2500 === 0) progress(`  ${created}/${objects.length} (${Math.round(created / ((Date.now() - t0) / 1000))}/s)`);
    });
    if (marker) writeFileSync(marker, JSON.stringify(want));
  }

  // Desired state: every object's manifest, 1,000 to a file (JSON documents unless opts.yaml).
  const manifests = join(opts.workDir, 'manifests');
  mkdirSync(manifests, { recursive: true });
  for (let f = 0; f * 1000 < objects.length; f++) {
    const docs = objects.slice(f * 1000, (f + 1) * 1000).map(({ o }) => (opts.yaml ? stringify(o.manifest) : JSON.stringify(o.manifest)));
    writeFileSync(join(manifests, `part-${f}.yaml`), docs.join(opts.yaml ? '---\n' : '\n---\n'));
  }
  return { run, group, namespaces, objects, manifests, reused, pathOf };
}

/**
 * The baseline watch: a plain @kubernetes/client-node Watch of every Pod from `resourceVersion`.
 * When the server or the connection ends it (client-node then calls `done`), it is reopened from
 * the last resourceVersion seen, as any client must; the reasons are counted and reported.
 */
export async function bareWatch(
  kc: KubeConfig,
  resourceVersion: string | undefined,
  onObject: (obj: { metadata?: { labels?: Record<string, string>; resourceVersion?: string } }) => void,
): Promise<{ stop(): void; ends: string[] }> {
  const ends: string[] = [];
  let rv = resourceVersion;
  let stopped = false;
  let current: AbortController | undefined;
  const open = async (): Promise<void> => {
    current = await new Watch(kc).watch(
      '/api/v1/pods',
      { ...(rv ? { resourceVersion: rv } : {}), allowWatchBookmarks: true },
      (_phase, obj: { metadata?: { labels?: Record<string, string>; resourceVersion?: string } }) => {
        if (obj.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
        onObject(obj);
      },
      (err: unknown) => {
        if (stopped) return;
        ends.push(err instanceof Error ? err.message : String(err ?? 'closed'));
        setTimeout(() => void open().catch((e: unknown) => ends.push(`reopen: ${String(e)}`)), 100);
      },
    );
  };
  await open();
  return {
    stop() {
      stopped = true;
      current?.abort();
    },
    ends,
  };
}
