import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDashboardConfig, readDashboardConfigFile, resourceMatches } from './dashboard-config';

describe('dashboard configuration', () => {
  it('reads a file, resolves paths against it, and lets environment variables override', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-config-'));
    const file = join(dir, 'driftwatch.yaml');
    writeFileSync(
      file,
      ['clusters:', '  - {name: prod, context: prod-admin}', 'manifests:', '  - ./deploy', 'watch:', '  exclude: [secrets]', 'ignoreRules:', '  - {path: spec.replicas, managers: [hpa]}'].join('\n'),
    );
    const cfg = readDashboardConfigFile(file);
    expect(cfg.clusters).toEqual([{ name: 'prod', context: 'prod-admin' }]);
    expect(cfg.manifests).toEqual([{ path: join(dir, 'deploy') }]);
    expect(cfg.watch).toEqual({ pods: true, customResources: true, desiredKinds: true, include: [], exclude: ['secrets'] });
    expect(cfg.sources).toEqual(['manifest-dir', 'last-applied', 'owner-template']);
    const env = loadDashboardConfig({ DRIFTWATCH_CONFIG: file, DRIFTWATCH_CONTEXTS: 'a,b', DRIFTWATCH_MANIFESTS: '/m1:/m2' });
    expect(env.clusters).toEqual([{ context: 'a' }, { context: 'b' }]);
    expect(env.manifests.map((m) => m.path)).toEqual(['/m1', '/m2']);
  });

  it('names every problem of a bad file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-config-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'clusters: [{name: "has space"}]\nwatch: {include: ["Deployments!"]}\nsurprise: 1\n');
    expect(() => readDashboardConfigFile(file)).toThrow(/clusters\[0\]\.name[\s\S]*watch\.include\[0\][\s\S]*surprise/);
    writeFileSync(file, 'clusters: [\n');
    expect(() => readDashboardConfigFile(file)).toThrow(/not valid YAML/);
    expect(() => readDashboardConfigFile(join(dir, 'absent.yaml'))).toThrow(/cannot read configuration/);
  });

  it('matches kubectl-style resource patterns', () => {
    expect(resourceMatches('pods', 'pods', '')).toBe(true);
    expect(resourceMatches('pods', 'pods', 'metrics.k8s.io')).toBe(false);
    expect(resourceMatches('deployments.apps', 'deployments', 'apps')).toBe(true);
    expect(resourceMatches('*.example.com', 'widgets', 'example.com')).toBe(true);
    expect(resourceMatches('*.example.com', 'widgets', 'other.io')).toBe(false);
  });
});

describe('crash correlation configuration', () => {
  it('has defaults and reads durations', async () => {
    const { parseDashboardConfig } = await import('./dashboard-config');
    expect(parseDashboardConfig({}, 'x').crashes).toEqual({ driftWindow: 900_000, tailLines: 500, limitBytes: 262_144, maxPods: 10, maxLogFetches: 4 });
    expect(parseDashboardConfig({ crashes: { driftWindow: '2h' } }, 'x').crashes.driftWindow).toBe(7_200_000);
    expect(parseDashboardConfig({ crashes: { driftWindow: 90 } }, 'x').crashes.driftWindow).toBe(90_000);
    expect(() => parseDashboardConfig({ crashes: { driftWindow: 'soon', limitBytes: 1e9 } }, 'x')).toThrow(/crashes\.driftWindow[\s\S]*crashes\.limitBytes/);
  });
});
