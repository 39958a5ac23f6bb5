'use client';
/**
 * The three embeddable views. They read the same URL parameters as the full views and poll the
 * HTTP API (every 5 s) instead of holding the live stream's full index: a portal page may carry
 * several of them.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { fetchObjectDetail, getJson } from '@/lib/client/api';
import { timeAgo } from '@/lib/client/format';
import { objectHref } from '@/lib/client/object-id';
import { driftApiQuery, managerFilterMatches, namespaceFacetOf, rowFromState } from '@/lib/client/table-query';
import { diffInputOf, liveUnknown, type DiffInput } from '@/lib/client/yaml-diff';
import { STATUSES, type DriftCountsResponse, type DriftListResponse, type ObjectDriftState } from '@/lib/client/types';
import { DriftTimelineChart } from './drift-timeline-chart';
import { EmbedFrame, fullViewSearch } from './embed-frame';
import { FieldDiffList } from './field-diff-list';
import { StatusBadge } from './status-badge';
import { UnknownManager } from './unknown-manager';
import { useViewSearch } from './url-state';
import { YamlDiffView } from './yaml-diff-view';

const POLL_MS = 5_000;
export function EmbedOverview() {
  const sp = useViewSearch();
  const counts = useQuery({ queryKey: ['embed', 'counts'], queryFn: ({ signal }) => getJson<DriftCountsResponse>('/api/v1/drift/counts', signal), refetchInterval: POLL_MS });
  return (
    <EmbedFrame view="overview" fullViewHref={`/${fullViewSearch(sp)}`}>
      <p className="embed-counts" data-testid="embed-counts">
        {counts.data
          ? STATUSES.map((s) => (
              <span key={s} className="embed-count">
                <StatusBadge status={s} /> {counts.data.counts[s]}{' '}
              </span>
            ))
          : counts.isError
            ? <span className="msg-danger">{counts.error.message}</span>
            : 'Loading…'}
      </p>
      <DriftTimelineChart embedded />
    </EmbedFrame>
  );
}

export function EmbedDriftTable() {
  const sp = useViewSearch();
  const { query, managers, namespaces } = useMemo(() => driftApiQuery(sp), [sp]);
  const res = useQuery({ queryKey: ['embed', 'drift', query], queryFn: ({ signal }) => getJson<DriftListResponse>(`/api/v1/drift?${query}`, signal), refetchInterval: POLL_MS });
  const rows = useMemo(
    () =>
      (res.data?.items ?? []).filter(
        // The table's own manager filter (its "(unknown)" included), so a shared link keeps the same rows.
        (s) => (managers.length === 0 || managerFilterMatches(rowFromState(s), managers)) && (namespaces.length === 0 || namespaces.includes(namespaceFacetOf(s.namespace))),
      ),
    [res.data, managers, namespaces],
  );
  return (
    <EmbedFrame view="drift" fullViewHref={`/drift${fullViewSearch(sp, { selector: 'labels' })}`}>
      {res.isError && <p className="msg-danger">Drift could not be loaded: {res.error.message}</p>}
      {res.isPending && <p className="muted">Loading…</p>}
      {res.data && (
        <div className="panel">
          <p className="muted" data-testid="embed-drift-count">
            {rows.length} object{rows.length === 1 ? '' : 's'}
            {res.data.total > res.data.items.length ? ` (first ${res.data.items.length} of ${res.data.total})` : ''}
          </p>
          {rows.length === 0 ? (
            <p className="muted">Nothing matches: no drift here.</p>
          ) : (
            <div className="table-scroll">
              <table className="data embed-table" data-testid="embed-drift-table">
                <thead>
                  <tr>
                    <th scope="col">Kind</th>
                    <th scope="col">Object</th>
                    <th scope="col">Status</th>
                    <th scope="col">Fields</th>
                    <th scope="col">First drifted path</th>
                    <th scope="col">Manager</th>
                    <th scope="col">Since</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((s) => (
                    <DriftRow key={s.id} s={s} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </EmbedFrame>
  );
}

function DriftRow({ s }: { s: ObjectDriftState }) {
  const first = s.changes[0];
  return (
    <tr data-testid="embed-drift-row" data-id={s.id}>
      <td>{s.kind}</td>
      <td className="wrap">
        <a href={objectHref(s.id)} target="_blank" rel="noopener noreferrer">
          {s.namespace ? `${s.namespace}/` : ''}
          {s.name}
        </a>
      </td>
      <td>
        <StatusBadge status={s.status} />
      </td>
      <td>{s.changes.length}</td>
      <td className="wrap">{first ? <code>{first.path}</code> : <span className="muted">—</span>}</td>
      {/* A field nobody owns reads "unknown", as on the table and the object page; no change, or a missing object's whole-object one, has no writer to name. */}
      <td>{first?.manager ? first.manager.name : first && first.path !== '' ? <UnknownManager /> : <span className="muted">—</span>}</td>
      <td title={s.since}>{timeAgo(s.since)}</td>
    </tr>
  );
}

export function EmbedObject() {
  const sp = useViewSearch();
  const id = sp.get('id') ?? '';
  const mode = sp.get('mode') === 'unified' ? 'unified' : 'split';
  const showAll = sp.get('all') === '1';
  const detail = useQuery({ queryKey: ['embed', 'object', id], queryFn: ({ signal }) => fetchObjectDetail(id, signal), enabled: id !== '', refetchInterval: POLL_MS, retry: false });
  const d = detail.data;
  const input: DiffInput | undefined = useMemo(
    () => d && diffInputOf({ ...d, changes: d.state.changes }, { showAll }),
    [d, showAll],
  );
  return (
    <EmbedFrame view="object" fullViewHref={objectHref(id)}>
      {!id && <p className="msg-danger">No object given: add ?id=cluster/group/kind/namespace/name.</p>}
      {detail.isError && <p className="msg-danger">{detail.error.message}</p>}
      {d && (
        <>
          <p className="object-meta" data-testid="embed-object-head">
            <strong>
              {d.state.kind} {d.state.namespace ? `${d.state.namespace}/` : ''}
              {d.state.name}
            </strong>{' '}
            <span data-testid="object-status">
              <StatusBadge status={d.state.status} />
            </span>
          </p>
          {d.state.error && <p className="msg-danger wrap">{d.state.error}</p>}
          <FieldDiffList changes={d.state.changes} since={d.state.since} owner={d.state} status={d.state.status} />
          {input && !liveUnknown(d.state.status, d.live) && (
            <section className="panel">
              <YamlDiffView input={input} mode={mode} />
            </section>
          )}
        </>
      )}
    </EmbedFrame>
  );
}

