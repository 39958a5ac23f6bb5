import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testCluster } from '@/testing/cluster-fixture';
import { tempDirs } from '@/testing/temp-dirs';
import { describeKubeError, kubeErrorStatus } from './errors';
import { getJson } from './http';
import { loadKubeconfig } from './kubeconfig';

const tempDir = tempDirs('dw-credentials-');

/** Who the API server takes the kubeconfig's user for: its 403 names the user. */
async function whoAmI(kc: Parameters<typeof getJson>[0]): Promise<string> {
  try {
    await getJson(kc, '/api/v1/namespaces/kube-system/secrets', { timeoutMs: 10_000 });
    return 'allowed';
  } catch (err) {
    if (kubeErrorStatus(err) === 403) return /User "([^"]+)"/.exec(describeKubeError(err))?.[1] ?? describeKubeError(err);
    throw err;
  }
}

function kubeconfigFile(dir: string, server: string, ca: string, user: Record<string, string>): string {
  const file = join(dir, 'kubeconfig');
  const quoted = (v: string) => JSON.stringify(v);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: ${quoted(server)}, certificate-authority: ${quoted(ca)}}}]`,
      `users: [{name: u, user: {${Object.entries(user).map(([k, v]) => `${k}: ${quoted(v)}`).join(', ')}}}]`,
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
      '',
    ].join('\n'),
  );
  return file;
}

describe('credentials that change on disk while the dashboard runs', () => {
  const { state, stateDir } = testCluster();
  afterEach(() => void vi.useRealTimers());

  it('reads a kubectl tokenFile, relative to the kubeconfig, and again a minute after it was rotated', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), state.viewerToken);
    const { kc } = loadKubeconfig({ path: kubeconfigFile(dir, state.server, state.caCert, { tokenFile: 'token' }), env: {} });
    expect(await whoAmI(kc)).toBe('viewer');
    // Rotated in place (a projected service account token, vault-agent).
    writeFileSync(join(dir, 'token'), state.adminToken);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    expect(await whoAmI(kc)).toBe('allowed');
  });

  it('connects with a client certificate rotated on disk, not the one it first read', async () => {
    const dir = tempDir();
    const pki = join(stateDir, 'pki');
    // Two certificates from the cluster's CA, as cert-manager would issue one after the other.
    for (const who of ['alice', 'bob']) {
      execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, `${who}.key`), '-subj', `/CN=${who}`, '-out', join(dir, `${who}.csr`)], { stdio: 'ignore' });
      execFileSync('openssl', ['x509', '-req', '-in', join(dir, `${who}.csr`), '-CA', join(pki, 'ca.crt'), '-CAkey', join(pki, 'ca.key'), '-CAcreateserial', '-days', '1', '-out', join(dir, `${who}.crt`)], { stdio: 'ignore' });
    }
    const use = (who: string) => {
      copyFileSync(join(dir, `${who}.crt`), join(dir, 'tls.crt'));
      copyFileSync(join(dir, `${who}.key`), join(dir, 'tls.key'));
    };
    use('alice');
    const { kc } = loadKubeconfig({ path: kubeconfigFile(dir, state.server, state.caCert, { 'client-certificate': 'tls.crt', 'client-key': 'tls.key' }), env: {} });
    expect(await whoAmI(kc)).toBe('alice');
    use('bob');
    expect(await whoAmI(kc)).toBe('bob');
  });
});
