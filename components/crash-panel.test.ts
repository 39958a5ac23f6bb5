/**
 * Log text reaches the page only as escaped text: a crash message or excerpt that looks like HTML
 * is rendered as characters, never as markup.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { CrashTimeline } from '@/lib/client/health';
import { CrashReport } from './crash-panel';

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
