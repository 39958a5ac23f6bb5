import { parseDashboardConfig } from '../lib/config/dashboard-config';
import { DirectoryManifestFeed } from '../lib/live/manifest-feed';
import { LiveRuntime } from '../lib/live/runtime';
import { ownerTemplateBuilder } from '../lib/live/runtime-options';
import type { DriftEvent } from '../lib/live/types';

export interface LiveRuntimeOptions {
  /** The field manager the manifests are applied with. */
  fieldManager: string;
  context?: string;
  /** More of the dashboard configuration (watch, sources, …). */
  config?: Record<string, unknown>;
  informer?: Record<string, unknown>;
  /** The runtime's log lines (dropped when not given). */
  log?: (msg: string) => void;
}

/**
 * The whole live runtime on one cluster (named `test`) and one manifest directory, as the server
 * runs it but with the directory's periodic rescans off; not started.
 */
export function createLiveRuntime(kubeconfig: string, dir: string, opts: LiveRuntimeOptions): LiveRuntime {
  const config = parseDashboardConfig(
    { clusters: [{ name: 'test', kubeconfig, ...(opts.context ? { context: opts.context } : {}) }], manifests: [dir], fieldManager: opts.fieldManager, ...opts.config },
    'test',
  );
  const feed = new DirectoryManifestFeed(config.manifests, { rescanIntervalMs: 0, gitPollMs: 0, debounceMs: 50 });
  return new LiveRuntime({ config, manifests: feed, ownerTemplate: ownerTemplateBuilder, informer: opts.informer ?? {}, log: opts.log ?? (() => undefined) });
}

/** createLiveRuntime, started and ready; every drift event it publishes is recorded. The caller stops it. */
export async function startLiveRuntime(
  kubeconfig: string,
  dir: string,
  opts: LiveRuntimeOptions & { readyTimeoutMs?: number },
): Promise<{ runtime: LiveRuntime; events: DriftEvent[] }> {
  const runtime = createLiveRuntime(kubeconfig, dir, opts);
  const events: DriftEvent[] = [];
  runtime.events.subscribe((e) => events.push(e));
  await runtime.start();
  await runtime.ready(opts.readyTimeoutMs ?? 60_000);
  return { runtime, events };
}
