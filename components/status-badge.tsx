import type { DriftStatus } from '@/lib/client/types';

export function StatusBadge({ status }: { status: DriftStatus | 'synced' | 'syncing' | 'forbidden' | 'error' }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}
