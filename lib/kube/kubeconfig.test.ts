import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../testing/temp-dirs';
import { KubeconfigError, loadKubeconfig } from './kubeconfig';

const tempDir = tempDirs('dw-kc-');

function kubeconfigFile(contexts: { name: string; server: string }[], current: string): string {
  const dir = tempDir();
  const path = join(dir, 'config');
  const yaml = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...contexts.flatMap((c) => [`- name: ${c.name}`, '  cluster:', `    server: ${c.server}`]),
    'users:',
    '- name: u',
    '  user:',
    '    token: t',
    'contexts:',
    ...contexts.flatMap((c) => [`- name: ${c.name}`, '  context:', `    cluster: ${c.name}`, '    user: u']),
    `current-context: ${current}`,
  ].join('\n');
  writeFileSync(path, yaml);
  return path;
}

describe('loadKubeconfig', () => {
  const two = kubeconfigFile(
    [
      { name: 'prod', server: 'https://prod.example:6443' },
      { name: 'staging', server: 'https://staging.example:6443' },
    ],
    'prod',
  );

  it('prefers an explicit path over KUBECONFIG', () => {
    const other = kubeconfigFile([{ name: 'other', server: 'https://other.example' }], 'other');
    const loaded = loadKubeconfig({ env: { DRIFTWATCH_KUBECONFIG: two, KUBECONFIG: other } });
    expect(loaded).toMatchObject({ origin: 'explicit-path', context: 'prod', server: 'https://prod.example:6443' });
  });

  it('reads KUBECONFIG as a path list, merging files and skipping missing ones', () => {
    const other = kubeconfigFile([{ name: 'other', server: 'https://other.example' }], 'other');
    const loaded = loadKubeconfig({ env: { KUBECONFIG: `${two}:/nonexistent/config:${other}` } });
    expect(loaded.origin).toBe('KUBECONFIG');
    expect(loaded.paths).toEqual([two, other]);
    expect(loaded.kc.getContexts().map((c) => c.name).sort()).toEqual(['other', 'prod', 'staging']);
  });

  it('switches context on request', () => {
    const loaded = loadKubeconfig({ env: { KUBECONFIG: two, DRIFTWATCH_CONTEXT: 'staging' } });
    expect(loaded.context).toBe('staging');
    expect(loaded.server).toBe('https://staging.example:6443');
  });

  it('names the known contexts when the requested one does not exist', () => {
    expect(() => loadKubeconfig({ env: { KUBECONFIG: two }, context: 'dev' })).toThrow(
      new KubeconfigError(`Context "dev" is not in the kubeconfig ${two} (known: prod, staging)`),
    );
  });

  it('says which setting points at a missing file', () => {
    expect(() => loadKubeconfig({ env: { DRIFTWATCH_KUBECONFIG: '/nope/config' } })).toThrow(
      /DRIFTWATCH_KUBECONFIG points to \/nope\/config/,
    );
    expect(() => loadKubeconfig({ env: { KUBECONFIG: '/nope/a:/nope/b' } })).toThrow(/no such file exists/);
    // A cluster's own kubeconfig from the configuration file is not blamed on the variable.
    expect(() => loadKubeconfig({ path: '/nope/prod.kc', env: {} })).toThrow(
      new KubeconfigError("the cluster's kubeconfig in the configuration file points to /nope/prod.kc, which does not exist"),
    );
    expect(() => loadKubeconfig({ path: '/nope/config', env: { DRIFTWATCH_KUBECONFIG: '/nope/config' } })).toThrow(/^DRIFTWATCH_KUBECONFIG points to/);
  });

  it('reports a malformed file with its path', () => {
    const dir = tempDir();
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'clusters: [this is: not valid');
    expect(() => loadKubeconfig({ env: { KUBECONFIG: bad } })).toThrow(new RegExp(`Could not read kubeconfig ${bad}`));
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    expect(() => loadKubeconfig({ env: { KUBECONFIG: empty } })).toThrow(`Could not read kubeconfig ${empty}: not a kubeconfig (empty, or not a map of clusters, users and contexts)`);
  });

  it('names the missing cluster when a context points at one that is not in the file, as kubectl does', () => {
    const dir = tempDir();
    const path = join(dir, 'config');
    writeFileSync(path, ['apiVersion: v1', 'kind: Config', 'clusters: []', 'users:', '- name: u', '  user:', '    token: t', 'contexts:', '- name: prod', '  context:', '    cluster: prod-cluster', '    user: u', 'current-context: prod'].join('\n'));
    expect(() => loadKubeconfig({ env: { KUBECONFIG: path } })).toThrow(`Context "prod" in the kubeconfig ${path} names cluster "prod-cluster", which is not in it (known: none)`);
  });

  it('refuses certificate data that is not base64, as kubectl does, naming the field (a path pasted there)', () => {
    const dir = tempDir();
    const write = (clusterExtra: string[], userExtra: string[]) => {
      const path = join(dir, `config-${Math.random().toString(36).slice(2)}`);
      writeFileSync(path, ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', '    server: https://c.example:6443', ...clusterExtra, 'users:', '- name: u', '  user:', '    token: t', ...userExtra, 'contexts:', '- name: c', '  context:', '    cluster: c', '    user: u', 'current-context: c'].join('\n'));
      return path;
    };
    const pathAsData = write(['    certificate-authority-data: /etc/kubernetes/pki/ca.crt'], []);
    expect(() => loadKubeconfig({ env: { KUBECONFIG: pathAsData } })).toThrow(`The kubeconfig ${pathAsData}: certificate-authority-data of cluster "c" is not base64 (illegal character "." at byte 22); it holds the data itself, base64-encoded — a file's path goes in certificate-authority`);
    const badKey = write([], ['    client-key-data: "abc"']);
    expect(() => loadKubeconfig({ env: { KUBECONFIG: badKey } })).toThrow(/client-key-data of user "u" is not base64 \(not a whole number of 4-character groups/);
    // Real base64, wrapped as some tools write it: accepted.
    const wrapped = write([`    certificate-authority-data: "${Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64').replace(/(.{8})/g, '$1\\n')}"`], []);
    expect(loadKubeconfig({ env: { KUBECONFIG: wrapped } }).context).toBe('c');
  });
});
