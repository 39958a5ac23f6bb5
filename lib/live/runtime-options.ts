import type { DashboardConfig } from '../config/dashboard-config';
import { ownerTemplateDesired, type ParseWorkerOptions } from '../desired';
import type { KubeObject } from '../kube/cache-diff';
import type { OwnerTemplateBuilder } from './drift-tracker';
import { DirectoryManifestFeed } from './manifest-feed';
import type { RuntimeOptions } from './runtime';

/** lib/desired's owner-template source, in the shape the tracker takes. */
export const ownerTemplateBuilder: OwnerTemplateBuilder = (pod, owner) => {
  const r = ownerTemplateDesired(pod, owner);
  if (r === undefined || !r.ok) return r;
  return { ok: true, manifest: r.desired.manifest as unknown as KubeObject, revision: r.desired.revision, warnings: r.warnings };
};

/**
 * Wires the desired-state sources into a runtime for this configuration. `parseWorker`: the
 * compiled manifest parse worker, when there is one (the production build's); without it
 * manifests are parsed on the server's thread.
 */
export function runtimeOptions(config: DashboardConfig, parseWorker?: ParseWorkerOptions): RuntimeOptions {
  const workers = configuredParseWorker(config, parseWorker);
  return {
    config,
    ...(config.manifests.length > 0 ? { manifests: new DirectoryManifestFeed(config.manifests, workers ? { parseWorker: workers } : {}) } : {}),
    ...(config.sources.includes('owner-template') ? { ownerTemplate: ownerTemplateBuilder } : {}),
  };
}

/** The parse workers in force: none without a worker script or when the configuration sets 0 threads. */
export function configuredParseWorker(config: DashboardConfig, parseWorker: ParseWorkerOptions | undefined): ParseWorkerOptions | undefined {
  if (parseWorker === undefined || config.manifestParseThreads === 0) return undefined;
  return config.manifestParseThreads === undefined ? parseWorker : { ...parseWorker, threads: config.manifestParseThreads };
}
