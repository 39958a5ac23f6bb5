import type { V1ConfigMap } from '@kubernetes/client-node';

/** Small builders for objects tests create often. */
export function ConfigMap(name: string, data: Record<string, string>, labels?: Record<string, string>): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data };
}
