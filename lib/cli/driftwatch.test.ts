/** Runs the installed entry point (bin/driftwatch.js) as a child process on corpus files. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { renderHuman, run } from './driftwatch';

const bin = fileURLToPath(new URL('../../bin/driftwatch.js', import.meta.url));
const corpus = fileURLToPath(new URL('../../../shared/corpus/gitops-engine', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'driftwatch-cli-'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Result {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: tmp, env: { ...process.env, NO_COLOR: '' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function c(file: string): string {
  if (!existsSync(join(corpus, file))) throw new Error(`corpus file missing: ${join(corpus, file)} (expected <repo>/../shared/corpus)`);
  return join(corpus, file);
}

function tmpFile(name: string, content: string): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

interface JsonOut {
  drift: boolean;
  changes: Array<{ path: string; op: string; object?: string; manager?: { name: string } }>;
  ignored: Array<{ path: string; ignoredBy?: string }>;
  warnings: string[];
  objects: Array<{ object: string; drift: boolean }>;
}

function json(r: Result): JsonOut {
  return JSON.parse(r.stdout) as JsonOut;
}

// Each case starts the real CLI (node + tsx): seconds apiece on a loaded 2-core machine.
describe('driftwatch diff', { timeout: 120_000 }, () => {
  it('exits 0 and prints drift: false for objects in sync (JSON files)', () => {
    const r = cli('diff', c('wordpress-config.json'), c('wordpress-live.json'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ drift: false, changes: [] });
  });

  it('exits 1 and lists the changes for drift (YAML files)', () => {
    const r = cli('diff', c('ssd-deploy-nested-config.yaml'), c('ssd-deploy-nested-live.yaml'), '--json');
    expect(r.code).toBe(1);
    const out = json(r);
    expect(out.drift).toBe(true);
    expect(out.changes.map((ch) => [ch.op, ch.path])).toEqual([
      ['missing', 'spec.template.spec.containers[name=main-container].ports[containerPort=443,protocol=TCP]'],
      ['missing', 'spec.template.spec.containers[name=main-container].env[name=ENV_VAR2]'],
    ]);
  });

  it('--field-manager makes the desired side’s own fields removable', () => {
    const without = json(cli('diff', c('ssd-svc-no-label-config.yaml'), c('ssd-svc-label-live.yaml'), '--json'));
    expect(without.changes).toMatchObject([{ path: 'metadata.labels.delete-me', op: 'added' }]);
    const r = cli('diff', c('ssd-svc-no-label-config.yaml'), c('ssd-svc-label-live.yaml'), '--json', '--field-manager', 'argocd-controller');
    expect(r.code).toBe(1);
    expect(json(r).changes).toMatchObject([{ path: 'metadata.labels.delete-me', op: 'removed', manager: { name: 'argocd-controller' } }]);
    expect(cli('diff', c('ssd-svc-no-label-config.yaml'), c('ssd-svc-label-live.yaml'), '--field-manager=argocd-controller').code).toBe(1);
  });

  it('--no-ignore-aggregated-role-rules reports aggregated ClusterRole rules', () => {
    const ignored = cli('diff', c('aggr-clusterrole-config.json'), c('aggr-clusterrole-live.json'), '--json');
    expect(ignored.code).toBe(0);
    expect(json(ignored).ignored.map((i) => i.path)).toEqual(['rules']);
    const strict = cli('diff', c('aggr-clusterrole-config.json'), c('aggr-clusterrole-live.json'), '--json', '--no-ignore-aggregated-role-rules');
    expect(strict.code).toBe(1);
    expect(json(strict).changes.map((ch) => ch.path)).toEqual(['rules']);
  });

  it('never prints Secret values, in JSON or text', () => {
    const desired = JSON.parse(readFileSync(c('wordpress-config.json'), 'utf8')) as { data: Record<string, string> };
    desired.data['wordpress-password'] = 'KysrKysrKys=';
    const d = tmpFile('secret-desired.json', JSON.stringify(desired));
    for (const extra of [['--json'], []]) {
      const r = cli('diff', d, c('wordpress-live.json'), ...extra);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('data.wordpress-password');
      for (const v of ['KysrKysrKys=', 'Skt2T0tjMk5PdQ==', 'Xkt2T0tjMk5PdQ==']) expect(r.stdout + r.stderr).not.toContain(v);
    }
    // With the dashboard's key the markers are its markers: the same in two runs.
    const withKey = (): string => {
      const r = spawnSync(process.execPath, [bin, 'diff', d, c('wordpress-live.json')], { encoding: 'utf8', cwd: tmp, env: { ...process.env, NO_COLOR: '', DRIFTWATCH_REDACTION_KEY: 'k'.repeat(32) }, timeout: 60_000 });
      return r.stdout;
    };
    const first = withKey();
    expect(first).toMatch(/\(value hidden, hash [0-9a-f]{12}…\)/);
    expect(withKey()).toBe(first);
  });

  it('prints a readable per-field diff without colour when stdout is not a terminal', () => {
    const r = cli('diff', c('smd-service-config.yaml'), c('smd-service-live.yaml'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('v1 Service default/multiple-protocol-port-svc: 1 change');
    expect(r.stdout).toContain('~ spec.ports[port=1935,protocol=TCP].targetPort');
    expect(r.stdout).toContain('desired: 1936');
    expect(r.stdout).toContain('live:    1935');
    expect(r.stdout).toContain('by argocd-controller (Apply, 2022-06-24T19:45:02Z)');
    expect(r.stdout).not.toContain('\u001b[');
    expect(cli('diff', c('smd-deploy-config.yaml'), c('smd-deploy-live.yaml')).stdout).toContain('No drift.');
  });

  it('matches objects of multi-document files and kind: List by kind, namespace and name', () => {
    const svc = readFileSync(c('ssd-service-config.yaml'), 'utf8');
    const dep = readFileSync(c('ssd-deploy-composite-key-config.yaml'), 'utf8');
    const desired = tmpFile('desired.yaml', `${dep}\n---\n${svc}\n---\n`);
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [parseYaml(readFileSync(c('ssd-service-live.yaml'), 'utf8')) as unknown, parseYaml(readFileSync(c('ssd-deploy-composite-key-live.yaml'), 'utf8')) as unknown],
    };
    const live = tmpFile('live.json', JSON.stringify(list));
    const r = cli('diff', desired, live, '--json');
    expect(r.code).toBe(1);
    const out = json(r);
    expect(out.objects).toEqual([
      { object: 'apps/v1 Deployment default/test-container-ports', drift: true, changes: 1, ignored: 0 },
      { object: 'v1 Service httpbin/httpbin-svc', drift: false, changes: 0, ignored: 0 },
    ]);
    expect(out.changes).toMatchObject([{ object: 'apps/v1 Deployment default/test-container-ports', path: 'spec.template.spec.containers[name=nginx].ports[containerPort=8080,protocol=TCP]' }]);
  });

  it('reports a desired object without live counterpart as missing', () => {
    const desired = tmpFile('two.yaml', `${readFileSync(c('ssd-service-config.yaml'), 'utf8')}\n---\n${readFileSync(c('smd-deploy-config.yaml'), 'utf8')}`);
    const r = cli('diff', desired, c('ssd-service-live.yaml'), '--json');
    expect(r.code).toBe(1);
    expect(json(r).changes).toEqual([{ object: 'apps/v1 Deployment default/nginx-deployment', path: '', op: 'missing' }]);
  });

  it('applies ignore rules from --config (YAML)', () => {
    const cfg = tmpFile(
      'driftwatch.yaml',
      toYaml({ ignoreRules: [{ path: 'spec.template.spec.containers[*].ports[containerPort=8080]', kind: 'Deployment', reason: 'metrics port comes later' }] }),
    );
    const r = cli('diff', c('ssd-deploy-composite-key-config.yaml'), c('ssd-deploy-composite-key-live.yaml'), '--json', '--config', cfg);
    expect(r.code).toBe(0);
    expect(json(r).ignored).toMatchObject([{ ignoredBy: 'metrics port comes later' }]);
    // The dashboard's whole configuration file works as well: its ignore rules apply, the rest is left aside.
    const dashboardFile = tmpFile(
      'dashboard.yaml',
      toYaml({
        clusters: [{ name: 'prod', context: 'prod-admin' }],
        manifests: ['./deploy'],
        watch: { include: ['configmaps'] },
        ignoreRules: [{ path: 'spec.template.spec.containers[*].ports[containerPort=8080]', kind: 'Deployment', reason: 'metrics port comes later' }],
      }),
    );
    const whole = cli('diff', c('ssd-deploy-composite-key-config.yaml'), c('ssd-deploy-composite-key-live.yaml'), '--json', '--config', dashboardFile);
    expect(whole.stderr).toBe('');
    expect(json(whole).ignored).toMatchObject([{ ignoredBy: 'metrics port comes later' }]);
  });

  it("takes a custom resource's schema from a CustomResourceDefinition in either file: its defaults and list keys", () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: caches.demo.io
spec:
  group: demo.io
  scope: Namespaced
  names: {plural: caches, kind: Cache}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              mode: {type: string, default: lru}
              tier:
                type: object
                default: {}
                properties:
                  name: {type: string, default: gold}
              endpoints:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [host]
                items:
                  type: object
                  required: [host]
                  properties:
                    host: {type: string}
                    port: {type: integer, default: 6379}
`;
    const cr = 'apiVersion: demo.io/v1\nkind: Cache\nmetadata:\n  name: sessions\n  namespace: shop\nspec:\n  size: 5\n  endpoints:\n  - host: a\n  - host: b\n    port: 7000\n';
    // The custom resource as the API server returns it after `kubectl create`: defaults filled in.
    const liveCr = (portB: number) => ({
      apiVersion: 'demo.io/v1',
      kind: 'Cache',
      metadata: {
        name: 'sessions',
        namespace: 'shop',
        uid: 'u1',
        resourceVersion: '561',
        generation: 1,
        managedFields: [
          {
            manager: 'kubectl-create',
            operation: 'Update',
            apiVersion: 'demo.io/v1',
            time: '2026-11-28T11:17:56Z',
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:spec': {
                '.': {},
                'f:size': {},
                'f:mode': {},
                'f:tier': { '.': {}, 'f:name': {} },
                'f:endpoints': { '.': {}, 'k:{"host":"a"}': { '.': {}, 'f:host': {}, 'f:port': {} }, 'k:{"host":"b"}': { '.': {}, 'f:host': {}, 'f:port': {} } },
              },
            },
          },
        ],
      },
      spec: { size: 5, mode: 'lru', tier: { name: 'gold' }, endpoints: [{ host: 'a', port: 6379 }, { host: 'b', port: portB }] },
    });
    // And the CRD as the server returns it, for a live file that holds both.
    const liveCrd = { ...(parseYaml(crd) as Record<string, unknown>), metadata: { name: 'caches.demo.io', uid: 'u0', resourceVersion: '555', generation: 1 }, status: { acceptedNames: { kind: 'Cache', plural: 'caches' } } };
    const desired = tmpFile('cache.yaml', `${crd}---\n${cr}`);
    const liveFile = (portB: number, withCrd: boolean) => tmpFile(`cache-live-${portB}-${withCrd}.json`, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [liveCr(portB), ...(withCrd ? [liveCrd] : [])] }));

    const r = cli('diff', desired, liveFile(7000, true));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('demo.io/v1 Cache shop/sessions: in sync');
    expect(r.stdout).toContain('No drift.');
    // The CRD in the live file only gives the schema as well.
    const crOnly = tmpFile('cache-cr.yaml', cr);
    const fromLive = cli('diff', crOnly, liveFile(7000, true), '--json');
    expect(fromLive.code).toBe(0);
    expect(json(fromLive)).toMatchObject({ drift: false, changes: [] });
    // Without it, the server's defaults are another actor's additions and the keyed list is atomic.
    expect(json(cli('diff', crOnly, liveFile(7000, false), '--json')).changes.map((ch) => [ch.op, ch.path])).toEqual([
      ['added', 'spec.mode'],
      ['added', 'spec.tier.name'],
      ['changed', 'spec.endpoints'],
    ]);
    // A desired CRD missing from the live file is missing like any other object; its CR is still compared with its schema.
    const noLiveCrd = json(cli('diff', desired, liveFile(7000, false), '--json'));
    expect(noLiveCrd.objects).toEqual([
      { object: 'apiextensions.k8s.io/v1 CustomResourceDefinition caches.demo.io', drift: true, changes: 1, ignored: 0 },
      { object: 'demo.io/v1 Cache shop/sessions', drift: false, changes: 0, ignored: 0 },
    ]);
    // A real change is still one, at its key.
    const changed = cli('diff', desired, liveFile(7001, true), '--json');
    expect(changed.code).toBe(1);
    expect(json(changed).changes).toMatchObject([{ object: 'demo.io/v1 Cache shop/sessions', op: 'changed', path: 'spec.endpoints[host=b].port' }]);
  });

  describe('errors exit 2 with a message on stderr', () => {
    it('a missing file', () => {
      const r = cli('diff', join(tmp, 'nope.yaml'), c('ssd-service-live.yaml'));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('nope.yaml: no such file');
      expect(r.stdout).toBe('');
    });

    it('malformed YAML, with the line', () => {
      const bad = tmpFile('bad.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n\t- y\n');
      const r = cli('diff', bad, c('ssd-service-live.yaml'));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('bad.yaml:5:1: document 1: Tabs are not allowed as indentation');
    });

    it('malformed JSON, with the line', () => {
      const bad = tmpFile('bad.json', '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap"\n  "metadata": {}\n}\n');
      const r = cli('diff', c('ssd-service-config.yaml'), bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/bad\.json:4:\d+: document 1: Missing , between flow map items/);
    });

    it('unknown options, commands and missing arguments', () => {
      for (const args of [['diff', 'a', 'b', '--colour'], ['apply', 'a', 'b'], ['diff', 'a'], [], ['diff', 'a', 'b', '--field-manager']]) {
        const r = cli(...args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr).toContain('Usage: driftwatch diff');
      }
      expect(cli('diff', 'a', 'b', '--colour').stderr).toContain('unknown option --colour');
    });

    it('an invalid config file', () => {
      const cfg = tmpFile('bad-config.json', JSON.stringify({ ignoreRules: [{ path: 'spec..x' }, { kind: 'Deployment' }], typo: true }));
      const r = cli('diff', c('ssd-service-config.yaml'), c('ssd-service-live.yaml'), '--config', cfg);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${cfg}: invalid configuration`);
      expect(r.stderr).toContain('ignoreRules[0].path');
      expect(r.stderr).toContain('ignoreRules[1]');
      expect(r.stderr).toContain('typo');
    });

    it('a YAML alias that contains itself, a directory, both files on standard input, an empty option value', () => {
      const alias = cli('diff', tmpFile('alias.yaml', 'a: &a [*a]\n'), c('ssd-service-live.yaml'));
      expect(alias.code).toBe(2);
      expect(alias.stderr).toMatch(/alias\.yaml:1:1: document 1: /);
      expect(alias.stderr).not.toContain('internal error');
      const dir = cli('diff', tmp, c('ssd-service-live.yaml'));
      expect(dir.stderr).toContain('it is a directory');
      expect(cli('diff', '-', '-').stderr).toContain('only one of the two files can be standard input');
      for (const empty of ['--config=', '--field-manager=']) {
        const r = cli('diff', c('ssd-service-config.yaml'), c('ssd-service-live.yaml'), empty);
        expect(r.code, empty).toBe(2);
        expect(r.stderr).toContain(`${empty.slice(0, -1)} needs a value`);
      }
    });

    it('a configuration error without the usage text (that is for command-line mistakes)', () => {
      const cfg = tmpFile('rule-config.yaml', 'ignoreRules:\n  - kind: Deployment\n');
      const r = cli('diff', c('ssd-service-config.yaml'), c('ssd-service-live.yaml'), '--config', cfg);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('ignoreRules[0]');
      expect(r.stderr).not.toContain('Usage: driftwatch diff');
    });

    it('a file without Kubernetes objects', () => {
      const r = cli('diff', tmpFile('empty.yaml', '# nothing\n'), c('ssd-service-live.yaml'));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('no Kubernetes objects');
    });
  });

  it('reads files as kubectl and the dashboard do: YAML 1.1 scalars, 0o octals, a byte-order mark, duplicate keys as a warning', () => {
    const live = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { enableServiceLinks: true, terminationGracePeriodSeconds: 15, containers: [{ name: 'app', image: 'nginx' }], volumes: [{ name: 'cfg', configMap: { name: 'cfg', defaultMode: 420, items: [{ key: 'k', path: 'k', mode: 384 }] } }] },
    };
    const liveFile = tmpFile('pod-live.json', `\ufeff${JSON.stringify(live)}`);
    const desired = tmpFile(
      'pod.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  enableServiceLinks: yes\n  terminationGracePeriodSeconds: 0o17\n  containers:\n  - name: app\n    image: nginx\n    image: nginx\n  volumes:\n  - name: cfg\n    configMap:\n      name: cfg\n      defaultMode: 0644\n      items:\n      - {key: k, path: k, mode: 0o600}\n',
    );
    const r = cli('diff', desired, liveFile, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(json(r).warnings.some((w) => /pod\.yaml:\d+:\d+: document 1: Map keys must be unique/.test(w))).toBe(true);
  });

  it('reads one file from standard input (-)', () => {
    const live = readFileSync(c('ssd-service-live.yaml'), 'utf8');
    const r = spawnSync(process.execPath, [bin, 'diff', c('ssd-service-config.yaml'), '-', '--json'], { input: live, encoding: 'utf8', cwd: tmp, timeout: 60_000 });
    const file = cli('diff', c('ssd-service-config.yaml'), c('ssd-service-live.yaml'), '--json');
    expect(r.status).toBe(file.code);
    expect(JSON.parse(r.stdout)).toEqual(json(file));
  });

  it('--help exits 0', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Exit status: 0 in sync, 1 drift, 2 error.');
    expect(r.stdout).toContain("CustomResourceDefinitions (apiextensions.k8s.io/v1) in either file give their custom resources'");
  });
});

describe('rendering', () => {
  const report = {
    drift: true,
    changes: [{ path: 'spec.replicas', op: 'changed' as const, desired: 2, live: 5, manager: { name: 'kube-controller-manager', operation: 'Update' } }],
    ignored: [],
    warnings: [],
  };

  it('colours only when asked to (stdout is a terminal and NO_COLOR is unset)', () => {
    expect(renderHuman([{ object: 'apps/v1 Deployment shop/api', report }], [], true)).toContain('\u001b[33m~ spec.replicas');
    expect(renderHuman([{ object: 'apps/v1 Deployment shop/api', report }], [], false)).not.toContain('\u001b[');
  });

  it('run() reports errors through its io and never throws', () => {
    let err = '';
    const code = run(['diff', 'desired.yaml', 'live.yaml'], {
      stdout: () => undefined,
      stderr: (s) => {
        err += s;
      },
      readFile: () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
    });
    expect(code).toBe(2);
    expect(err).toContain('cannot read desired.yaml: EACCES: permission denied');
  });
});
