import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

export interface NamespaceSummary {
  name: string;
  phase: string;
  createdAt: string | null;
  labels: Record<string, string>;
}

export async function listNamespaces(kc: KubeConfig): Promise<NamespaceSummary[]> {
  const api = kc.makeApiClient(CoreV1Api);
  const list = await api.listNamespace();
  return list.items
    .map((ns) => ({
      name: ns.metadata?.name ?? '',
      phase: ns.status?.phase ?? 'Unknown',
      createdAt: ns.metadata?.creationTimestamp ? new Date(ns.metadata.creationTimestamp).toISOString() : null,
      labels: ns.metadata?.labels ?? {},
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
