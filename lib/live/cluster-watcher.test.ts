import { describe, expect, it } from 'vitest';
import type { ApiResource } from '../kube/discovery';
import { desiredKindVersions, refreshDueAt, REFRESH_MAX_WAIT_MS, withUnanswered } from './cluster-watcher';

const resource = (apiVersion: string, kind: string, name: string): ApiResource => {
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  return { group, version, apiVersion, kind, name, namespaced: true, verbs: ['list', 'watch'], shortNames: [] };
};

describe('withUnanswered', () => {
  const configmaps = resource('v1', 'ConfigMap', 'configmaps');
  const deployments = resource('apps/v1', 'Deployment', 'deployments');
  const widgetsV1 = resource('example.com/v1', 'Widget', 'widgets');

  it('keeps what the previous discovery found for a group that did not answer this time', () => {
    const now = withUnanswered([configmaps, widgetsV1], [configmaps, deployments, widgetsV1], [{ groupVersion: 'apps/v1' }]);
    expect(now.map((r) => `${r.apiVersion} ${r.name}`)).toEqual(['v1 configmaps', 'apps/v1 deployments', 'example.com/v1 widgets']);
  });

  it('drops a group that is gone from the answers, and keeps nothing twice', () => {
    // The CRD's group no longer listed at all: not a failure, gone.
    expect(withUnanswered([configmaps], [configmaps, widgetsV1], [{ groupVersion: 'apps/v1' }])).toEqual([configmaps]);
    // A group that answered in another version this time: the new answer stands alone.
    const widgetsV2 = resource('example.com/v2', 'Widget', 'widgets');
    expect(withUnanswered([configmaps, widgetsV2], [configmaps, widgetsV1], [{ groupVersion: 'example.com/v1' }])).toEqual([configmaps, widgetsV2]);
  });
});

describe('desiredKindVersions', () => {
  it('names each declared kind with the apiVersion most of its manifests use', () => {
    const m = (apiVersion: string, kind: string) => ({ manifest: { apiVersion, kind, metadata: { name: 'x' } } });
    const got = desiredKindVersions([
      m('autoscaling/v1', 'HorizontalPodAutoscaler'),
      m('autoscaling/v2', 'HorizontalPodAutoscaler'),
      m('autoscaling/v1', 'HorizontalPodAutoscaler'),
      m('v1', 'ConfigMap'),
      m('example.com/v1beta1', 'Widget'),
      m('example.com/v1', 'Widget'),
    ]);
    expect(Object.fromEntries(got)).toEqual({ 'HorizontalPodAutoscaler.autoscaling': 'autoscaling/v1', ConfigMap: 'v1', 'Widget.example.com': 'example.com/v1' });
  });
});

describe('refreshDueAt', () => {
  it('debounces a burst of CRD events, but runs a burst that does not end at most REFRESH_MAX_WAIT_MS after its first event', () => {
    let pending: { due: number; firstAt: number } | undefined;
    const ask = (now: number, delayMs = 1000) => {
      const due = refreshDueAt(now, delayMs, pending);
      pending = { due, firstAt: pending?.firstAt ?? now };
      return due;
    };
    expect(ask(0)).toBe(1000);
    expect(ask(400)).toBe(1400);
    // An event every 400 ms for ever: the refresh would never run, were each one to postpone it.
    let due = 1400;
    for (let t = 800; t < due && t < 60_000; t += 400) due = ask(t);
    expect(due).toBe(REFRESH_MAX_WAIT_MS);
  });

  it('never postpones a refresh already due sooner for a longer delay asked later, and brings a far one forward', () => {
    // A CRD event's refresh is due at 1 s; a discovery retry then asks for 30 s.
    expect(refreshDueAt(200, 30_000, { due: 1000, firstAt: 0 })).toBe(1000);
    // A discovery retry due in 30 s; a CRD event asks for 1 s.
    expect(refreshDueAt(500, 1000, { due: 30_000, firstAt: 0 })).toBe(1500);
    expect(refreshDueAt(500, 0, undefined)).toBe(500);
  });
});
