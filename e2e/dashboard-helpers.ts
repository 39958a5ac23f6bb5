import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { APIRequestContext } from '@playwright/test';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../testing/kube-write';
import { E2E_FIELD_MANAGER } from './e2e-env';

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };

const RESOURCES: Record<string, string> = { ConfigMap: 'configmaps', Secret: 'secrets', Deployment: 'deployments', Service: 'services' };

/** Creates a namespace, applies the manifests as the GitOps manager and declares them in the dashboard's manifest directory. */
export async function declare(kc: KubeConfig, ns: string, manifests: Manifest[], file = `${ns}.yaml`): Promise<void> {
  const dir = process.env.DRIFTWATCH_E2E_MANIFESTS;
  if (!dir) throw new Error('DRIFTWATCH_E2E_MANIFESTS is not set');
  await kubeWrite(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(() => undefined);
  for (const m of manifests) {
    for (let attempt = 0; ; attempt++) {
      try {
        await kubeWrite(kc, 'PATCH', objectPath({ apiVersion: m.apiVersion, resource: RESOURCES[m.kind] ?? `${m.kind.toLowerCase()}s`, namespace: ns, name: m.metadata.name }, { fieldManager: E2E_FIELD_MANAGER, force: 'true' }), m, CONTENT_TYPE.apply);
        break;
      } catch (err) {
        // A new namespace's default ServiceAccount may not exist yet.
        if (attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  writeFileSync(join(dir, file), manifests.map((m) => JSON.stringify(m)).join('\n---\n') + '\n');
}

/** A merge patch by another field manager: what `kubectl edit` does. */
export function mutate(kc: KubeConfig, m: Pick<Manifest, 'apiVersion' | 'kind'> & { namespace: string; name: string }, patch: unknown, manager: string) {
  return kubeWrite(kc, 'PATCH', objectPath({ apiVersion: m.apiVersion, resource: RESOURCES[m.kind] ?? `${m.kind.toLowerCase()}s`, namespace: m.namespace, name: m.name }, { fieldManager: manager }), patch, CONTENT_TYPE.merge);
}

export interface ListedState {
  id: string;
  name: string;
  kind: string;
  status: string;
  cluster: string;
  changes: { path: string; manager?: { name: string } }[];
}

export async function statesIn(request: APIRequestContext, ns: string): Promise<ListedState[]> {
  const res = await request.get(`/api/v1/drift?namespace=${ns}&limit=1000`);
  if (!res.ok()) throw new Error(`drift list: ${res.status()}`);
  return ((await res.json()) as { items: ListedState[] }).items;
}

export async function stateOf(request: APIRequestContext, ns: string, kind: string, name: string): Promise<ListedState | undefined> {
  return (await statesIn(request, ns)).find((s) => s.kind === kind && s.name === name);
}
