import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { kubeWrite, objectPath } from '../testing/kube-write';
import { declare, mutate, stateOf, statesIn, type Manifest } from './dashboard-helpers';
import { expect, test } from './fixtures';

const SHOTS = join(process.cwd(), 'artifacts', 'screenshots');
const suffix = () => Date.now().toString(36);
const objectUrl = (id: string, extra = '') => `/objects?id=${encodeURIComponent(id)}${extra}`;

/** A two-replica Deployment with one env var: drift in a scalar and in a keyed list. */
const webDeployment = (ns: string): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: ns, labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'registry.example/web:1.4.2', env: [{ name: 'LOG_LEVEL', value: 'info' }] }] } },
  },
});

async function waitInSync(request: Parameters<typeof statesIn>[0], ns: string, names: string[]) {
  await expect
    .poll(async () => (await statesIn(request, ns)).filter((s) => names.includes(s.name)).map((s) => `${s.name}=${s.status}`).sort(), { timeout: 30_000 })
    .toEqual(names.map((n) => `${n}=in-sync`).sort());
}

test.describe('dashboard', () => {
  test('a mutation through the API shows on the open object page and in the table without a reload, with path and manager', async ({ page, context, request, kc }) => {
    const ns = `e2e-ui-${suffix()}`;
    const cm: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, labels: { app: 'shop' } }, data: { mode: 'safe', level: '3' } };
    await declare(kc, ns, [cm]);
    await waitInSync(request, ns, ['settings']);
    const id = (await stateOf(request, ns, 'ConfigMap', 'settings'))!.id;

    await page.goto(objectUrl(id));
    await expect(page.getByTestId('object-status')).toHaveText('in-sync');
    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
    const table = await context.newPage();
    await table.goto(`/drift?namespace=${ns}&status=all`);
    const row = table.locator(`[data-testid="drift-row"][data-id="${id}"]`);
    await expect(row).toContainText('in-sync');
    await expect(table.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
    // Marks both documents: a reload would lose them.
    for (const p of [page, table]) await p.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

    await mutate(kc, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }, { data: { mode: 'unsafe' } }, 'kubectl-edit');

    const field = page.locator('[data-testid="field-row"][data-path="data.mode"]');
    await expect(field).toBeVisible();
    await expect(field.getByTestId('field-manager')).toHaveText('kubectl-edit');
    await expect(field).toContainText('"safe"');
    await expect(field).toContainText('"unsafe"');
    await expect(page.getByTestId('object-status')).toHaveText('drifted');
    // The split diff: the changed line, highlighted on both sides.
    const diff = page.getByTestId('yaml-diff');
    await expect(diff).toHaveAttribute('data-mode', 'split');
    const liveLine = diff.locator('[data-side="live"][data-op="add"]', { hasText: 'mode: unsafe' });
    const desiredLine = diff.locator('[data-side="desired"][data-op="del"]', { hasText: 'mode: safe' });
    await expect(liveLine).toBeVisible();
    await expect(desiredLine).toBeVisible();
    const bg = (l: typeof liveLine) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
    const sameBg = await diff.locator('[data-side="live"][data-op="same"]').first().evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await bg(liveLine)).not.toBe(sameBg);
    expect(await bg(desiredLine)).not.toBe(sameBg);
    // The unchanged line next to it is not highlighted.
    await expect(diff.locator('[data-side="live"][data-op="same"]', { hasText: 'level:' })).toBeVisible();

    await expect(row).toContainText('drifted');
    await expect(row.locator('.c-path')).toHaveText('data.mode');
    await expect(row.locator('.c-manager')).toHaveText('kubectl-edit');
    await expect(row.locator('.c-fields')).toHaveText('1');
    for (const p of [page, table]) expect(await p.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

    // The object's timeline: an open episode on the field's lane, naming the manager.
    const lane = page.locator('[data-testid="timeline-lane"][data-path="data.mode"]');
    const episode = lane.getByTestId('episode');
    await expect(episode).toHaveCount(1);
    await expect(episode).toHaveClass(/\bopen\b/);
    await expect(episode).toHaveAttribute('aria-label', /kubectl-edit/);

    // Reverting clears it live as well, and closes the episode.
    await mutate(kc, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }, { data: { mode: 'safe' } }, 'kubectl-edit');
    await expect(page.getByTestId('object-status')).toHaveText('in-sync');
    await expect(row).toContainText('in-sync');
    await expect(episode).not.toHaveClass(/\bopen\b/);
    await expect(episode).toHaveAttribute('aria-label', /→ (?!now)/);
    await table.close();
  });

  test('table filters and sort, and the diff mode, survive reload and back/forward', async ({ page, request, kc }) => {
    const ns = `e2e-url-${suffix()}`;
    const cms: Manifest[] = ['alpha', 'beta', 'gamma'].map((n) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: ns, labels: { tier: n === 'gamma' ? 'db' : 'web' } }, data: { a: '1', b: '2' } }));
    await declare(kc, ns, cms);
    await waitInSync(request, ns, ['alpha', 'beta', 'gamma']);
    await mutate(kc, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'alpha' }, { data: { a: 'x' } }, 'ops-bot');
    await mutate(kc, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'beta' }, { data: { a: 'y', b: 'z' } }, 'kubectl-edit');
    await mutate(kc, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'gamma' }, { data: { b: 'w' } }, 'kubectl-edit');
    await expect.poll(async () => (await statesIn(request, ns)).filter((s) => s.status === 'drifted').length, { timeout: 30_000 }).toBe(3);

    const names = (p: Page) => p.locator('[data-testid="drift-row"] .c-object').allInnerTexts();
    await page.goto('/drift');
    await page.getByTestId('filter-namespace').selectOption(ns);
    await expect(page).toHaveURL(new RegExp(`namespace=${ns}`));
    await expect.poll(() => names(page)).toHaveLength(3);
    await page.getByTestId('sort-fields').click();
    await page.getByTestId('sort-fields').click(); // descending: beta (2 fields) first
    await expect(page).toHaveURL(/sort=fields&dir=desc/);
    await expect.poll(async () => (await names(page))[0]).toBe(`${ns}/beta`);
    await page.getByTestId('filter-manager').selectOption('kubectl-edit');
    await expect.poll(() => names(page)).toEqual([`${ns}/beta`, `${ns}/gamma`]);
    await page.getByTestId('label-selector').fill('tier=db');
    await page.getByTestId('label-selector').press('Enter');
    await expect.poll(() => names(page)).toEqual([`${ns}/gamma`]);

    await page.reload();
    await expect(page.getByTestId('filter-namespace')).toHaveValue(ns);
    await expect(page.getByTestId('filter-manager')).toHaveValue('kubectl-edit');
    await expect(page.getByTestId('label-selector')).toHaveValue('tier=db');
    await expect.poll(() => names(page)).toEqual([`${ns}/gamma`]);

    await page.goBack(); // before the label selector
    await expect(page).not.toHaveURL(/labels=/);
    await expect(page.getByTestId('label-selector')).toHaveValue('');
    await expect.poll(() => names(page)).toEqual([`${ns}/beta`, `${ns}/gamma`]);
    await page.goBack(); // before the manager filter
    await expect(page).not.toHaveURL(/manager=/);
    await expect(page.getByTestId('filter-manager')).toHaveValue('');
    await expect.poll(async () => (await names(page)).length).toBe(3);
    expect((await names(page))[0]).toBe(`${ns}/beta`);
    await page.goForward();
    await expect(page).toHaveURL(/manager=kubectl-edit/);
    await expect(page.getByTestId('filter-manager')).toHaveValue('kubectl-edit');
    await expect.poll(() => names(page)).toEqual([`${ns}/beta`, `${ns}/gamma`]);

    // Search box: typed text lands in the URL.
    await page.keyboard.press('/');
    await expect(page.getByTestId('table-search')).toBeFocused();
    await page.keyboard.type('gam');
    await expect(page).toHaveURL(/q=gam/);
    await expect.poll(() => names(page)).toEqual([`${ns}/gamma`]);
    // Keyboard: j selects the first row, Enter opens it.
    await page.keyboard.press('Escape');
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/objects\?id=/);
    await expect(page.getByTestId('object-page')).toBeVisible();

    // Diff mode in the URL.
    await expect(page.getByTestId('yaml-diff')).toHaveAttribute('data-mode', 'split');
    await page.getByTestId('mode-unified').click();
    await expect(page).toHaveURL(/mode=unified/);
    await expect(page.getByTestId('yaml-diff')).toHaveAttribute('data-mode', 'unified');
    await expect(page.getByTestId('yaml-diff').locator('[data-op="add"]', { hasText: 'b: w' })).toBeVisible();
    await page.reload();
    await expect(page.getByTestId('yaml-diff')).toHaveAttribute('data-mode', 'unified');
    await page.goBack();
    await expect(page).not.toHaveURL(/mode=unified/);
    await expect(page.getByTestId('yaml-diff')).toHaveAttribute('data-mode', 'split');
    await page.goForward();
    await expect(page).toHaveURL(/mode=unified/);
    await expect(page.getByTestId('yaml-diff')).toHaveAttribute('data-mode', 'unified');
    await page.goBack();
    await expect(page).not.toHaveURL(/mode=unified/);
    await page.goBack();
    await expect(page).toHaveURL(/\/drift\?/);
    await expect.poll(() => names(page)).toEqual([`${ns}/gamma`]);
  });

  test('screenshots of overview, table and object page in light and dark; long names truncate with a tooltip', async ({ page, request, kc }) => {
    mkdirSync(SHOTS, { recursive: true });
    const ns = `e2e-shots-${suffix()}`;
    const longName = `payments-gateway-settings-for-the-eu-west-region-with-a-deliberately-long-name-${'x'.repeat(40)}`;
    const manifests: Manifest[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: longName, namespace: ns }, data: { region: 'eu-west-1', retries: '3' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'feature-flags', namespace: ns }, data: { checkout: 'on', search: 'off', banner: 'off' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-creds', namespace: ns }, stringData: { password: 'e2e-hidden-value-1' } },
      webDeployment(ns),
    ];
    await declare(kc, ns, manifests);
    await waitInSync(request, ns, [longName, 'feature-flags', 'db-creds', 'web']);
    await mutate(kc, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: longName }, { data: { retries: '10' } }, 'kubectl-edit');
    await mutate(kc, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'feature-flags' }, { data: { search: 'on', banner: 'on' } }, 'flag-operator');
    await mutate(kc, { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'db-creds' }, { stringData: { password: 'e2e-hidden-value-2' } }, 'kubectl-edit');
    await mutate(kc, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }, { spec: { replicas: 5, template: { spec: { containers: [{ name: 'app', image: 'registry.example/web:1.4.2', env: [{ name: 'LOG_LEVEL', value: 'debug' }] }] } } } }, 'my-operator');
    await expect.poll(async () => (await statesIn(request, ns)).filter((s) => s.status === 'drifted').length, { timeout: 30_000 }).toBe(4);
    const secret = (await stateOf(request, ns, 'Secret', 'db-creds'))!;
    const deployment = (await stateOf(request, ns, 'Deployment', 'web'))!;

    await page.setViewportSize({ width: 1360, height: 900 });
    const shoot = async (name: string) => {
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: name.startsWith('object') || name.startsWith('overview') });
    };
    for (const theme of ['light', 'dark'] as const) {
      await page.context().addCookies([{ name: 'driftwatch-theme', value: theme, url: page.url().startsWith('http') ? page.url() : process.env.DRIFTWATCH_E2E_BASE_URL! }]);
      await page.goto('/');
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      // A number, not the "Loading…" placeholder the card shows until the index is complete.
      await expect(page.getByTestId('count-drifted')).toContainText(/^[1-9]/);
      await expect(page.getByTestId('breakdown-chart')).toBeVisible();
      await shoot(`overview-${theme}`);

      await page.goto(`/drift?namespace=${ns}`);
      await expect(page.locator('[data-testid="drift-row"]')).toHaveCount(4);
      await shoot(`table-${theme}`);

      await page.goto(objectUrl(deployment.id));
      await expect(page.locator('[data-testid="field-row"]').first()).toBeVisible();
      await shoot(`object-${theme}`);
    }

    // Dark theme really renders dark, and stays after a reload (cookie).
    const bodyBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bodyBg.match(/\d+/g)!.map(Number);
    expect(r! + g! + b!).toBeLessThan(150);

    // Secret values: "changed (value hidden)", never the value.
    await page.goto(objectUrl(secret.id));
    await expect(page.locator('[data-testid="field-row"]').first()).toContainText('changed (value hidden)');
    expect(await page.content()).not.toContain('e2e-hidden-value');
    await shoot('object-secret-dark');

    // Long names: cut with an ellipsis, the whole name in the tooltip, nothing spills into the next cell.
    await page.goto(`/drift?namespace=${ns}`);
    const link = page.locator('[data-testid="drift-row"] .c-object a', { hasText: 'payments-gateway' });
    await expect(link).toHaveAttribute('title', new RegExp(longName));
    const m = await link.evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth, right: el.getBoundingClientRect().right, cell: el.parentElement!.getBoundingClientRect().right }));
    expect(m.sw).toBeGreaterThan(m.cw);
    expect(m.right).toBeLessThanOrEqual(m.cell + 0.5);
  });

  test('phone width: the drifted fields table has no tall empty header and shows desired and live within the viewport, light and dark', async ({ page, request, kc }) => {
    mkdirSync(SHOTS, { recursive: true });
    const ns = `e2e-phone-${suffix()}`;
    const web = webDeployment(ns);
    await declare(kc, ns, [web]);
    await waitInSync(request, ns, ['web']);
    await mutate(kc, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }, { spec: { replicas: 5, template: { spec: { containers: [{ name: 'app', image: 'registry.example/web:1.4.2', env: [{ name: 'LOG_LEVEL', value: 'debug' }] }] } } } }, 'my-operator');
    await expect.poll(async () => (await stateOf(request, ns, 'Deployment', 'web'))?.status, { timeout: 30_000 }).toBe('drifted');
    const id = (await stateOf(request, ns, 'Deployment', 'web'))!.id;

    const width = 390;
    await page.setViewportSize({ width, height: 844 });
    for (const theme of ['light', 'dark'] as const) {
      await page.context().addCookies([{ name: 'driftwatch-theme', value: theme, url: process.env.DRIFTWATCH_E2E_BASE_URL! }]);
      await page.goto(objectUrl(id));
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      const rows = page.locator('[data-testid="field-diff"] [data-testid="field-row"]');
      await expect(rows.first()).toBeVisible();
      await expect(page.locator('[data-testid="field-diff"] [data-testid="field-row"][data-path="spec.replicas"]')).toBeVisible();

      // The header row: hidden when the cells stack, and never a tall empty band.
      const head = page.locator('[data-testid="field-diff"] thead tr');
      if (await head.isVisible()) expect((await head.boundingBox())!.height).toBeLessThanOrEqual(60);

      // Every drifted field's desired and live values are on screen, not cut off inside the card.
      for (let i = 0; i < (await rows.count()); i++) {
        for (const cell of ['field-desired', 'field-live']) {
          const value = rows.nth(i).getByTestId(cell).locator('.value, .hidden-value, .muted').first();
          await expect(value).toBeVisible();
          const box = (await value.boundingBox())!;
          expect(box.width, `${cell} of row ${i} has a width`).toBeGreaterThan(0);
          expect(box.x, `${cell} of row ${i} starts on screen`).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width, `${cell} of row ${i} ends on screen`).toBeLessThanOrEqual(width);
        }
      }
      const replicas = page.locator('[data-testid="field-row"][data-path="spec.replicas"]');
      await expect(replicas.getByTestId('field-desired')).toContainText('2');
      await expect(replicas.getByTestId('field-live')).toContainText('5');
      // The page itself does not scroll sideways.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

      await page.waitForTimeout(300);
      await page.screenshot({ path: join(SHOTS, theme === 'light' ? 'object-phone.png' : 'object-phone-dark.png'), fullPage: true });
    }
  });

  test('"show ignored" lists the changes ignore rules hid, marked with the rule, from the keyboard and in the URL', async ({ page, request, kc }) => {
    const ns = `e2e-ign-${suffix()}`;
    const cm: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tuned', namespace: ns, annotations: { 'driftwatch.io/ignore': 'data.skip' } } as Manifest['metadata'], data: { keep: '1', skip: 'a' } };
    await declare(kc, ns, [cm]);
    await waitInSync(request, ns, ['tuned']);
    await mutate(kc, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'tuned' }, { data: { skip: 'b' } }, 'kubectl-edit');
    await expect.poll(async () => ((await stateOf(request, ns, 'ConfigMap', 'tuned')) as unknown as { ignored?: unknown[] })?.ignored?.length, { timeout: 30_000 }).toBe(1);
    const id = (await stateOf(request, ns, 'ConfigMap', 'tuned'))!.id;

    await page.goto(objectUrl(id));
    await expect(page.getByTestId('object-status')).toHaveText('in-sync');
    await expect(page.getByTestId('ignored-count')).toHaveText('1 change is hidden by ignore rules.');
    await expect(page.getByTestId('ignored-row')).toHaveCount(0);
    // The YAML diff agrees with the verdict: nothing differs while the ignored change is hidden.
    const diff = page.getByTestId('yaml-diff');
    await expect(diff).toBeVisible();
    await expect(diff.locator('[data-op="add"], [data-op="del"]')).toHaveCount(0);
    // Keyboard: the control takes focus (a native checkbox, in the Tab order), Space turns it on.
    const toggle = page.getByTestId('toggle-ignored');
    await expect(toggle).not.toBeChecked();
    await toggle.focus();
    await expect(toggle).toBeFocused();
    await page.keyboard.press('Space');
    await expect(page).toHaveURL(/[?&]ignored=1/);
    const row = page.locator('[data-testid="ignored-row"][data-path="data.skip"]');
    await expect(row).toBeVisible();
    await expect(row).toContainText('"a"');
    await expect(row).toContainText('"b"');
    await expect(row.getByTestId('ignored-by')).toHaveText('ignored by driftwatch.io/ignore annotation (data.skip)');
    await expect(row.getByTestId('field-manager')).toHaveText('kubectl-edit');
    // Shown, it differs in the diff too.
    await expect(diff.locator('[data-side="live"][data-op="add"]', { hasText: 'skip: b' })).toBeVisible();
    // Not drift: the drifted fields stay empty and the object in sync.
    await expect(page.getByTestId('field-row')).toHaveCount(0);
    await expect(page.getByTestId('object-status')).toHaveText('in-sync');

    await page.reload();
    await expect(page.getByTestId('toggle-ignored')).toBeChecked();
    await expect(row).toBeVisible();
    await page.goBack();
    await expect(page).not.toHaveURL(/ignored=1/);
    await expect(page.getByTestId('toggle-ignored')).not.toBeChecked();
    await expect(page.getByTestId('ignored-row')).toHaveCount(0);
  });

  test('a declared object deleted from the cluster reads as missing as a whole, and its timeline shows the disappearance', async ({ page, request, kc }) => {
    const ns = `e2e-gone-${suffix()}`;
    await declare(kc, ns, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'doomed', namespace: ns }, data: { a: '1' } }]);
    await waitInSync(request, ns, ['doomed']);
    const id = (await stateOf(request, ns, 'ConfigMap', 'doomed'))!.id;
    await kubeWrite(kc, 'DELETE', objectPath({ apiVersion: 'v1', resource: 'configmaps', namespace: ns, name: 'doomed' }), undefined);
    await expect.poll(async () => (await stateOf(request, ns, 'ConfigMap', 'doomed'))?.status, { timeout: 30_000 }).toBe('missing');
    await expect
      .poll(async () => {
        const r = await request.get(`/api/v1/history/object?id=${encodeURIComponent(id)}`);
        return r.ok() ? ((await r.json()) as { events: { type: string }[] }).events.map((e) => e.type) : [];
      }, { timeout: 30_000 })
      .toContain('disappeared');

    await page.goto(objectUrl(id));
    await expect(page.getByTestId('object-status')).toHaveText('missing');
    const row = page.getByTestId('field-row');
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute('data-whole-object', 'true');
    await expect(row.getByTestId('field-path')).toHaveText('(the whole object)');
    await expect(row).toContainText('declared');
    await expect(row).toContainText('not in the cluster');
    await expect(row.getByTestId('field-manager')).not.toContainText('unknown');
    const timeline = page.getByTestId('object-timeline');
    await expect(timeline.locator('[data-testid="timeline-event"][data-type="disappeared"]')).toHaveCount(1);
    await expect(timeline.getByTestId('timeline-event-list')).toContainText('disappeared from the cluster');
    await expect(timeline).not.toContainText('No drift recorded for this object.');
  });

  test('an object whose kind the cluster does not serve shows its error and claims neither "in sync" nor "not in the cluster"', async ({ page, request }) => {
    const ns = `e2e-err-${suffix()}`;
    const file = join(process.env.DRIFTWATCH_E2E_MANIFESTS!, `${ns}.yaml`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'nothere.example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 1 } }) + '\n');
    try {
      await expect.poll(async () => (await stateOf(request, ns, 'Widget', 'w1'))?.status, { timeout: 30_000 }).toBe('error');
      const id = (await stateOf(request, ns, 'Widget', 'w1'))!.id;
      await page.goto(objectUrl(id));
      await expect(page.getByTestId('object-status')).toHaveText('error');
      await expect(page.getByTestId('object-error')).toContainText('Drift unknown');
      await expect(page.getByTestId('object-error')).toContainText(/Widget/);
      await expect(page.getByTestId('fields-unknown')).toBeVisible();
      await expect(page.getByTestId('live-unknown')).toBeVisible();
      await expect(page.getByTestId('desired-only')).toContainText('kind: Widget');
      await expect(page.getByText('No field differs from the desired state.')).toHaveCount(0);
      await expect(page.getByText('The object is not in the cluster.')).toHaveCount(0);
      await expect(page.getByTestId('yaml-diff')).toHaveCount(0);
    } finally {
      rmSync(file, { force: true });
    }
  });

  test('cluster-scoped objects are a choice of the namespace filter, in the table and the API (scope=cluster)', async ({ page, request, kc }) => {
    const ns = `e2e-scope-${suffix()}`;
    await declare(kc, ns, []);
    // The Namespace itself, declared with a label the cluster's does not have.
    writeFileSync(join(process.env.DRIFTWATCH_E2E_MANIFESTS!, `${ns}.yaml`), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: 'blue' } } }) + '\n');
    const listed = async (scope: string) => ((await (await request.get(`/api/v1/drift?scope=${scope}&q=${ns}&status=drifted`)).json()) as { items: { id: string; kind: string }[] }).items;
    await expect.poll(async () => (await listed('cluster')).map((s) => s.kind), { timeout: 30_000 }).toEqual(['Namespace']);
    const id = (await listed('cluster'))[0]!.id;
    expect((await listed('namespaced')).map((s) => s.id)).not.toContain(id);

    await page.goto(`/drift?q=${ns}`);
    await expect(page.locator(`[data-testid="drift-row"][data-id="${id}"]`)).toBeVisible();
    await page.getByTestId('filter-namespace').selectOption('(cluster-scoped)');
    await expect(page).toHaveURL(/namespace=%28cluster-scoped%29|namespace=\(cluster-scoped\)/);
    await expect(page.locator('[data-testid="drift-row"]')).toHaveCount(1);
    await expect(page.locator(`[data-testid="drift-row"][data-id="${id}"]`)).toBeVisible();
    // Its name is not its namespace.
    await page.goto(`/drift?q=${ns}&namespace=${ns}`);
    await expect(page.getByTestId('filter-namespace')).toHaveValue(ns);
    await expect(page.locator('[data-testid="drift-row"]')).toHaveCount(0);
  });

  test('a link naming a cluster that is not configured says so, in the table and the API, rather than showing no drift', async ({ page, request }) => {
    const clusters = ((await (await request.get('/api/v1/status')).json()) as { clusters: { name: string }[] }).clusters.map((c) => c.name).sort();
    const message = `unknown cluster "no-such-cluster": the configured ${clusters.length === 1 ? 'cluster is' : 'clusters are'} ${clusters.join(', ')}`;
    const res = await request.get('/api/v1/drift?cluster=no-such-cluster');
    expect(res.status()).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(message);
    await page.goto('/drift?cluster=no-such-cluster');
    await expect(page.getByTestId('unknown-cluster')).toHaveText(message);
    // Clearing the filter clears the error.
    await page.getByRole('combobox', { name: 'Cluster' }).selectOption({ label: 'any' });
    await expect(page).not.toHaveURL(/cluster=/);
    await expect(page.getByTestId('unknown-cluster')).toHaveCount(0);
  });

  test('the timeline’s zoom handles moved with the keyboard put the zoomed window in the URL', async ({ page }) => {
    await page.goto('/?range=6h');
    const handle = page.getByRole('slider', { name: /Zoom window edge/ }).first();
    await expect(handle).toBeVisible();
    await handle.focus();
    for (let i = 0; i < 10; i++) await handle.press('ArrowRight');
    await expect.poll(() => new URL(page.url()).searchParams.get('from'), { timeout: 10_000 }).not.toBeNull();
    const url = new URL(page.url());
    expect(url.searchParams.get('range')).toBeNull();
    const span = Date.parse(url.searchParams.get('to')!) - Date.parse(url.searchParams.get('from')!);
    expect(span).toBeGreaterThan(0);
    expect(span).toBeLessThan(6 * 3_600_000);
  });

  test('theme toggle switches to dark and is remembered', async ({ page }) => {
    await page.context().clearCookies();
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/drift');
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await bg();
    await page.getByTestId('theme-toggle').click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await bg()).not.toBe(light);
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    // Without a stored choice, the system preference decides.
    await page.context().clearCookies();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    expect(await bg()).not.toBe(light);
  });
});
