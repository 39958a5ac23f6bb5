'use client';
import { isSchemaRow, resourceRowKey, resourceRowName } from '@/lib/client/resource-rows';
import { useResources } from './drift-data';
import { useStreamState } from './live-stream';

/** What the user must know before trusting the page: a lost stream, resources that are not synced. */
export function StatusBanner() {
  const state = useStreamState();
  const resources = useResources();
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
      {failing.length === 0 && syncing.length > 0 && (
        <div className="banner banner-info" role="status" data-testid="sync-banner">
          Still listing {syncing.length} resource{syncing.length === 1 ? '' : 's'}: counts are incomplete until they are synced.
        </div>
      )}
    </div>
  );
}
