import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../testing/temp-dirs';
import { configuredParseWorker } from '../live/runtime-options';
import { clusterNameFromContext, loadDashboardConfig, parseDashboardConfig, readDashboardConfigFile, resourceMatches } from './dashboard-config';

const tempDir = tempDirs('dw-config-');

describe('dashboard configuration', () => {
  it('reads a file, resolves paths against it, and lets environment variables override', () => {
    const dir = tempDir();
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
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'clusters: [{name: "has space"}]\nwatch: {include: ["Deployments!"]}\nsurprise: 1\n');
    expect(() => readDashboardConfigFile(file)).toThrow(/clusters\[0\]\.name[\s\S]*watch\.include\[0\][\s\S]*surprise/);
    writeFileSync(file, 'clusters: [\n');
    expect(() => readDashboardConfigFile(file)).toThrow(/not valid YAML/);
    expect(() => readDashboardConfigFile(join(dir, 'absent.yaml'))).toThrow(/cannot read configuration/);
  });

  it('names the keys allowed where an unknown one is, the one it was likely meant to be, and why a value fits no form', () => {
    const problems = (raw: unknown) => {
      try {
        parseDashboardConfig(raw, 'f.yaml');
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problems({ clusters: [{ kubeConfig: 'x' }] })).toContain('clusters[0]: unknown key "kubeConfig" (did you mean "kubeconfig"?); allowed here: context, kubeconfig, name');
    expect(problems({ clusterz: [] })).toMatch(/\(top level\): unknown key "clusterz" \(did you mean "clusters"\?\); allowed here: auth, clusters, crashes, dataDir, /);
    expect(problems({ surprise: 1 })).toMatch(/unknown key "surprise"; allowed here:/);
    expect(problems({ crashes: { driftWindow: '15 m' } })).toContain('crashes.driftWindow: a duration such as `90s`, `15m`, `2h` or `1d`');
    expect(problems({ manifests: [3] })).toContain('manifests[0]: expected a string or a mapping');
    expect(() => loadDashboardConfig({ DRIFTWATCH_MANIFEST_PARSE_THREADS: '-1' })).toThrow(/"-1" is not a whole number of threads \(0 to 16/);
    expect(() => loadDashboardConfig({ DRIFTWATCH_MANIFEST_PARSE_THREADS: '99' })).toThrow(/manifestParseThreads/);
    expect(() => loadDashboardConfig({ DRIFTWATCH_REDACTION_KEY: 'short' })).toThrow('environment (DRIFTWATCH_REDACTION_KEY): at least 32 characters, not 5');
  });

  it('refuses a yes/no variable it does not recognise instead of reading it as no', () => {
    const secret = 'embed-secret-0123456789abcdef0123456789';
    expect(() => loadDashboardConfig({ DRIFTWATCH_EMBED_REQUIRE_TOKEN: 'ture', DRIFTWATCH_EMBED_TOKEN_SECRET: secret })).toThrow(
      /DRIFTWATCH_EMBED_REQUIRE_TOKEN\): "ture" is not a yes\/no value/,
    );
    expect(loadDashboardConfig({ DRIFTWATCH_EMBED_REQUIRE_TOKEN: 'On', DRIFTWATCH_EMBED_TOKEN_SECRET: secret }).embed.requireToken).toBe(true);
    expect(loadDashboardConfig({ DRIFTWATCH_EMBED_REQUIRE_TOKEN: 'false' }).embed.requireToken).toBe(false);
  });

  it('matches kubectl-style resource patterns', () => {
    expect(resourceMatches('pods', 'pods', '')).toBe(true);
    expect(resourceMatches('pods', 'pods', 'metrics.k8s.io')).toBe(false);
    expect(resourceMatches('deployments.apps', 'deployments', 'apps')).toBe(true);
    expect(resourceMatches('*.example.com', 'widgets', 'example.com')).toBe(true);
    expect(resourceMatches('*.example.com', 'widgets', 'other.io')).toBe(false);
  });

  it('resolves a pattern without a group as kubectl does: the core resource first, else the group that serves it', () => {
    const coreNames = new Set(['pods', 'po', 'events', 'ev', 'configmaps', 'cm']);
    expect(resourceMatches('deployments', 'deployments', 'apps', { coreNames })).toBe(true);
    expect(resourceMatches('deploy', 'deployments', 'apps', { shortNames: ['deploy'], coreNames })).toBe(true);
    expect(resourceMatches('ingresses', 'ingresses', 'networking.k8s.io', { coreNames })).toBe(true);
    expect(resourceMatches('cm', 'configmaps', '', { shortNames: ['cm'], coreNames })).toBe(true);
    // The core group has pods and events: those, not metrics.k8s.io's pods or events.k8s.io's events.
    expect(resourceMatches('pods', 'pods', 'metrics.k8s.io', { coreNames })).toBe(false);
    expect(resourceMatches('events', 'events', 'events.k8s.io', { shortNames: ['ev'], coreNames })).toBe(false);
    expect(resourceMatches('ev', 'events', 'events.k8s.io', { shortNames: ['ev'], coreNames })).toBe(false);
    expect(resourceMatches('deployments.apps', 'deployments', 'apps', { coreNames })).toBe(true);
    expect(resourceMatches('deployments.batch', 'deployments', 'apps', { coreNames })).toBe(false);
    // A glob without a group stays in the core group, as before: kubectl has no globs to follow.
    expect(resourceMatches('pod*', 'pods', '', { coreNames })).toBe(true);
    expect(resourceMatches('pod*', 'poddisruptionbudgets', 'policy', { coreNames })).toBe(false);
    expect(resourceMatches('*', 'widgets', 'example.com', { coreNames })).toBe(true);
  });

  it('takes the singular name or the kind, in any case, as kubectl get does', () => {
    const coreNames = new Set(['pods', 'pod', 'secrets', 'secret', 'events', 'event']);
    for (const p of ['secret', 'Secret', 'SECRET']) expect(resourceMatches(p, 'secrets', '', { kind: 'Secret', coreNames }), p).toBe(true);
    expect(resourceMatches('deployment', 'deployments', 'apps', { kind: 'Deployment', coreNames })).toBe(true);
    expect(resourceMatches('PODS', 'pods', '', { kind: 'Pod', coreNames })).toBe(true);
    expect(resourceMatches('CM', 'configmaps', '', { kind: 'ConfigMap', shortNames: ['cm'], coreNames })).toBe(true);
    expect(resourceMatches('Deployment.apps', 'deployments', 'apps', { kind: 'Deployment', coreNames })).toBe(true);
    // The core group's Event, not events.k8s.io's.
    expect(resourceMatches('event', 'events', 'events.k8s.io', { kind: 'Event', coreNames })).toBe(false);
    expect(resourceMatches('secret', 'configmaps', '', { kind: 'ConfigMap', coreNames })).toBe(false);
    // And the configuration accepts them.
    expect(parseDashboardConfig({ watch: { exclude: ['secret', 'Deployment.apps'] } }, 'test').watch.exclude).toEqual(['secret', 'Deployment.apps']);
  });
});

describe('clusters and namespaces that cannot work', () => {
  it('refuse two clusters of one name, given or taken from their contexts, at start', () => {
    expect(() => loadDashboardConfig({ DRIFTWATCH_CONTEXTS: 'prod,staging,prod' })).toThrow(/DRIFTWATCH_CONTEXTS.*clusters\[0\] and clusters\[2\] are both named prod/);
    expect(() => loadDashboardConfig({ DRIFTWATCH_CONTEXTS: 'a/b,a:b' })).toThrow(/both named a-b/);
    expect(loadDashboardConfig({ DRIFTWATCH_CONTEXTS: 'prod,staging' }).clusters).toHaveLength(2);
    // Separators and nothing else: a mistake, not "the current context".
    expect(() => loadDashboardConfig({ DRIFTWATCH_CONTEXTS: ' , ' })).toThrow('environment (DRIFTWATCH_CONTEXTS): " , " names no context; leave it unset (or empty) for the default');
    expect(() => loadDashboardConfig({ DRIFTWATCH_MANIFESTS: ':' })).toThrow(/DRIFTWATCH_MANIFESTS\): ":" names no directory/);
    expect(loadDashboardConfig({ DRIFTWATCH_CONTEXTS: '', DRIFTWATCH_MANIFESTS: ' ' }).clusters).toBeUndefined();
    // An allow-list of separators would otherwise become empty, which lets every proxied user in.
    const proxied = { DRIFTWATCH_AUTH_MODE: 'proxy', DRIFTWATCH_TRUSTED_PROXIES: '127.0.0.1' };
    expect(() => loadDashboardConfig({ ...proxied, DRIFTWATCH_ALLOWED_GROUPS: ',' })).toThrow(/DRIFTWATCH_ALLOWED_GROUPS\): "," names no group/);
    expect(loadDashboardConfig({ ...proxied, DRIFTWATCH_ALLOWED_GROUPS: 'sre, ops' }).auth.proxy.allowedGroups).toEqual(['sre', 'ops']);
    expect(() => loadDashboardConfig({ ...proxied, DRIFTWATCH_TRUSTED_PROXIES: ' , ' })).toThrow(/DRIFTWATCH_TRUSTED_PROXIES\): " , " names no address/);
    expect(() => loadDashboardConfig({ DRIFTWATCH_EMBED_ORIGINS: ',' })).toThrow(/DRIFTWATCH_EMBED_ORIGINS\): "," names no origin/);
    const dir = tempDir();
    const file = join(dir, 'twice.yaml');
    writeFileSync(file, 'clusters:\n  - name: prod\n    context: a\n  - context: prod\n');
    expect(() => loadDashboardConfig({ DRIFTWATCH_CONFIG: file })).toThrow(/twice\.yaml: clusters\[0\] and clusters\[1\] are both named prod/);
  });

  it('refuse a DATABASE_URL that is not PostgreSQL\'s at start, instead of running without history', () => {
    expect(() => loadDashboardConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/environment \(DATABASE_URL\): DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/ \(unset it/);
    expect(() => loadDashboardConfig({ DATABASE_URL: 'postgres://dw@db/dw' })).not.toThrow();
  });

  it('read `~/` in the file\'s paths as the home directory, as a shell would', () => {
    const cfg = parseDashboardConfig({ clusters: [{ name: 'prod', kubeconfig: '~/.kube/prod' }], manifests: ['~/deploy'], dataDir: 'data' }, 'test', '/etc/driftwatch');
    expect(cfg.clusters?.[0]?.kubeconfig).toBe(join(homedir(), '.kube/prod'));
    expect(cfg.manifests[0]?.path).toBe(join(homedir(), 'deploy'));
    expect(cfg.dataDir).toBe('/etc/driftwatch/data');
  });

  it('refuse an empty watch.namespaces (it would watch nothing; leaving it out watches all)', () => {
    expect(() => parseDashboardConfig({ watch: { namespaces: [] } }, 'test')).toThrow(/watch\.namespaces.*at least one namespace/);
  });
});

describe('the name of a cluster configured without one', () => {
  it('is its context\'s, with each run of characters a URL or an object id cannot hold made one dash', () => {
    expect(clusterNameFromContext('gke_acme-prod_europe-west1_main')).toBe('gke_acme-prod_europe-west1_main');
    expect(clusterNameFromContext('kind-dev.local')).toBe('kind-dev.local');
    expect(clusterNameFromContext('arn:aws:eks:eu-west-1:111122223333:cluster/prod')).toBe('arn-aws-eks-eu-west-1-111122223333-cluster-prod');
    expect(clusterNameFromContext('admin@prod cluster')).toBe('admin-prod-cluster');
    expect(clusterNameFromContext('/prod/')).toBe('prod');
    expect(clusterNameFromContext('::')).toBe('default');
    // Every result is a name the configuration itself would accept.
    for (const ctx of ['a/b', 'ä', 'x y', '::']) expect(parseDashboardConfig({ clusters: [{ name: clusterNameFromContext(ctx) }] }, 'test').clusters?.[0]?.name).toBeDefined();
  });
});

describe('crash correlation configuration', () => {
  it('has defaults and reads durations', async () => {
    const { parseDashboardConfig } = await import('./dashboard-config');
    expect(parseDashboardConfig({}, 'x').crashes).toEqual({ driftWindow: 900_000, tailLines: 500, limitBytes: 262_144, maxPods: 10, maxLogFetches: 4 });
    expect(parseDashboardConfig({ crashes: { driftWindow: '2h' } }, 'x').crashes.driftWindow).toBe(7_200_000);
    expect(parseDashboardConfig({ crashes: { driftWindow: 90 } }, 'x').crashes.driftWindow).toBe(90_000);
    for (const none of [0, '0s', '0m']) expect(() => parseDashboardConfig({ crashes: { driftWindow: none } }, 'x'), String(none)).toThrow(/crashes\.driftWindow/);
    expect(() => parseDashboardConfig({ crashes: { driftWindow: 'soon', limitBytes: 1e9 } }, 'x')).toThrow(/crashes\.driftWindow[\s\S]*crashes\.limitBytes/);
  });

  it('takes the manifest parse threads from the file or DRIFTWATCH_MANIFEST_PARSE_THREADS, and 0 turns the workers off', () => {
    expect(parseDashboardConfig({}, 'x').manifestParseThreads).toBeUndefined();
    expect(parseDashboardConfig({ manifestParseThreads: 3 }, 'x').manifestParseThreads).toBe(3);
    expect(loadDashboardConfig({ DRIFTWATCH_MANIFEST_PARSE_THREADS: '0' }).manifestParseThreads).toBe(0);
    expect(() => loadDashboardConfig({ DRIFTWATCH_MANIFEST_PARSE_THREADS: 'many' })).toThrow(/DRIFTWATCH_MANIFEST_PARSE_THREADS\): "many" is not a whole number of threads/);
    expect(() => parseDashboardConfig({ manifestParseThreads: -1 }, 'x')).toThrow(/manifestParseThreads/);
    const worker = { script: '/build/manifest-parse-worker.mjs' };
    expect(configuredParseWorker(parseDashboardConfig({}, 'x'), worker)).toEqual(worker);
    expect(configuredParseWorker(parseDashboardConfig({ manifestParseThreads: 2 }, 'x'), worker)).toEqual({ ...worker, threads: 2 });
    expect(configuredParseWorker(parseDashboardConfig({ manifestParseThreads: 0 }, 'x'), worker)).toBeUndefined();
    // Run from source there is no compiled worker: parsed inline whatever the setting.
    expect(configuredParseWorker(parseDashboardConfig({ manifestParseThreads: 2 }, 'x'), undefined)).toBeUndefined();
  });
});

describe('a file completed by the documented environment variables', () => {
  const secret = 'embed-secret-0123456789abcdef0123456789';
  const fileWith = (text: string) => {
    const file = join(tempDir(), 'driftwatch.yaml');
    writeFileSync(file, text);
    return file;
  };

  it('starts with a mode or switch in the file and the value it needs in the environment', () => {
    const token = loadDashboardConfig({ DRIFTWATCH_CONFIG: fileWith('auth: {mode: token}\n'), DRIFTWATCH_AUTH_TOKEN: 't'.repeat(32) });
    expect(token.auth).toMatchObject({ mode: 'token', token: 't'.repeat(32) });
    const proxy = loadDashboardConfig({ DRIFTWATCH_CONFIG: fileWith('auth: {mode: proxy, proxy: {allowedGroups: [sre]}}\n'), DRIFTWATCH_TRUSTED_PROXIES: '10.0.12.7, 10.0.13.0/24' });
    expect(proxy.auth.proxy).toMatchObject({ trustedAddresses: ['10.0.12.7', '10.0.13.0/24'], allowedGroups: ['sre'] });
    const embed = loadDashboardConfig({ DRIFTWATCH_CONFIG: fileWith('embed: {requireToken: true}\n'), DRIFTWATCH_EMBED_TOKEN_SECRET: secret });
    expect(embed.embed).toMatchObject({ requireToken: true, tokenSecret: secret });
  });

  it('still refuses what neither the file nor the environment completes, naming the key and its variable', () => {
    const file = fileWith('auth: {mode: token}\nembed: {requireToken: true}\n');
    expect(() => loadDashboardConfig({ DRIFTWATCH_CONFIG: file })).toThrow(
      `${file} with the environment: invalid configuration:\n  auth: mode token needs auth.token (or DRIFTWATCH_AUTH_TOKEN)\n  embed: requireToken needs tokenSecret (or DRIFTWATCH_EMBED_TOKEN_SECRET)`,
    );
    expect(() => loadDashboardConfig({ DRIFTWATCH_CONFIG: fileWith('auth: {mode: proxy}\n') })).toThrow(/auth: mode proxy needs auth\.proxy\.trustedAddresses \(or DRIFTWATCH_TRUSTED_PROXIES\)/);
    // The environment alone is checked the same way, and so is a complete document.
    expect(() => loadDashboardConfig({ DRIFTWATCH_AUTH_MODE: 'token' })).toThrow('environment: invalid configuration:\n  auth: mode token needs auth.token (or DRIFTWATCH_AUTH_TOKEN)');
    expect(() => loadDashboardConfig({ DRIFTWATCH_EMBED_REQUIRE_TOKEN: 'true' })).toThrow(/embed: requireToken needs tokenSecret \(or DRIFTWATCH_EMBED_TOKEN_SECRET\)/);
    expect(() => parseDashboardConfig({ auth: { mode: 'token' } }, 'f.yaml')).toThrow('f.yaml: invalid configuration:\n  auth: mode token needs auth.token (or DRIFTWATCH_AUTH_TOKEN)');
    // A key's own problem is still the file's, said before anything is merged.
    expect(() => loadDashboardConfig({ DRIFTWATCH_CONFIG: fileWith('auth: {mode: token, token: short}\n'), DRIFTWATCH_AUTH_TOKEN: 't'.repeat(32) })).toThrow(/driftwatch\.yaml: invalid configuration:\n {2}auth\.token: at least 16 characters/);
  });
});

describe('a value of the right shape for one form of a key', () => {
  const problems = (raw: unknown) => {
    try {
      parseDashboardConfig(raw, 'f.yaml');
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('is reported where it is wrong, not as a type the whole value should have had', () => {
    expect(problems({ manifests: [{ path: 'x', clusters: 'prod' }] })).toBe('f.yaml: invalid configuration:\n  manifests[0].clusters: expected a list');
    expect(problems({ manifests: [{ path: '' }] })).toMatch(/manifests\[0\]\.path: Too small/);
    expect(problems({ ignoreRules: [{ ops: ['added'], labelSelector: { matchLabels: { team: 1 } } }] })).toBe(
      'f.yaml: invalid configuration:\n  ignoreRules[0].labelSelector.matchLabels.team: expected a string',
    );
    // An unknown key inside a union's mapping form gets the keys allowed there.
    expect(problems({ ignoreRules: [{ ops: ['added'], labelSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', value: [] }] } }] })).toContain(
      'ignoreRules[0].labelSelector.matchExpressions[0]: unknown key "value" (did you mean "values"?); allowed here: key, operator, values',
    );
    // A value of no allowed shape still lists the shapes, and a string form's own reason is kept.
    expect(problems({ manifests: [3] })).toContain('manifests[0]: expected a string or a mapping');
    expect(problems({ ignoreRules: [{ ops: ['added'], labelSelector: 3 }] })).toContain('ignoreRules[0].labelSelector: expected a string or a mapping');
    expect(problems({ ignoreRules: [{ ops: ['added'], labelSelector: 'app===web' }] })).toMatch(/ignoreRules\[0\]\.labelSelector: invalid label selector "app===web"/);
  });
});
