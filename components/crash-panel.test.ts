/**
 * Log text reaches the page only as escaped text: a crash message or excerpt that looks like HTML
 * is rendered as characters, never as markup. An excerpt opened before a refresh stays open after
 * it, and the refresh line says when the report is from.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { CrashTimeline } from '@/lib/client/health';
import { CrashRefreshLine, CrashReport } from './crash-panel';

const evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>';

function timeline(): CrashTimeline {
  const at = '2026-11-26T10:00:05Z';
  return {
    id: 'c//Pod/ns/p',
    object: { group: '', kind: 'Pod', namespace: 'ns', name: 'p' },
    owners: [],
    morePods: 0,
    pods: [
      {
        namespace: 'ns',
        name: 'p',
        health: { phase: 'Running', verdict: 'degraded', problems: ['CrashLoopBackOff'], restarts: 1, containers: [], deleting: false },
        crashed: [
          {
            container: 'app',
            type: 'app',
            restarts: 1,
            instance: 'previous',
            problem: 'CrashLoopBackOff',
            termination: { exitCode: 2, reason: 'Error', finishedAt: at },
            crash: { kind: 'go-panic', message: evil, frame: { file: 'x<b>.go', path: '/src/x<b>.go', line: 3 }, atLine: 1, excerpt: [`panic: ${evil}`] },
            log: { fetched: true, previous: true, bytes: 10, truncated: false, ms: 1 },
          },
        ],
      },
    ],
    drifts: [{ at: '2026-11-26T10:00:00Z', objectId: 'c//Pod/ns/p', kind: 'Pod', name: 'p', path: 'spec.containers[name=app].image', manager: '<b>op</b>', from: 'live' }],
    crashes: [{ at, pod: 'p', container: 'app', restarts: 1, message: evil, location: 'x.go:3', from: 'status' }],
    windowMs: 900_000,
    logLimits: { tailLines: 500, limitBytes: 262_144 },
  };
}

describe('crash panel rendering', () => {
  it('escapes log text everywhere it appears', () => {
    const t = timeline();
    t.hint = { drift: t.drifts[0]!, crash: t.crashes[0]!, leadMs: 5_000, windowMs: 900_000 };
    const html = renderToStaticMarkup(createElement(CrashReport, { t }));
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;img src=x onerror=');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('Drift came first');
    expect(html).toContain('x&lt;b&gt;.go:3');
  });
});

describe('crash panel across refreshes', () => {
  it('renders an excerpt open from the panel’s state, whatever the report object', () => {
    const open = new Set(['ns/p/app']);
    const first = renderToStaticMarkup(createElement(CrashReport, { t: timeline(), openExcerpts: open, onExcerptToggle: () => undefined }));
    // A refresh brings a new report object (a restart more): the excerpt is still open.
    const next = timeline();
    next.pods[0]!.health.restarts = 2;
    const second = renderToStaticMarkup(createElement(CrashReport, { t: next, openExcerpts: open, onExcerptToggle: () => undefined }));
    for (const html of [first, second]) expect(html).toMatch(/<details open=""[^>]*data-testid="crash-details"/);
    expect(second).toContain('2 restarts');
    const closed = renderToStaticMarkup(createElement(CrashReport, { t: next, openExcerpts: new Set<string>(), onExcerptToggle: () => undefined }));
    expect(closed).not.toMatch(/<details open/);
  });

  it('leaves the excerpt to itself without panel state (snapshot-style rendering)', () => {
    expect(renderToStaticMarkup(createElement(CrashReport, { t: timeline() }))).not.toMatch(/<details open/);
  });

  it('says when the report is from, keeps "refreshing…" laid out but hidden when idle, and how it refreshes', () => {
    const at = Date.parse('2026-11-26T10:00:05Z');
    const idle = renderToStaticMarkup(createElement(CrashRefreshLine, { updatedAt: at, fetching: false, polling: true }));
    expect(idle).toContain('dateTime="2026-11-26T10:00:05.000Z"');
    expect(idle).toMatch(/data-active="false" aria-hidden="true">refreshing…/);
    expect(idle).toContain('Refreshed every 15 s while this tab is visible');
    const busy = renderToStaticMarkup(createElement(CrashRefreshLine, { updatedAt: at, fetching: true, polling: true }));
    expect(busy).toMatch(/data-active="true" aria-hidden="false">refreshing…/);
    expect(busy).toMatch(/<button[^>]*disabled=""/);
    const still = renderToStaticMarkup(createElement(CrashRefreshLine, { updatedAt: at, fetching: false, polling: false }));
    expect(still).toContain('Not refreshed automatically here.');
  });
});
