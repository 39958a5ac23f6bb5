import type { ApiResource } from '@/lib/kube/discovery';

export function ResourceTable({ resources }: { resources: ApiResource[] }) {
  return (
    <section className="panel" aria-labelledby="resources-heading">
      <h2 id="resources-heading">
        API resources <span className="muted">({resources.length})</span>
      </h2>
      <table className="data" data-testid="resource-table">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">API version</th>
            <th scope="col">Resource</th>
            <th scope="col">Scope</th>
            <th scope="col">Watchable</th>
          </tr>
        </thead>
        <tbody>
          {resources.map((r) => (
            <tr key={`${r.apiVersion}/${r.name}`}>
              <td>{r.kind}</td>
              <td>
                <code>{r.apiVersion}</code>
              </td>
              <td>
                <code>{r.name}</code>
              </td>
              <td>{r.namespaced ? 'Namespaced' : 'Cluster'}</td>
              <td>{r.verbs.includes('watch') ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
