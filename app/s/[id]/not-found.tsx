import Link from 'next/link';

/**
 * /s/<id> for an id that names no snapshot the reader may see (unknown, mistyped, malformed, or in
 * a namespace outside their scope: all alike, so the page tells nothing about which). notFound()
 * in page.tsx renders this in the app's layout with status 404; expired and revoked snapshots get
 * their own 410 page from proxy.ts.
 */
export default function SnapshotNotFound() {
  return (
    <div className="panel" role="alert">
      <h1 className="page-title" data-testid="snapshot-unknown">
        There is no such snapshot
      </h1>
      <p>
        This link does not lead to a snapshot you can see: it may be mistyped or cut short, or it was not made on this dashboard. A snapshot that expired, or whose link was
        revoked, says so instead.
      </p>
      <p>
        <Link href="/drift">Drifted objects</Link> · <Link href="/">Overview</Link>
      </p>
    </div>
  );
}
