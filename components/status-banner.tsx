'use client';
import { problemLocation } from '@/lib/client/format';
import { isSchemaRow, resourceRowKey, resourceRowName } from '@/lib/client/resource-rows';
import Link from 'next/link';
import { useResources, useStatus } from './drift-data';
import { useStreamState } from './live-stream';

/** What the user must know before trusting the page: a lost stream, resources that are not synced. */
export function StatusBanner() {
  const state = useStreamState();
  const resources = useResources();
  const status = useStatus();
  // Errors only: a warning loaded its document (with an assumption), an error did not.
  const broken = (status.data?.manifestProblems ?? []).filter((p) => p.severity !== 'warning');
  const unsynced = (resources.data?.resources ?? []).filter((r) => r.status !== 'synced');
  const notReadable = unsynced.filter((r) => r.status === 'forbidden' || r.status === 'error');
  const failing = notReadable.filter((r) => !isSchemaRow(r));
  const schemaless = notReadable.filter(isSchemaRow);
  const syncing = unsynced.filter((r) => r.status === 'syncing');
  return (
    <div className="banners">
      {(state === 'disconnected' || state === 'reconnecting') && (
        <div className="banner banner-danger" role="alert" data-testid="stream-banner">
          <strong>Live updates are {state === 'disconnected' ? 'disconnected' : 'reconnecting'}.</strong> What you see may be out of date; the
          page catches up by itself when the server answers again.
        </div>
      )}
      {resources.isError && (
        <div className="banner banner-danger" role="alert">
          <strong>The dashboard server is not answering:</strong> {resources.error.message}
        </div>
      )}
      {failing.length > 0 && (
        <div className="banner banner-warning" role="alert" data-testid="sync-banner">
          <strong>
            {failing.length} watched resource{failing.length === 1 ? ' is' : 's are'} not synced:
          </strong>{' '}
          {failing.slice(0, 5).map((r, i) => (
            <span key={resourceRowKey(r)}>
              {i > 0 ? ', ' : ''}
              <code>{resourceRowName(r)}</code> in {r.cluster} ({r.status})
            </span>
          ))}
          {failing.length > 5 ? `, and ${failing.length - 5} more` : ''}. Drift of these kinds is unknown.
        </div>
      )}
      {schemaless.length > 0 && (
        <div className="banner banner-info" role="status" data-testid="schema-banner">
          <strong>Compared without part of the cluster&apos;s schema:</strong>{' '}
          {schemaless.slice(0, 3).map((r, i) => (
            <span key={resourceRowKey(r)}>
              {i > 0 ? ', ' : ''}
              <code>{resourceRowName(r)}</code> in {r.cluster} ({r.status})
            </span>
          ))}
          {schemaless.length > 3 ? `, and ${schemaless.length - 3} more` : ''}. Their kinds are compared with built-in defaults and list keys, so a
          field the server defaults may show as drift.
        </div>
      )}
      {broken.length > 0 && (
        <div className="banner banner-warning" role="alert" data-testid="manifest-banner">
          <strong>
            {broken.length} manifest problem{broken.length === 1 ? '' : 's'}:
          </strong>{' '}
          {broken.slice(0, 3).map((p, i) => (
            <span key={`${p.root}/${p.file ?? ''}:${p.line ?? 0}/${i}`}>
              {i > 0 ? ', ' : ''}
              <code>{problemLocation(p, { column: false })}</code>
            </span>
          ))}
          {broken.length > 3 ? `, and ${broken.length - 3} more` : ''}. What a broken file declared is compared with its last loaded form (marked
          stale), or not at all if it never loaded. <Link href="/#problems-heading">See them all</Link>.
        </div>
      )}
      {failing.length === 0 && syncing.length > 0 && (
        <div className="banner banner-info" role="status" data-testid="sync-banner">
          Still listing {syncing.length} resource{syncing.length === 1 ? '' : 's'}: counts are incomplete until they are synced.
        </div>
      )}
    </div>
  );
}
