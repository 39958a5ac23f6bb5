'use client';
import Link from 'next/link';
import type { ClusterSummary } from '@/lib/client/types';
import { Truncate } from './truncate';

export function ClusterList({ clusters }: { clusters: ClusterSummary[] }) {
  return (
    <section className="panel" aria-labelledby="clusters-heading">
      <h2 id="clusters-heading">
        Clusters <span className="muted">({clusters.length})</span>
      </h2>
      <ul className="plain-list" data-testid="cluster-list">
        {clusters.map((c) => (
          <li key={c.name} className="cluster-row" data-testid="cluster">
            <Link href={`/drift?cluster=${encodeURIComponent(c.name)}&status=all`} className="cluster-name">
              <Truncate text={c.name} />
            </Link>
            <span className={c.error ? 'badge badge-error' : c.ready ? 'badge badge-synced' : 'badge badge-syncing'}>{c.error ? 'error' : c.ready ? 'ready' : 'syncing'}</span>
            <span className="muted cluster-meta">
              <Truncate text={`${c.context} · ${c.server}`} /> · {c.objects.toLocaleString('en-US')} objects
            </span>
            {c.error && <p className="msg-danger wrap">{c.error}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
