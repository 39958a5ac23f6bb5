import type { KubeConfig } from '@kubernetes/client-node';
import { describeKubeError } from './errors';
import { getJson } from './http';

/** One listable API resource, as discovery reports it. */
export interface ApiResource {
  group: string;
  version: string;
  /** group/version as used in apiVersion: "v1", "apps/v1". */
  apiVersion: string;
  kind: string;
  /** The plural resource name used in URLs. */
  name: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
}

/** The URL path of a resource's objects in its version, within `namespace` when one is given. */
export function resourcePath(resource: Pick<ApiResource, 'group' | 'version' | 'name'>, namespace?: string): string {
  const gv = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${gv}${ns}/${resource.name}`;
}

export interface DiscoveryResult {
  /**
   * Every resource the cluster serves, once: in its group's preferred version when that version
   * serves it, else in the first other version (in the group's own order) that does.
   */
  resources: ApiResource[];
  /** Every version each group serves ('' for the core group), preferred or not. */
  servedVersions?: ReadonlyMap<string, ReadonlyArray<string>>;
  /** Group versions whose discovery failed; the rest are still returned. */
  failures: { groupVersion: string; message: string }[];
}

interface ApiResourceList {
  groupVersion: string;
  resources: {
    name: string;
    namespaced: boolean;
    kind: string;
    verbs?: string[];
    shortNames?: string[];
  }[];
}

interface ApiGroupList {
  groups: { name: string; versions?: { groupVersion: string; version: string }[]; preferredVersion?: { groupVersion: string; version: string } }[];
}

/**
 * Lists every resource of every API group, core included, as client-go's
 * ServerPreferredResources does: each served version of a group is read, and a resource is taken
 * from the preferred version when it is served there, else from the highest-priority version that
 * serves it. Reading the preferred version alone missed resources that only an older version
 * serves (Prometheus Operator's AlertmanagerConfig, v1alpha1 only, in a group that prefers v1).
 * A group-version whose discovery fails (an aggregated API that is down, say) is reported and
 * skipped; when that is the group's preferred version, the group's other versions are not used
 * either, so that a blip never moves its resources to another version (the caller keeps the last
 * answer for a group that did not answer).
 */
export async function discoverResources(kc: KubeConfig): Promise<DiscoveryResult> {
  const groups = await getJson<ApiGroupList>(kc, '/apis', { timeoutMs: 15_000 });
  const servedVersions = new Map<string, string[]>([['', ['v1']], ...groups.groups.map((g): [string, string[]] => [g.name, (g.versions ?? []).map((v) => v.version)])]);
  // Highest priority first: the preferred version, then the others in the order /apis gives them.
  const byGroup: { group: string; groupVersions: string[] }[] = [{ group: '', groupVersions: ['v1'] }];
  for (const g of groups.groups) {
    const preferred = g.preferredVersion?.groupVersion;
    const others = (g.versions ?? []).map((v) => v.groupVersion).filter((gv) => gv !== preferred);
    byGroup.push({ group: g.name, groupVersions: preferred ? [preferred, ...others] : others });
  }
  const all = byGroup.flatMap((g) => g.groupVersions);
  const answers = await Promise.allSettled(all.map((gv) => discoverGroupVersion(kc, gv)));
  const settled = new Map(all.map((gv, i) => [gv, answers[i]]));
  const resources: ApiResource[] = [];
  const failures: DiscoveryResult['failures'] = [];
  for (const { groupVersions } of byGroup) {
    const found = new Set<string>();
    let preferredFailed = false;
    groupVersions.forEach((gv, i) => {
      const result = settled.get(gv);
      if (!result) return;
      if (result.status === 'rejected') {
        const err: unknown = result.reason;
        failures.push({ groupVersion: gv, message: describeKubeError(err) });
        if (i === 0) preferredFailed = true;
        return;
      }
      if (preferredFailed) return;
      for (const r of result.value) {
        if (found.has(r.name)) continue;
        found.add(r.name);
        resources.push(r);
      }
    });
  }
  resources.sort((a, b) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind));
  return { resources, failures, servedVersions };
}

/** The resources one group-version serves (the preferred one, or another that manifests are written for). */
export async function discoverGroupVersion(kc: KubeConfig, groupVersion: string): Promise<ApiResource[]> {
  const path = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
  return resourcesOf(groupVersion, await getJson<ApiResourceList>(kc, path, { timeoutMs: 15_000 }));
}

function resourcesOf(gv: string, list: ApiResourceList): ApiResource[] {
  const [group, version] = gv.includes('/') ? (gv.split('/') as [string, string]) : ['', gv];
  const out: ApiResource[] = [];
  for (const r of list.resources) {
    if (r.name.includes('/')) continue; // subresources such as pods/log
    out.push({ group, version, apiVersion: gv, kind: r.kind, name: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [], shortNames: r.shortNames ?? [] });
  }
  return out;
}
