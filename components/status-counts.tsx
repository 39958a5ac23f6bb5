'use client';
import Link from 'next/link';
import type { DriftStatus } from '@/lib/client/types';

const ORDER: Array<{ status: DriftStatus; label: string }> = [
  { status: 'drifted', label: 'Drifted' },
  { status: 'missing', label: 'Missing' },
  { status: 'error', label: 'Error' },
  { status: 'in-sync', label: 'In sync' },
  { status: 'unmanaged', label: 'Unmanaged' },
];

/**
 * One card per status; each links to the table filtered to it. `loading`: the index is not
 * complete, so its counts are not the cluster's yet and the cards say so instead of a number.
 */
export function StatusCounts({ counts, loading }: { counts: Record<DriftStatus, number>; loading: boolean }) {
  return (
    <ul className="count-cards" aria-label="Objects by drift status" data-testid="status-counts">
      {ORDER.map(({ status, label }) => (
        <li key={status}>
          <Link href={`/drift?status=${status}`} className={`count-card count-${status}`} data-testid={`count-${status}`}>
            <span className="count-value" aria-busy={loading}>
              {loading ? 'Loading…' : counts[status].toLocaleString('en-US')}
            </span>
            <span className="count-label">{label}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
