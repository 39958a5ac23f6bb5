import type { NamespaceSummary } from '@/lib/kube/namespaces';

export function NamespaceList({ namespaces }: { namespaces: NamespaceSummary[] }) {
  return (
    <section className="panel" aria-labelledby="namespaces-heading">
      <h2 id="namespaces-heading">
        Namespaces <span className="muted">({namespaces.length})</span>
      </h2>
      <ul className="chips" data-testid="namespace-list">
        {namespaces.map((ns) => (
          <li key={ns.name} className="chip" title={`${ns.name} (${ns.phase})`} data-testid="namespace">
            {ns.name}
          </li>
        ))}
      </ul>
    </section>
  );
}
