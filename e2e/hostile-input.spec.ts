import type { Page } from '@playwright/test';
import { declare, mutate, stateOf } from './dashboard-helpers';
import { createEmbedToken } from '../lib/share/embed-token';
import { E2E_EMBED_TOKEN_SECRET } from './e2e-env';
import { expect, test } from './fixtures';

/**
 * Objects whose annotations, data values and field manager carry HTML/JS payloads, `javascript:`
 * URLs, very long strings and unicode direction marks: every view shows them as text. In Chromium
 * no dialog fires, no script sets the marker, no request leaves for another host. (Kubernetes
 * validates names and label values down to DNS characters, so those carry only long values.)
 */
const IMG = `<img src=x onerror="window.__pwned=(window.__pwned||0)+1;alert('xss-img')">`;
const SCRIPT = `"><script>window.__pwned=1;alert('xss-script')</script>`;
const SVG = `<svg/onload="window.__pwned=1;alert('xss-svg')">`;
const REMOTE = `<img src="http://203.0.113.9/beacon.png"><iframe src="http://203.0.113.9/frame"></iframe>`;
const JS_URL = `javascript:window.__pwned=1;alert('xss-href')`;
const RLO = `invoice\u202Egnp.exe \u2066isolate\u2069 \u200Frtl-mark`;
const LONG = `long-${'Ω'.repeat(20_000)}-${'x'.repeat(80_000)}`;
const MANAGER = `<img src=x onerror=alert('mgr')>`;

async function watch(page: Page, base: string) {
  const dialogs: string[] = [];
  const foreign: string[] = [];
  const origin = new URL(base).host;
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.host !== origin) foreign.push(r.url());
    if (u.protocol === 'javascript:') foreign.push(r.url());
  });
  return { dialogs, foreign };
}

async function expectInert(page: Page, where: string) {
  const dom = await page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: number }).__pwned ?? 0,
    jsLinks: [...document.querySelectorAll('a[href], area[href], iframe[src], form[action]')].filter((e) => /^\s*javascript:/i.test(e.getAttribute('href') ?? e.getAttribute('src') ?? e.getAttribute('action') ?? '')).length,
    injectedImgs: [...document.querySelectorAll('img')].filter((i) => i.getAttribute('src') === 'x' || (i.getAttribute('src') ?? '').includes('203.0.113.9')).length,
    svgOnload: document.querySelectorAll('svg[onload]').length,
    handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
    // Next's own scripts carry the request's nonce or load its build chunks; anything else was injected.
    scripts: [...document.querySelectorAll('script')].filter((s) => !s.nonce && !(s.src && new URL(s.src).pathname.startsWith('/_next/'))).length,
  }));
  expect(dom, where).toEqual({ pwned: 0, jsLinks: 0, injectedImgs: 0, svgOnload: 0, handlers: 0, scripts: 0 });
}

test('hostile annotations, values and manager names render as inert text everywhere', async ({ page, kc, request, baseURL }) => {
  test.setTimeout(180_000);
  const ns = `e2e-xss-${Date.now().toString(36)}`;
  const base = baseURL ?? process.env.DRIFTWATCH_E2E_BASE_URL ?? '';
  const { dialogs, foreign } = await watch(page, base);
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `xss-${'n'.repeat(40)}`,
      namespace: ns,
      labels: { 'app.kubernetes.io/name': 'x'.repeat(63) },
      annotations: { 'xss.example.com/img': IMG, 'xss.example.com/url': JS_URL, 'xss.example.com/rlo': RLO },
    },
    data: { img: IMG, url: JS_URL, rlo: RLO, long: LONG, remote: REMOTE },
  };
  await declare(kc, ns, [cm]);
  await mutate(kc, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: cm.metadata.name }, {
    metadata: { annotations: { 'xss.example.com/added': REMOTE, 'xss.example.com/img': SVG } },
    data: { img: SCRIPT, url: `${JS_URL}//changed`, svg: SVG, rlo: `${RLO}\u202E changed` },
  }, MANAGER);
  const state = await expect.poll(async () => {
    const s = await stateOf(request, ns, 'ConfigMap', cm.metadata.name);
    return s?.status === 'drifted' && s.changes.some((c) => c.manager?.name === MANAGER) ? s : undefined;
  }, { timeout: 60_000 }).toBeTruthy().then(() => stateOf(request, ns, 'ConfigMap', cm.metadata.name));
  const id = state?.id ?? '';
  const enc = encodeURIComponent(id);

  const snap = await request.post('/api/v1/snapshots', { data: { id } });
  expect(snap.status()).toBe(201);
  const snapUrl = ((await snap.json()) as { url: string }).url;
  const objectToken = createEmbedToken(E2E_EMBED_TOKEN_SECRET, { view: 'object', params: { id }, ttlMs: 3_600_000 });

  // The object page: the payloads are there, as text.
  await page.goto(`/objects?id=${enc}`);
  await expect(page.getByTestId('object-page')).toBeVisible();
  await expect(page.getByText(`onerror="window.__pwned`, { exact: false }).first()).toBeVisible();
  await expectInert(page, 'object page (split)');
  await page.getByTestId('mode-unified').click();
  await page.getByTestId('toggle-volatile').check();
  await expect(page.getByText(`alert('xss-svg')`, { exact: false }).first()).toBeVisible();
  await expectInert(page, 'object page (unified, all fields)');

  for (const path of [
    '/',
    `/drift?namespace=${ns}`,
    `/drift?q=${encodeURIComponent('<img src=x onerror=alert(1)>')}`,
    snapUrl,
    `/embed/object?id=${enc}&token=${encodeURIComponent(objectToken)}`,
    `/embed/drift?namespace=${ns}`,
    `/embed/overview`,
  ]) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    await expectInert(page, path);
  }
  await page.goto(`/drift?namespace=${ns}`);
  await expect(page.getByText(cm.metadata.name).first()).toBeVisible();
  await expectInert(page, 'drift table with the object');

  expect(dialogs).toEqual([]);
  expect(foreign).toEqual([]);
});
