import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { ErrorBox } from '@/components/error-box';
import { SnapshotGone, SnapshotView } from '@/components/snapshot-view';
import { inScope, scopeOfRequest } from '@/lib/auth/namespace-scope';
import { currentRuntime } from '@/lib/live/server-runtime';
import { readSnapshot, snapshotFor } from '@/lib/share/snapshot-service';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Snapshot · Driftwatch', robots: { index: false, follow: false } };

/** /s/<id>: a frozen object diff. proxy.ts answers 410 for expired and revoked ones before this runs. */
export default async function SnapshotPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const rt = currentRuntime();
  if ('error' in rt) return <ErrorBox title="Snapshots are not available" messages={[rt.error]} />;
  const h = rt.runtime.historyStore();
  if ('error' in h) return <ErrorBox title="Snapshots are not available" messages={[`snapshots are kept in the history store: ${h.error}`]} />;
  const scope = scopeOfRequest(rt.runtime.config.auth, await headers());
  const r = snapshotFor(await readSnapshot(h.store, id.slice(0, 256)), (ns) => inScope(scope, ns));
  if (r.state === 'unknown') notFound();
  if (r.state === 'expired') return <SnapshotGone state="expired" createdAt={r.createdAt.toISOString()} at={r.expiresAt.toISOString()} subject={r.subject} />;
  if (r.state === 'revoked') return <SnapshotGone state="revoked" createdAt={r.createdAt.toISOString()} at={r.revokedAt.toISOString()} subject={r.subject} />;
  return <SnapshotView id={id} snapshot={r.payload} createdAt={r.createdAt.toISOString()} {...(r.expiresAt ? { expiresAt: r.expiresAt.toISOString() } : {})} />;
}
