import type { KubeConfig } from '@kubernetes/client-node';
import { toKubeObject, type KubeObject } from './cache-diff';
import { resourcePath, type ApiResource } from './discovery';
import { kubeErrorStatus } from './errors';
import { getJson, KubeApiError } from './http';

/**
 * One object, read in the version of `resource` (the API server converts it). undefined when it
 * does not exist (404); other failures throw, as KubeApiError.
 */
export async function readObject(kc: KubeConfig, resource: ApiResource, namespace: string | undefined, name: string, timeoutMs = 15_000): Promise<KubeObject | undefined> {
  const path = `${resourcePath(resource, resource.namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
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
