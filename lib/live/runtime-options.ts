import type { DashboardConfig } from '../config/dashboard-config';
import { ownerTemplateDesired } from '../desired';
import type { KubeObject } from '../kube/cache-diff';
import type { OwnerTemplateBuilder } from './drift-tracker';
import { DirectoryManifestFeed } from './manifest-feed';
import type { RuntimeOptions } from './runtime';

/** lib/desired's owner-template source, in the shape the tracker takes. */
export const ownerTemplateBuilder: OwnerTemplateBuilder = (pod, owner) => {
  const r = ownerTemplateDesired(pod, owner);
  return r?.ok ? (r.desired.manifest as unknown as KubeObject) : undefined;
};

/** Wires the desired-state sources into a runtime for this configuration. */
export function runtimeOptions(config: DashboardConfig): RuntimeOptions {
  return {
    config,
    ...(config.manifests.length > 0 ? { manifests: new DirectoryManifestFeed(config.manifests) } : {}),
    ...(config.sources.includes('owner-template') ? { ownerTemplate: ownerTemplateBuilder } : {}),
  };
}
