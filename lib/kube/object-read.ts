import type { KubeConfig } from '@kubernetes/client-node';
import { toKubeObject, type KubeObject } from './cache-diff';
import type { ApiResource } from './discovery';
import { kubeErrorStatus } from './errors';
import { getJson, KubeApiError } from './http';

/** The URL path of one object of `resource` (in the resource's version). */
export function objectPathOf(resource: Pick<ApiResource, 'group' | 'version' | 'name' | 'namespaced'>, namespace: string | undefined, name: string): string {
  const gv = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${gv}${ns}/${resource.name}/${encodeURIComponent(name)}`;
}

/**
 * One object, read in the version of `resource` (the API server converts it). undefined when it
 * does not exist (404); other failures throw, as KubeApiError.
 */
export async function readObject(kc: KubeConfig, resource: ApiResource, namespace: string | undefined, name: string, timeoutMs = 15_000): Promise<KubeObject | undefined> {
  const path = objectPathOf(resource, namespace, name);
  let raw: unknown;
  try {
    raw = await getJson<unknown>(kc, path, { timeoutMs });
  } catch (err) {
    if (kubeErrorStatus(err) === 404) return undefined;
    throw err;
  }
  const obj = toKubeObject(raw);
  if (!obj) throw new KubeApiError(0, 'BadResponse', `${path}: the answer is not an object`);
  return obj;
}
