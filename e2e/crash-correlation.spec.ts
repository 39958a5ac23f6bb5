/**
 * Drift, then a crash: an "operator" rewrites a Deployment's pod template, the new ReplicaSet's
 * Pod lands on the test cluster's fake node and goes into CrashLoopBackOff, and its previous log
 * (served through the real pods/log path) holds the panic of a real Go program that wrote to a
 * nil map. The object page must show the drift, the crash, the panic message, `main.go:<line>`
 * and that the drift came first, and, while the page stays open, a later restart.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { bindToFakeNode, setCrashLoopStatus } from '../testing/crashing-pod';
import { setContainerLog } from '../testing/fake-kubelet';
import { crashLine, runGoCrashes, type GoRun } from '../testing/go-crash';
import { getJson } from '../lib/kube/http';
import type { KubeObject } from '../lib/kube/cache-diff';
import { CONTENT_TYPE, kubeWrite, objectPath } from '../testing/kube-write';
import { readClusterState, STATE_DIR_ENV } from '../testing/test-cluster';
import { declare, stateOf, statesIn, type Manifest } from './dashboard-helpers';
import { expect, test } from './fixtures';

const SHOTS = join(process.cwd(), 'artifacts', 'screenshots');
const objectUrl = (id: string) => `/objects?id=${encodeURIComponent(id)}`;
const TEMPLATE_PATH = 'spec.template.spec.containers[name=manager].env[name=MODE].value';

let panic: GoRun;
test.beforeAll(async () => {
  panic = (await runGoCrashes(['nilmap'])).nilmap;
});

type Owned = KubeObject & { metadata: KubeObject['metadata'] & { ownerReferences?: Array<{ uid?: string }> } };

/** The Pod of the ReplicaSet whose template carries `MODE=fast` (the operator's rewrite). */
async function podOfNewReplicaSet(kc: KubeConfig, ns: string, deployUid: string): Promise<string | undefined> {
  const rsList = await getJson<{ items: Owned[] }>(kc, objectPath({ apiVersion: 'apps/v1', resource: 'replicasets', namespace: ns }));
  const rs = rsList.items.find(
    (r) =>
      r.metadata.ownerReferences?.some((o) => o.uid === deployUid) &&
      JSON.stringify((r.spec as { template?: unknown }).template).includes('"fast"'),
  );
  if (!rs) return undefined;
  const pods = await getJson<{ items: Owned[] }>(kc, objectPath({ apiVersion: 'v1', resource: 'pods', namespace: ns }));
  return pods.items.find((p) => p.metadata.ownerReferences?.some((o) => o.uid === rs.metadata.uid))?.metadata.name;
}

test('a pod-template drift by an operator, then a nil-map panic in CrashLoopBackOff: the object page shows both and that the drift came first', async ({ page, request, kc }) => {
  // Up to 45 s of it wait for the crash panel's own refresh.
  test.setTimeout(180_000);
  const stateDir = process.env[STATE_DIR_ENV];
  if (!stateDir) throw new Error(`${STATE_DIR_ENV} is not set`);
  const cluster = readClusterState(stateDir);
  const ns = `e2e-crash-${Date.now().toString(36)}`;
  const deployment: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'reconciler', namespace: ns, labels: { app: 'reconciler' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'reconciler' } },
      template: {
        metadata: { labels: { app: 'reconciler' } },
        spec: { containers: [{ name: 'manager', image: 'ghcr.io/acme/reconciler:2.1', env: [{ name: 'MODE', value: 'safe' }] }] },
      },
    },
  };
  await declare(kc, ns, [deployment]);
  await expect.poll(async () => (await stateOf(request, ns, 'Deployment', 'reconciler'))?.status, { timeout: 30_000 }).toBe('in-sync');

  // The operator rewrites the pod template (as a controller would, by strategic merge patch).
  await kubeWrite(
    kc,
    'PATCH',
    objectPath({ apiVersion: 'apps/v1', resource: 'deployments', namespace: ns, name: 'reconciler' }, { fieldManager: 'operator' }),
    { spec: { template: { spec: { containers: [{ name: 'manager', env: [{ name: 'MODE', value: 'fast' }] }] } } } },
    CONTENT_TYPE.strategic,
  );
  await expect
    .poll(async () => (await stateOf(request, ns, 'Deployment', 'reconciler'))?.changes.map((c) => `${c.path} ${c.manager?.name ?? ''}`), { timeout: 30_000 })
    .toContain(`${TEMPLATE_PATH} operator`);

  // The rollout's new Pod: onto the fake node, crashed with the panic's exit code, the panic in its previous log.
  const deployUid = (await getJson<KubeObject>(kc, objectPath({ apiVersion: 'apps/v1', resource: 'deployments', namespace: ns, name: 'reconciler' }))).metadata.uid!;
  let pod: string | undefined;
  await expect.poll(async () => (pod = await podOfNewReplicaSet(kc, ns, deployUid)), { timeout: 60_000 }).toBeTruthy();
  await bindToFakeNode(kc, ns, pod!);
  // The crash comes a little after the drift: managedFields times have one-second resolution.
  await new Promise((r) => setTimeout(r, 1_500));
  await setContainerLog(cluster, ns, pod!, 'manager', panic.output, { previous: true });
  await setCrashLoopStatus(kc, ns, pod!, { container: 'manager', image: 'ghcr.io/acme/reconciler:2.1', exitCode: panic.exitCode, finishedAt: new Date(), restarts: 4 });
  expect(panic.exitCode).toBe(2);

  const id = (await statesIn(request, ns)).find((s) => s.kind === 'Deployment')!.id;
  await page.goto(objectUrl(id));

  // The drift, attributed to the operator.
  const row = page.locator(`[data-testid="field-row"][data-path="${TEMPLATE_PATH}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId('field-manager')).toContainText('operator');

  // The crash: CrashLoopBackOff, exit code 2, the panic message and where it happened.
  const panel = page.getByTestId('crash-panel');
  await expect(panel.getByTestId('crash-pod')).toHaveAttribute('data-pod', pod!);
  await expect(panel.getByTestId('pod-problem')).toHaveText('CrashLoopBackOff');
  await expect(panel.getByTestId('exit-code')).toHaveText('2');
  await expect(panel.getByTestId('crash-message')).toHaveText('assignment to entry in nil map');
  await expect(panel.getByTestId('crash-location')).toHaveText(`main.go:${crashLine('nilmap')}`);

  // Drift came first, and both are on one time axis.
  const hint = panel.getByTestId('drift-before-crash');
  await expect(hint).toContainText('Drift came first');
  await expect(hint).toContainText(TEMPLATE_PATH);
  await expect(hint).toContainText('operator');
  await expect(panel.getByTestId('crash-timeline-drift')).toContainText(TEMPLATE_PATH);
  await expect(panel.getByTestId('crash-mark').first()).toHaveAttribute('aria-label', /assignment to entry in nil map at main\.go:\d+/);

  // The drift timeline: the template field's episode and the crash, with the panic and where it happened.
  const timeline = page.getByTestId('object-timeline');
  await expect(timeline.locator(`[data-testid="timeline-lane"][data-path="${TEMPLATE_PATH}"]`).getByTestId('episode')).toHaveAttribute('aria-label', /operator/);
  await expect(timeline.getByTestId('timeline-crash').first()).toHaveAttribute('aria-label', /exit 2\) — assignment to entry in nil map at main\.go:\d+/);

  // Log text is shown escaped and masked: the raw log's token line never reaches the page.
  await panel.locator('details summary').first().click();
  await expect(panel.getByTestId('crash-excerpt')).toContainText('goroutine 1 [running]:');
  await expect(panel.getByTestId('crash-excerpt')).toContainText(`/nilmap/main.go:${crashLine('nilmap')}`);
  expect(await page.content()).not.toContain('s3cr3t-t0ken-value');

  // The loop goes on: one restart more, without a reload. The panel refreshes on its own (every
  // 15 s while visible; a status change is not drift, so no stream event hurries it), keeps the
  // excerpt opened above open, and says when its report is from.
  await expect(panel.getByTestId('crash-pod')).toContainText('4 restarts');
  const updatedBefore = await panel.getByTestId('crash-updated').getAttribute('datetime');
  await page.evaluate(() => {
    (window as unknown as { __crashPanelNoReload?: boolean }).__crashPanelNoReload = true;
  });
  await setCrashLoopStatus(kc, ns, pod!, { container: 'manager', image: 'ghcr.io/acme/reconciler:2.1', exitCode: panic.exitCode, finishedAt: new Date(), restarts: 5 });
  await expect(panel.getByTestId('crash-pod')).toContainText('5 restarts', { timeout: 45_000 });
  expect(await page.evaluate(() => (window as unknown as { __crashPanelNoReload?: boolean }).__crashPanelNoReload)).toBe(true);
  await expect(panel.getByTestId('crash-updated')).not.toHaveAttribute('datetime', updatedBefore ?? '');
  await expect(panel.getByTestId('crash-excerpt')).toBeVisible();
  await expect(panel.getByTestId('crash-message')).toHaveText('assignment to entry in nil map');
  await expect(panel.getByTestId('crash-refresh-error')).toHaveCount(0);

  await page.setViewportSize({ width: 1360, height: 900 });
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'object-crash.png'), fullPage: true });

  // The Pod's own page shows the same crash, with its owners' drift.
  const podId = `${id.split('/')[0]}//Pod/${ns}/${pod!}`;
  const podHealth = await request.get(`/api/v1/health/object?id=${encodeURIComponent(podId)}`);
  expect(podHealth.ok()).toBe(true);
  const body = (await podHealth.json()) as { owners: Array<{ kind: string }>; hint?: { drift: { path: string } } };
  expect(body.owners.map((o) => o.kind)).toEqual(['ReplicaSet', 'Deployment']);
  expect(body.hint?.drift.path).toBe(TEMPLATE_PATH);
});
