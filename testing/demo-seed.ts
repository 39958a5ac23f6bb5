/**
 * Seeds the demo cluster with what a team deploys (testing/realistic-manifests.ts plus a `cart`
 * service and its operator), applied server-side from a manifest directory the dashboard watches,
 * and then drift that other actors cause: a hotfixed image and a `kubectl edit` of replicas, a
 * scaled StatefulSet, a hand-edited ConfigMap, a label someone added, a label someone removed from
 * a Service, a mutated custom resource, a manifest that was never applied. Safe to run again on
 * the same cluster. The drift that keeps going after that is testing/demo-drift.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { getJson } from '../lib/kube/http';
import { CONTENT_TYPE, kubeWrite, objectPath } from './kube-write';
import { realisticManifests, type ManifestCase } from './realistic-manifests';

export const DEMO_FIELD_MANAGER = 'gitops-sync';
export const DEMO_NAMESPACE = 'shop';
export const DEMO_CRD_GROUP = 'demo.driftwatch.io';
/** The label the seed removes from the shop Service. */
export const DEMO_REMOVED_LABEL = 'app.kubernetes.io/part-of';

/** The `cart` service, whose pod template an operator keeps rewriting, and that operator, which crashes. */
function cartManifests(ns: string): ManifestCase['manifest'][] {
  const labels = { 'app.kubernetes.io/name': 'cart', 'app.kubernetes.io/part-of': 'shop' };
  const deployment = (name: string, container: string, image: string, env: Array<{ name: string; value: string }>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: container, image, env, resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
      },
    },
  });
  return [
    deployment('cart', 'app', 'ghcr.io/example/cart:2.1.0', [
      { name: 'CART_MODE', value: 'standard' },
      { name: 'CART_TTL', value: '30m' },
    ]),
    deployment('cart-operator', 'operator', 'ghcr.io/example/cart-operator:0.9.1', [{ name: 'WATCH_NAMESPACE', value: ns }]),
  ];
}

const resourceOf = (kind: string) => {
  const lower = kind.toLowerCase();
  return lower.endsWith('s') ? `${lower}es` : `${lower}s`;
};

const refOf = (m: ManifestCase['manifest']) => ({
  apiVersion: m.apiVersion ?? '',
  resource: resourceOf(m.kind ?? ''),
  namespace: m.metadata?.namespace,
  name: m.metadata?.name,
});

async function retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 60) throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Writes the manifests into `dir`, applies them, and makes some of them drift. Returns what it did. */
export async function seedDemo(kc: KubeConfig, dir: string): Promise<{ drifted: string[]; missing: string[] }> {
  const ns = DEMO_NAMESPACE;
  const { crd, cases } = realisticManifests(ns, DEMO_CRD_GROUP);
  const cart = cartManifests(ns);
  mkdirSync(dir, { recursive: true });
  const neverApplied = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'feature-flags', namespace: ns },
    data: { checkout_v2: 'true' },
  };
  const docs = (list: unknown[]) => list.map((m) => JSON.stringify(m, null, 2)).join('\n---\n');
  writeFileSync(join(dir, '00-crd.yaml'), `${docs([crd.manifest])}\n`);
  writeFileSync(join(dir, 'shop.yaml'), `${docs([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, ...cases.map((c) => c.manifest), ...cart, neverApplied])}\n`);

  const apply = (m: ManifestCase['manifest']) =>
    kubeWrite(kc, 'PATCH', objectPath(refOf(m), { fieldManager: DEMO_FIELD_MANAGER, force: 'true' }), m, CONTENT_TYPE.apply);
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await apply(crd.manifest);
  await retry('the CRD to be served', () => getJson(kc, objectPath({ apiVersion: 'demo.driftwatch.io/v1', resource: 'caches', namespace: ns })));
  for (const c of cases) await retry(`apply ${c.manifest.kind}`, () => apply(c.manifest));
  for (const m of cart) await retry(`apply ${m.kind} ${m.metadata?.name}`, () => apply(m));

  // Drift by other actors, each as its own field manager.
  const drifting: [string, ManifestCase][] = [
    ['kubectl-edit', cases.find((c) => c.manifest.kind === 'Deployment')!],
    ['hpa-controller', cases.find((c) => c.manifest.kind === 'StatefulSet')!],
    ['kubectl-edit', cases.find((c) => c.manifest.kind === 'ConfigMap')!],
    ['kubectl-label', cases.find((c) => c.manifest.kind === 'RoleBinding')!],
    ['cache-operator', cases.find((c) => c.manifest.kind === 'Cache')!],
  ];
  for (const [manager, c] of drifting) {
    const builtin = !c.manifest.apiVersion?.includes('.') || c.manifest.apiVersion.includes('k8s.io/');
    await kubeWrite(kc, 'PATCH', objectPath(refOf(c.manifest), { fieldManager: manager }), c.mutation, builtin ? CONTENT_TYPE.strategic : CONTENT_TYPE.merge);
  }
  // `kubectl edit` of the shop Deployment's replicas, and a label someone deleted from its Service.
  const shop = cases.find((c) => c.manifest.kind === 'Deployment')!.manifest;
  await kubeWrite(kc, 'PATCH', objectPath(refOf(shop), { fieldManager: 'kubectl-edit' }), { spec: { replicas: 4 } }, CONTENT_TYPE.merge);
  const service = cases.find((c) => c.manifest.kind === 'Service')!.manifest;
  await kubeWrite(kc, 'PATCH', objectPath(refOf(service), { fieldManager: 'kubectl-label' }), { metadata: { labels: { [DEMO_REMOVED_LABEL]: null } } }, CONTENT_TYPE.merge);
  return {
    drifted: [...drifting.map(([, c]) => `${c.manifest.kind}/${c.manifest.metadata?.name}`), `Service/${service.metadata?.name}`],
    missing: [`ConfigMap/${neverApplied.metadata.name}`],
  };
}
