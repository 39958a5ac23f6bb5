import { describe, expect, it } from 'vitest';
import { testCluster } from '@/testing/cluster-fixture';
import { loadKubeconfig } from './kubeconfig';
import { getClusterOverview } from './overview';

const { state } = testCluster();

describe('getClusterOverview against the test cluster', () => {
  it('lists namespaces and discovers built-in resources as admin', async () => {
    const result = await getClusterOverview(() => loadKubeconfig({ path: state.kubeconfig }));
    if (!result.ok) throw new Error(result.error);
    const { overview } = result;
    expect(overview.errors).toEqual([]);
    expect(overview.context).toBe('test-cluster');
    expect(overview.namespaces.map((n) => n.name)).toEqual(expect.arrayContaining(['default', 'kube-system']));
    const pods = overview.resources.find((r) => r.apiVersion === 'v1' && r.name === 'pods');
    expect(pods).toMatchObject({ kind: 'Pod', namespaced: true, group: '' });
    expect(pods?.verbs).toEqual(expect.arrayContaining(['list', 'watch']));
    expect(overview.resources.some((r) => r.name.includes('/'))).toBe(false);
    expect(overview.resources.find((r) => r.kind === 'Deployment')?.apiVersion).toBe('apps/v1');
  });

  it('reports a forbidden namespace list in one readable line and still shows discovery', async () => {
    const result = await getClusterOverview(() =>
      loadKubeconfig({ path: state.kubeconfig, context: 'test-cluster-viewer' }),
    );
    if (!result.ok) throw new Error(result.error);
    expect(result.overview.errors).toEqual([
      'Namespaces: Forbidden: namespaces is forbidden: User "viewer" cannot list resource "namespaces" in API group "" at the cluster scope',
    ]);
    expect(result.overview.namespaces).toEqual([]);
    expect(result.overview.resources.length).toBeGreaterThan(40);
  });

  it('returns a clear error instead of throwing when no cluster can be configured', async () => {
    const result = await getClusterOverview(() => loadKubeconfig({ env: { DRIFTWATCH_KUBECONFIG: '/missing/kubeconfig' } }));
    expect(result).toEqual({ ok: false, error: 'DRIFTWATCH_KUBECONFIG points to /missing/kubeconfig, which does not exist' });
  });
});
