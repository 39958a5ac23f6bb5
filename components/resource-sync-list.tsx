'use client';
import { resourceRowKey, resourceRowName } from '@/lib/client/resource-rows';
import type { ResourceSyncState } from '@/lib/client/types';
import { StatusBadge } from './status-badge';
import { Truncate } from './truncate';

const RANK = { forbidden: 0, error: 1, syncing: 2, synced: 3 } as const;

/** Watched resources per cluster; forbidden and failing ones first, with the API server's message. */
export function ResourceSyncList({ resources }: { resources: ResourceSyncState[] }) {
  const rows = [...resources].sort((a, b) => RANK[a.status] - RANK[b.status] || a.cluster.localeCompare(b.cluster) || a.resource.localeCompare(b.resource));
  const bad = rows.filter((r) => r.status === 'forbidden' || r.status === 'error').length;
  return (
    <section className="panel" aria-labelledby="sync-heading">
      <h2 id="sync-heading">
        Watched resources <span className="muted">({resources.length}{bad > 0 ? `, ${bad} not readable` : ''})</span>
      </h2>
      <div className="scroll-box">
        <table className="data fixed" data-testid="resource-sync-table">
          <thead>
            <tr>
              <th scope="col" style={{ width: '24%' }}>Resource</th>
              <th scope="col" style={{ width: '14%' }}>Cluster</th>
              <th scope="col" style={{ width: '12%' }}>Status</th>
              <th scope="col" style={{ width: '10%' }} className="num">Objects</th>
              <th scope="col">Why / message</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const name = resourceRowName(r);
              return (
                <tr key={resourceRowKey(r)} data-status={r.status}>
                  <td>
                    <Truncate text={r.kind ? `${name} (${r.kind})` : name}>
                      <code>{name}</code>
                    </Truncate>
                  </td>
                  <td>
                    <Truncate text={r.cluster} />
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td className="num">{r.objects.toLocaleString('en-US')}</td>
                  <td className={r.message ? 'msg-danger wrap' : 'muted wrap'}>{r.message ?? r.reasons.join(', ')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
