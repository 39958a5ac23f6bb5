import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { ErrorBox } from '@/components/error-box';
import { SnapshotGone, SnapshotView } from '@/components/snapshot-view';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { snapshotStore } from '@/lib/api/runtime-request';
import { readSnapshot, snapshotFor } from '@/lib/share/snapshot-service';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Snapshot · Driftwatch', robots: { index: false, follow: false } };

/** /s/<id>: a frozen object diff. proxy.ts answers 410 for expired and revoked ones before this runs. */
export default async function SnapshotPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const s = snapshotStore();
  if ('error' in s) return <ErrorBox title="Snapshots are not available" messages={[s.error]} />;
  const scope = scopeOfRequest(s.runtime.config.auth, await headers());
  const r = snapshotFor(await readSnapshot(s.store, id.slice(0, 256)), (ns) => inScope(scope, ns));
  if (r.state === 'unknown') notFound();
  if (r.state === 'expired') return <SnapshotGone state="expired" createdAt={r.createdAt.toISOString()} at={r.expiresAt.toISOString()} subject={r.subject} />;
  if (r.state === 'revoked') return <SnapshotGone state="revoked" createdAt={r.createdAt.toISOString()} at={r.revokedAt.toISOString()} subject={r.subject} />;
  return <SnapshotView id={id} snapshot={r.payload} createdAt={r.createdAt.toISOString()} {...(r.expiresAt ? { expiresAt: r.expiresAt.toISOString() } : {})} />;
}
