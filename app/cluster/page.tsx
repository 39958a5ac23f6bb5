import { ErrorBox } from '@/components/error-box';
import { NamespaceList } from '@/components/namespace-list';
import { ResourceTable } from '@/components/resource-table';
import { getClusterOverview } from '@/lib/kube/overview';

// The page reflects the cluster as it is now: never prerender or cache it.
export const dynamic = 'force-dynamic';

export default async function ClusterPage() {
  const result = await getClusterOverview();
  if (!result.ok) {
    return <ErrorBox title="Cannot connect to a cluster" messages={[result.error]} />;
  }
  const { overview } = result;
  return (
    <>
      <section className="panel" aria-label="Cluster">
        <h2>
          Cluster <code data-testid="cluster-context">{overview.context}</code>
        </h2>
        <p className="muted">
          API server <code>{overview.server}</code> · kubeconfig from {overview.origin}
        </p>
      </section>
      <ErrorBox title="Part of the cluster could not be read" messages={overview.errors} />
      <NamespaceList namespaces={overview.namespaces} />
      <ResourceTable resources={overview.resources} />
    </>
  );
}
