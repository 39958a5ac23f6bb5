import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { APIRequestContext, Page } from '@playwright/test';
import { createEmbedToken } from '../lib/share/embed-token';
import { declare, mutate, stateOf, statesIn, type Manifest } from './dashboard-helpers';
import { E2E_EMBED_PORT_ENV, E2E_EMBED_TOKEN_SECRET } from './e2e-env';
import { expect, test } from './fixtures';

const suffix = () => Date.now().toString(36);
const objectUrl = (id: string, extra = '') => `/objects?id=${encodeURIComponent(id)}${extra}`;
const cmRef = (ns: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });

async function waitStatus(request: APIRequestContext, ns: string, kind: string, name: string, status: string) {
  await expect.poll(async () => (await stateOf(request, ns, kind, name))?.status, { timeout: 30_000 }).toBe(status);
  return (await stateOf(request, ns, kind, name))!.id;
}

/** Waits until the history store has an episode for `path` with `transitions` transitions. */
async function waitHistory(request: APIRequestContext, id: string, path: string, transitions: number) {
  await expect
    .poll(
      async () => {
        const r = await request.get(`/api/v1/history/object?id=${encodeURIComponent(id)}`);
        if (!r.ok()) return -1;
        const h = (await r.json()) as { episodes: Array<{ path: string; transitionCount: number }> };
        return h.episodes.filter((e) => e.path === path).reduce((n, e) => n + e.transitionCount, 0);
      },
      { timeout: 30_000 },
    )
    .toBe(transitions);
}

async function createSnapshotFromPage(page: Page): Promise<string> {
  await page.getByTestId('share-button').click();
  await page.getByTestId('share-snapshot-create').click();
  const field = page.getByTestId('share-snapshot-url');
  await expect(field).toHaveValue(/\/s\/[A-Za-z0-9_-]{22}$/);
  return field.inputValue();
}

/** A tiny "portal" on another loopback port: a page that iframes `src` and sizes it from the posted height. */
function startPortal(port: number, src: string): Promise<Server> {
  const html = `<!doctype html><html><body style="margin:0">
<h1>Portal</h1>
<iframe id="dw" src="${src}" style="width:900px;border:0;display:block"></iframe>
<script>
window.__heights = [];
window.addEventListener('message', (e) => {
  if (e.origin !== ${JSON.stringify(new URL(src).origin)}) return;
  if (!e.data || e.data.type !== 'driftwatch:embed-height') return;
  window.__heights.push(e.data.height);
  document.getElementById('dw').style.height = e.data.height + 'px';
});
</script></body></html>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const closeServer = (s: Server) => new Promise<void>((r) => s.close(() => r()));
const portOf = (s: Server) => {
  const a = s.address();
  return typeof a === 'object' && a ? a.port : 0;
};

/** The child frame's document: undefined while Chromium shows its "refused to connect" page instead. */
async function frameState(page: Page): Promise<'embedded' | 'refused' | 'loading'> {
  const f = page.frames().find((x) => x !== page.mainFrame());
  if (!f) return 'loading';
  if (f.url().startsWith('chrome-error://')) return 'refused';
  const n = await f.locator('[data-testid="embed-root"]').count().catch(() => 0);
  return n > 0 ? 'embedded' : 'loading';
}

test.describe('share links and snapshots', () => {
  test('a snapshot taken on an object page keeps its diff, values and timeline after the object changes again and after the drift is fixed', async ({ page, request, kc }) => {
    const ns = `e2e-snap-${suffix()}`;
    const cm: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'safe', level: '3' } };
    await declare(kc, ns, [cm]);
    await waitStatus(request, ns, 'ConfigMap', 'settings', 'in-sync');
    await mutate(kc, cmRef(ns, 'settings'), { data: { mode: 'unsafe' } }, 'kubectl-edit');
    const id = await waitStatus(request, ns, 'ConfigMap', 'settings', 'drifted');
    await waitHistory(request, id, 'data.mode', 1);

    await page.goto(objectUrl(id, '&mode=unified'));
    const field = page.locator('[data-testid="field-row"][data-path="data.mode"]');
    await expect(field).toContainText('"unsafe"');
    await expect(page.getByTestId('episode')).toHaveCount(1);
    const url = await createSnapshotFromPage(page);
    const snapId = url.split('/s/')[1]!;
    const stored = await (await request.get(`/api/v1/snapshots/${snapId}`)).json();

    const check = async () => {
      await page.goto(url);
      await expect(page.getByTestId('snapshot-banner')).toContainText('Snapshot');
      await expect(page.getByTestId('snapshot-banner')).toContainText('not the live state');
      await expect(page.getByTestId('snapshot-taken-at')).toHaveAttribute('datetime', stored.createdAt);
      await expect(page.getByTestId('snapshot-live-link')).toHaveAttribute('href', objectUrl(id));
      await expect(page.getByTestId('object-status')).toHaveText('drifted');
      const row = page.locator('[data-testid="field-row"][data-path="data.mode"]');
      await expect(row).toContainText('"safe"');
      await expect(row).toContainText('"unsafe"');
      await expect(row.getByTestId('field-manager')).toHaveText('kubectl-edit');
      await expect(page.locator('[data-testid="field-row"]')).toHaveCount(1);
      const diff = page.getByTestId('yaml-diff');
      await expect(diff).toHaveAttribute('data-mode', 'unified');
      await expect(diff.locator('[data-op="add"]', { hasText: 'mode: unsafe' })).toBeVisible();
      await expect(diff.locator('[data-op="del"]', { hasText: 'mode: safe' })).toBeVisible();
      await expect(page.getByText('very-unsafe')).toHaveCount(0);
      const episode = page.locator('[data-testid="snapshot-episode"][data-path="data.mode"]');
      await expect(episode.getByTestId('snapshot-transition')).toHaveCount(1);
      await expect(episode.getByTestId('snapshot-transition')).toContainText('"unsafe"');
      await expect(episode.getByTestId('snapshot-transition')).toContainText('kubectl-edit');
      // The object page's lanes, as kept: the field's episode and the object's own events (its status changes).
      await expect(page.getByTestId('snapshot-timeline').getByTestId('episode')).toHaveCount(1);
      await expect(page.getByTestId('snapshot-timeline').locator('[data-testid="timeline-event"][data-type="status"]').first()).toBeAttached();
      // What the API hands out has not changed either.
      expect(await (await request.get(`/api/v1/snapshots/${snapId}`)).json()).toEqual(stored);
    };
    await check();

    // The cluster moves on: the object changes again, then the drift is fixed.
    await mutate(kc, cmRef(ns, 'settings'), { data: { mode: 'very-unsafe' } }, 'ops-bot');
    await expect.poll(async () => JSON.stringify((await stateOf(request, ns, 'ConfigMap', 'settings'))?.changes), { timeout: 30_000 }).toContain('very-unsafe');
    await waitHistory(request, id, 'data.mode', 2);
    await check();
    await mutate(kc, cmRef(ns, 'settings'), { data: { mode: 'safe' } }, 'kubectl-edit');
    await waitStatus(request, ns, 'ConfigMap', 'settings', 'in-sync');
    await check();
    // The live view it links to has moved on.
    await page.getByTestId('snapshot-live-link').click();
    await expect(page.getByTestId('object-status')).toHaveText('in-sync');
  });

  test('an expired snapshot answers 410 with a clear page; guessed and malformed ids answer 404 with the same body', async ({ page, request, kc }) => {
    const ns = `e2e-exp-${suffix()}`;
    await declare(kc, ns, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'short', namespace: ns }, data: { a: '1' } }]);
    const id = await waitStatus(request, ns, 'ConfigMap', 'short', 'in-sync');
    const created = await request.post('/api/v1/snapshots', { data: { id, expiresInSeconds: 1 } });
    expect(created.status()).toBe(201);
    const { url, id: snapId } = (await created.json()) as { url: string; id: string };
    await expect.poll(async () => (await request.get(`/api/v1/snapshots/${snapId}`)).status(), { timeout: 10_000 }).toBe(410);
    const res = await page.goto(url);
    expect(res?.status()).toBe(410);
    await expect(page.getByTestId('snapshot-expired')).toHaveText('This snapshot has expired');
    await expect(page.getByTestId('snapshot-live-link')).toHaveAttribute('href', objectUrl(id));
    await expect(page.getByText('a: 1')).toHaveCount(0);

    // Bad input to the API is refused with a reason.
    expect((await request.post('/api/v1/snapshots', { data: { id, expiresInSeconds: 0 } })).status()).toBe(400);
    expect((await request.post('/api/v1/snapshots', { data: { id, extra: 1 } })).status()).toBe(400);
    expect((await request.post('/api/v1/snapshots', { data: { id: 'c1//ConfigMap/nowhere/none' } })).status()).toBe(404);

    // Guesses: well-formed random ids, near misses of a real one, and malformed ids.
    const real = ((await (await request.post('/api/v1/snapshots', { data: { id } })).json()) as { id: string }).id;
    const random = () => Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString('base64url');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const guesses = [...Array.from({ length: 8 }, random), flip(real, 0), flip(real, 21), real.slice(0, 21), `${real}A`, 'x', 'a'.repeat(300), '..%2F..%2Fetc', '%00', real.toLowerCase() === real ? real.toUpperCase() : real.toLowerCase()];
    const bodies = new Set<string>();
    for (const g of guesses) {
      const r = await request.get(`/api/v1/snapshots/${g}`);
      expect(r.status(), g).toBe(404);
      bodies.add(await r.text());
    }
    expect([...bodies]).toEqual([JSON.stringify({ error: { status: 404, message: 'no such snapshot' } })]);
    const texts = new Set<string>();
    for (const g of guesses.slice(0, 4).concat(['x', '%00'])) {
      const r = await page.goto(`/s/${g}`);
      expect(r?.status(), g).toBe(404);
      texts.add(await page.locator('main').innerText());
    }
    expect(texts.size).toBe(1);
    expect((await request.get(`/api/v1/snapshots/${real}`)).status()).toBe(200);
  });

  test('a snapshot link revoked from its page answers 410 for everyone, and what it showed is gone', async ({ page, request, kc }) => {
    const ns = `e2e-rev-${suffix()}`;
    await declare(kc, ns, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'leaked', namespace: ns }, data: { a: 'revoke-canary' } }]);
    const id = await waitStatus(request, ns, 'ConfigMap', 'leaked', 'in-sync');
    const created = await request.post('/api/v1/snapshots', { data: { id } });
    const { url, id: snapId } = (await created.json()) as { url: string; id: string };
    const kept = ((await (await request.post('/api/v1/snapshots', { data: { id } })).json()) as { id: string }).id;
    await page.goto(url);
    await expect(page.getByTestId('snapshot-page')).toBeVisible();
    // In sync, the value sits among the diff's folded lines: what the page was built from has it.
    expect(await (await request.get(`/api/v1/snapshots/${snapId}`)).text()).toContain('revoke-canary');
    // Asked first: dismissing the question revokes nothing.
    page.once('dialog', (d) => void d.dismiss());
    await page.getByTestId('snapshot-revoke').click();
    expect((await request.get(`/api/v1/snapshots/${snapId}`)).status()).toBe(200);
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('snapshot-revoke').click();
    await expect(page.getByTestId('snapshot-revoked')).toHaveText('This snapshot link was revoked');
    await expect(page.getByTestId('snapshot-live-link')).toHaveAttribute('href', objectUrl(id));
    await expect(page.getByText('revoke-canary')).toHaveCount(0);
    expect((await page.goto(url))?.status()).toBe(410);
    const api = await request.get(`/api/v1/snapshots/${snapId}`);
    expect(api.status()).toBe(410);
    expect(await api.text()).not.toContain('revoke-canary');
    const { message } = ((await api.json()) as { error: { message: string } }).error;
    expect(message).toMatch(/^this snapshot was revoked at \d{4}-/);
    // Again: the first revocation's time stands.
    const again = await request.delete(`/api/v1/snapshots/${snapId}`);
    expect(again.status()).toBe(200);
    expect(message).toContain(((await again.json()) as { revokedAt: string }).revokedAt);
    expect((await request.delete('/api/v1/snapshots/AAAAAAAAAAAAAAAAAAAAAA')).status()).toBe(404);
    // Another link to the same object is untouched.
    expect((await request.get(`/api/v1/snapshots/${kept}`)).status()).toBe(200);
  });

  test('a snapshot page hydrates without a mismatch in Berlin (de-DE) and in UTC, its times relative to when it was taken; an unknown id gets a clear 404 page', async ({ browser, request, kc, baseURL }) => {
    const ns = `e2e-snaptz-${suffix()}`;
    await declare(kc, ns, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen', namespace: ns }, data: { mode: 'safe' } }]);
    await waitStatus(request, ns, 'ConfigMap', 'frozen', 'in-sync');
    await mutate(kc, cmRef(ns, 'frozen'), { data: { mode: 'unsafe' } }, 'kubectl-edit');
    const id = await waitStatus(request, ns, 'ConfigMap', 'frozen', 'drifted');
    await waitHistory(request, id, 'data.mode', 1);
    const created = await request.post('/api/v1/snapshots', { data: { id } });
    expect(created.status()).toBe(201);
    const { url, createdAt } = (await created.json()) as { url: string; createdAt: string };

    const contexts: Array<{ timezoneId: string; locale: string; loads: number }> = [
      { timezoneId: 'Europe/Berlin', locale: 'de-DE', loads: 2 },
      { timezoneId: 'UTC', locale: 'en-US', loads: 3 },
    ];
    for (const { timezoneId, locale, loads } of contexts) {
      const context = await browser.newContext({ baseURL, timezoneId, locale });
      try {
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        page.on('console', (m) => {
          if (m.type() === 'error' && /hydrat|#418|errors\/418/i.test(m.text())) problems.push(`console: ${m.text()}`);
        });
        for (let i = 0; i < loads; i++) {
          await page.goto(url);
          await expect(page.getByTestId('snapshot-page')).toBeVisible();
          // Interactive only once hydrated: by then a mismatch has been reported.
          await page.getByTestId('mode-unified').click();
          await expect(page.getByTestId('yaml-diff')).toHaveAttribute('data-mode', 'unified');
          await page.getByTestId('mode-split').click();
          await expect(page.getByTestId('yaml-diff')).toHaveAttribute('data-mode', 'split');
          expect(problems, `${timezoneId} ${locale}, load ${i + 1}`).toEqual([]);
          // Hydrated, absolute times are the reader's own (zone and locale)...
          const local = await page.evaluate((t) => new Date(t).toLocaleString(), createdAt);
          await expect(page.getByTestId('snapshot-taken-at')).toHaveText(local);
          // ...and relative ones count back from when the snapshot was taken, not from now.
          await expect(page.locator('[data-testid="field-row"][data-path="data.mode"]').getByTestId('field-written')).toHaveText(/before the snapshot$/);
        }
      } finally {
        await context.close();
      }
    }

    // An unknown or malformed id: a page that says so, in the app's layout, still a 404.
    const context = await browser.newContext({ baseURL, timezoneId: 'Europe/Berlin', locale: 'de-DE' });
    try {
      const page = await context.newPage();
      for (const g of ['AAAAAAAAAAAAAAAAAAAAAA', 'x', '%00']) {
        const res = await page.goto(`/s/${g}`);
        expect(res?.status(), g).toBe(404);
        await expect(page.getByTestId('snapshot-unknown')).toHaveText('There is no such snapshot');
        await expect(page.locator('main')).toContainText('mistyped');
        await expect(page.getByText('This page could not be found')).toHaveCount(0);
        await expect(page.locator('header.topbar')).toBeVisible();
      }
    } finally {
      await context.close();
    }
  });

  test('an object page opened by its parts (cluster, group, kind, namespace, name) offers a snapshot of that object', async ({ page, request, kc }) => {
    const ns = `e2e-parts-${suffix()}`;
    await declare(kc, ns, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'by-parts', namespace: ns }, data: { a: '1' } }]);
    await waitStatus(request, ns, 'ConfigMap', 'by-parts', 'in-sync');
    await mutate(kc, cmRef(ns, 'by-parts'), { data: { a: '2' } }, 'kubectl-edit');
    const id = await waitStatus(request, ns, 'ConfigMap', 'by-parts', 'drifted');

    await page.goto(`/objects?cluster=${encodeURIComponent(id.split('/')[0]!)}&group=&kind=ConfigMap&namespace=${ns}&name=by-parts`);
    await expect(page.getByTestId('object-page')).toHaveAttribute('data-object-id', id);
    // Fails here when the menu only knows `?id=`: it then says snapshots are taken from an object page.
    const url = await createSnapshotFromPage(page);
    const stored = (await (await request.get(`/api/v1/snapshots/${url.split('/s/')[1]}`)).json()) as { snapshot: { object: { id: string; name: string } } };
    expect(stored.snapshot.object).toMatchObject({ id, name: 'by-parts' });
  });

  test('a live share link opened in a fresh browser context shows the same object, filters, diff mode and absolute time range', async ({ page, browser, request, kc }) => {
    const ns = `e2e-live-${suffix()}`;
    const cms: Manifest[] = ['alpha', 'beta', 'gamma'].map((n) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: ns, labels: { tier: n === 'gamma' ? 'db' : 'web' } }, data: { a: '1' } }));
    await declare(kc, ns, cms);
    for (const n of ['alpha', 'beta', 'gamma']) await waitStatus(request, ns, 'ConfigMap', n, 'in-sync');
    for (const n of ['alpha', 'gamma']) await mutate(kc, cmRef(ns, n), { data: { a: '2' } }, 'kubectl-edit');
    const id = await waitStatus(request, ns, 'ConfigMap', 'alpha', 'drifted');
    await waitStatus(request, ns, 'ConfigMap', 'gamma', 'drifted');
    await waitHistory(request, id, 'data.a', 1);

    const shareLink = async (p: Page) => {
      await p.getByTestId('share-button').click();
      const v = await p.getByTestId('share-live-url').inputValue();
      await p.keyboard.press('Escape');
      return v;
    };

    // Object page: object and diff mode kept, the open-ended timeline locked to an end time.
    await page.goto(objectUrl(id, '&mode=unified'));
    await expect(page.getByTestId('yaml-diff')).toHaveAttribute('data-mode', 'unified');
    const objLink = new URL(await shareLink(page));
    expect(objLink.pathname).toBe('/objects');
    expect(objLink.searchParams.get('id')).toBe(id);
    expect(objLink.searchParams.get('mode')).toBe('unified');
    const to = objLink.searchParams.get('to')!;
    expect(Date.parse(to)).not.toBeNaN();

    // Drift table: filters kept as they are (no time to lock).
    await page.goto(`/drift?namespace=${ns}&status=all&labels=tier%3Dweb`);
    await expect(page.locator('[data-testid="drift-row"]')).toHaveCount(2);
    const tableLink = new URL(await shareLink(page));
    expect(Object.fromEntries(tableLink.searchParams)).toEqual({ namespace: ns, status: 'all', labels: 'tier=web' });

    // Overview: the relative range becomes absolute from/to.
    await page.goto('/?range=6h&stack=namespace');
    const ovLink = new URL(await shareLink(page));
    expect(ovLink.searchParams.get('range')).toBeNull();
    expect(ovLink.searchParams.get('stack')).toBe('namespace');
    expect(Date.parse(ovLink.searchParams.get('to')!) - Date.parse(ovLink.searchParams.get('from')!)).toBe(6 * 3_600_000);

    // Someone else opens them later, in a browser that has never seen this dashboard.
    await mutate(kc, cmRef(ns, 'beta'), { data: { a: '3' } }, 'kubectl-edit');
    const other = await browser.newContext();
    try {
      const p = await other.newPage();
      await p.goto(objLink.toString());
      await expect(p.getByTestId('object-page')).toHaveAttribute('data-object-id', id);
      await expect(p.getByTestId('yaml-diff')).toHaveAttribute('data-mode', 'unified');
      await expect(p.getByTestId('mode-unified')).toHaveAttribute('aria-pressed', 'true');
      const expectedEnd = await p.evaluate((t) => new Date(t).toLocaleString(), to);
      await expect(p.getByTestId('timeline-end')).toHaveText(expectedEnd);
      expect(new URL(p.url()).searchParams.get('to')).toBe(to);

      await p.goto(tableLink.toString());
      await expect(p.locator('[data-testid="drift-row"]')).toHaveCount(2);
      await expect(p.locator(`[data-testid="drift-row"][data-id="${id}"]`)).toBeVisible();

      await p.goto(ovLink.toString());
      await expect(p.getByTestId('drift-timeline')).toBeVisible();
      await expect(p.getByTestId('drift-timeline').locator('[aria-label="Time range"] button[aria-pressed="true"]')).toHaveCount(0);
      expect(Object.fromEntries(new URL(p.url()).searchParams)).toEqual(Object.fromEntries(ovLink.searchParams));
    } finally {
      await other.close();
    }
  });
});

test.describe('embeds', () => {
  test('an allow-listed origin embeds /embed/drift and sizes its iframe to the posted height; other origins and non-embed routes are refused', async ({ page, request, kc, baseURL }) => {
    const ns = `e2e-embed-${suffix()}`;
    const cms: Manifest[] = ['one', 'two', 'three', 'four'].map((n) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: ns, labels: { 'backstage.io/kubernetes-id': n === 'four' ? 'other' : 'shop' } }, data: { a: '1' } }));
    await declare(kc, ns, cms);
    for (const c of cms) await waitStatus(request, ns, 'ConfigMap', c.metadata.name, 'in-sync');
    for (const c of cms) await mutate(kc, cmRef(ns, c.metadata.name), { data: { a: '2' } }, 'kubectl-edit');
    for (const c of cms) await waitStatus(request, ns, 'ConfigMap', c.metadata.name, 'drifted');

    const allowedPort = Number(process.env[E2E_EMBED_PORT_ENV]);
    expect(allowedPort).toBeGreaterThan(0);
    const src = `${baseURL}/embed/drift?namespace=${ns}&selector=${encodeURIComponent('backstage.io/kubernetes-id=shop')}&theme=dark`;
    const allowed = await startPortal(allowedPort, src);
    const stranger = await startPortal(0, src);
    try {
      await page.goto(`http://127.0.0.1:${allowedPort}/`);
      await expect.poll(() => frameState(page), { timeout: 30_000 }).toBe('embedded');
      const frame = page.frameLocator('#dw');
      await expect(frame.locator('[data-testid="embed-drift-row"]')).toHaveCount(3);
      await expect(frame.locator('.topbar')).toHaveCount(0);
      await expect(frame.locator('html')).toHaveAttribute('data-theme', 'dark');
      // The iframe is as tall as its content said, not the 150px default.
      await expect
        .poll(async () => page.evaluate(() => {
          const h = (window as unknown as { __heights: number[] }).__heights;
          const el = document.getElementById('dw')!;
          return h.length > 0 && el.getBoundingClientRect().height === h[h.length - 1] ? h[h.length - 1]! : -1;
        }), { timeout: 15_000 })
        .toBeGreaterThan(150);
      const contentHeight = await frame.locator('[data-testid="embed-root"]').evaluate((el) => Math.ceil(el.getBoundingClientRect().height));
      expect(Math.round(await page.locator('#dw').evaluate((el) => el.getBoundingClientRect().height))).toBe(contentHeight);
      // It follows the content: one more drifted object makes it taller.
      const before = await page.locator('#dw').evaluate((el) => el.getBoundingClientRect().height);
      await mutate(kc, cmRef(ns, 'four'), { metadata: { labels: { 'backstage.io/kubernetes-id': 'shop' } } }, 'kubectl-label');
      await expect(frame.locator('[data-testid="embed-drift-row"]')).toHaveCount(4, { timeout: 30_000 });
      await expect.poll(() => page.locator('#dw').evaluate((el) => el.getBoundingClientRect().height), { timeout: 15_000 }).toBeGreaterThan(before);

      // Same embed from an origin that is not on the list: Chromium refuses the frame.
      await page.goto(`http://127.0.0.1:${portOf(stranger)}/`);
      await expect.poll(() => frameState(page), { timeout: 30_000 }).toBe('refused');
      expect(await page.evaluate(() => (window as unknown as { __heights: number[] }).__heights)).toEqual([]);
    } finally {
      await closeServer(allowed);
      await closeServer(stranger);
    }

    // Non-embed routes refuse framing everywhere, even on the allow-listed origin and Driftwatch itself.
    const snap = ((await (await request.post('/api/v1/snapshots', { data: { id: (await statesIn(request, ns))[0]!.id } })).json()) as { url: string }).url;
    for (const path of ['/', '/drift', `/objects?id=x`, '/cluster', snap, '/api/v1/status']) {
      for (const origin of [`http://127.0.0.1:${allowedPort}`, baseURL!]) {
        const portal = origin === baseURL ? undefined : await startPortal(allowedPort, `${baseURL}${path}`);
        try {
          if (portal) await page.goto(`${origin}/`);
          else {
            await page.goto('/api/healthz');
            await page.setContent(`<iframe id="dw" src="${baseURL}${path}"></iframe>`);
          }
          await expect.poll(() => page.frames().find((f) => f !== page.mainFrame())?.url() ?? '', { timeout: 15_000, message: `${path} framed by ${origin}` }).toMatch(/^chrome-error:/);
        } finally {
          if (portal) await closeServer(portal);
        }
      }
      const r = await request.get(path);
      expect(r.headers()['x-frame-options'], path).toBe('DENY');
      // The CSP carries more directives (lib/auth/csp.ts); framing is decided by frame-ancestors.
      expect(/frame-ancestors [^;]*/.exec(r.headers()['content-security-policy'] ?? '')?.[0], path).toBe("frame-ancestors 'none'");
    }
    for (const path of [`/embed/drift?namespace=${ns}`, '/embed/overview', `/embed/object?id=x`]) {
      const r = await request.get(path);
      expect(r.status(), path).toBe(200);
      expect(r.headers()['x-frame-options'], path).toBeUndefined();
      expect(/frame-ancestors [^;]*/.exec(r.headers()['content-security-policy'] ?? '')?.[0], path).toBe(`frame-ancestors 'self' http://127.0.0.1:${allowedPort}`);
    }
  });

  test('signed embed tokens: a valid token for the view passes, a wrong, widened or expired one gets 401', async ({ request }) => {
    const sel = 'backstage.io/kubernetes-id=shop';
    const token = createEmbedToken(E2E_EMBED_TOKEN_SECRET, { view: 'drift', params: { selector: sel }, ttlMs: 600_000 });
    const q = (t: string, s = sel) => `selector=${encodeURIComponent(s)}&token=${encodeURIComponent(t)}`;
    expect((await request.get(`/embed/drift?${q(token)}`)).status()).toBe(200);
    expect((await request.get('/embed/drift')).status()).toBe(200); // tokens are optional unless embed.requireToken
    const widened = await request.get(`/embed/drift?${q(token, 'backstage.io/kubernetes-id=bank')}`);
    expect(widened.status()).toBe(401);
    expect(await widened.text()).toContain('requires selector=');
    expect(widened.headers()['content-security-policy']).toContain('frame-ancestors');
    expect((await request.get(`/embed/object?${q(token)}`)).status()).toBe(401);
    expect((await request.get(`/embed/drift?${q(createEmbedToken('another-secret-another-secret-0000', { view: 'drift', params: { selector: sel }, ttlMs: 600_000 }))}`)).status()).toBe(401);
    expect((await request.get(`/embed/drift?${q(createEmbedToken(E2E_EMBED_TOKEN_SECRET, { view: 'drift', params: { selector: sel }, ttlMs: 1 }, new Date(Date.now() - 60_000)))}`)).status()).toBe(401);
  });
});

test('Secret canary values appear in no snapshot, no embed, no API response and not in the history database', async ({ page, request, kc }) => {
  const ns = `e2e-canary-${suffix()}`;
  const CANARY = `canary-${suffix()}-s3cr3t`;
  const CANARY2 = `canary-${suffix()}-r0tated`;
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const secret: Manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: ns }, type: 'Opaque', data: { password: b64(CANARY), user: b64('app') } };
  await declare(kc, ns, [secret]);
  await waitStatus(request, ns, 'Secret', 'db', 'in-sync');
  await mutate(kc, { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'db' }, { data: { password: b64(CANARY2) } }, 'kubectl-edit');
  const id = await waitStatus(request, ns, 'Secret', 'db', 'drifted');
  await waitHistory(request, id, 'data.password', 1);
  const forbidden = [CANARY, CANARY2, b64(CANARY), b64(CANARY2)];
  const clean = (what: string, text: string) => {
    for (const f of forbidden) expect(text.includes(f), `${what} contains a Secret value`).toBe(false);
  };

  // The object page shows the change, hidden.
  await page.goto(objectUrl(id));
  await expect(page.locator('[data-testid="field-row"][data-path="data.password"]')).toContainText('changed (value hidden)');
  const snapUrl = await createSnapshotFromPage(page);
  const snapId = snapUrl.split('/s/')[1]!;
  await page.goto(snapUrl);
  await expect(page.locator('[data-testid="field-row"][data-path="data.password"]')).toContainText('changed (value hidden)');
  clean('snapshot page', await page.content());
  const viaApi = await request.post('/api/v1/snapshots', { data: { id, mode: 'unified', showAll: true } });
  clean('POST /api/v1/snapshots', await viaApi.text());

  for (const path of [
    `/api/v1/drift?namespace=${ns}`,
    `/api/v1/drift/object?id=${encodeURIComponent(id)}`,
    `/api/v1/drift/object?id=${encodeURIComponent(id)}&showIgnored=true`,
    `/api/v1/history/object?id=${encodeURIComponent(id)}`,
    `/api/v1/snapshots/${snapId}`,
    `/api/v1/snapshots/${((await viaApi.json()) as { id: string }).id}`,
    `/s/${snapId}`,
    `/embed/object?id=${encodeURIComponent(id)}&mode=unified&all=1`,
    `/embed/drift?namespace=${ns}&status=all`,
  ]) {
    const r = await request.get(path);
    expect(r.status(), path).toBe(200);
    clean(path, await r.text());
  }
  // Rendered pages, after their scripts fetched everything they show.
  for (const path of [`/s/${snapId}`, `/embed/object?id=${encodeURIComponent(id)}&all=1`, `/embed/drift?namespace=${ns}&status=all`, objectUrl(id, '&all=1')]) {
    await page.goto(path);
    await expect(page.getByText('db').first()).toBeVisible();
    await expect(page.getByText('changed (value hidden)').first()).toBeVisible({ timeout: 15_000 }).catch(() => undefined);
    clean(`rendered ${path}`, await page.content());
  }
  await expect(page.locator('[data-testid="field-row"][data-path="data.password"]')).toContainText('changed (value hidden)');

  // Nor in the database the snapshots and history live in.
  const manifests = process.env.DRIFTWATCH_E2E_MANIFESTS!;
  const dir = join(manifests, '..', `${basename(manifests)}-history`);
  for (const f of ['history.db', 'history.db-wal']) {
    const file = join(dir, f);
    if (!existsSync(file)) continue;
    clean(file, readFileSync(file).toString('latin1'));
  }
});
