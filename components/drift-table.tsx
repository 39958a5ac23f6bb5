'use client';
/**
 * The drift table: every object the dashboard knows, filtered and sorted in the browser from the
 * live drift index (so stream updates show at once), virtualised so 10,000 rows scroll smoothly.
 * Search, filters and sort live in the URL. Keyboard: `/` search, `j`/`k` move, `Enter` opens.
 */
import { useRouter } from 'next/navigation';
import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type MouseEvent as ReactMouseEvent, type RefObject } from 'react';
import { flushSync } from 'react-dom';
import { timeAgo } from '@/lib/client/format';
import { objectHref } from '@/lib/client/object-id';
import {
  DEFAULT_QUERY,
  facets,
  filterAndSort,
  isLastStatus,
  parseTableQuery,
  tableQueryToParams,
  toggleStatus,
  type SortKey,
  type TableQuery,
  type TableRow,
  writerUnknown,
} from '@/lib/client/table-query';
import { STATUSES, type DriftStatus } from '@/lib/client/types';
import { unknownClusterMessage, unknownClusters } from '@/lib/live/cluster-filter';
import { useDriftIndex, useHydrated, useStatus } from './drift-data';
import { isTyping } from './keyboard-shortcuts';
import { UnknownManager } from './unknown-manager';
import { pushSearch, useViewSearch } from './url-state';

const ROW_H = 34;
const OVERSCAN = 12;

const COLUMNS: Array<{ key: SortKey; label: string; className: string }> = [
  { key: 'kind', label: 'Kind', className: 'c-kind' },
  { key: 'object', label: 'Object', className: 'c-object' },
  { key: 'status', label: 'Status', className: 'c-status' },
  { key: 'fields', label: 'Fields', className: 'c-fields' },
  { key: 'path', label: 'First drifted path', className: 'c-path' },
  { key: 'manager', label: 'Last manager', className: 'c-manager' },
  { key: 'since', label: 'Since', className: 'c-since' },
];

function useNow(ms: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function DriftTable() {
  const sp = useViewSearch();
  const router = useRouter();
  const query = useMemo(() => parseTableQuery(sp), [sp]);
  const index = useDriftIndex();
  const all = index.data?.rows;
  const result = useMemo(() => filterAndSort(all?.values() ?? [], query), [all, query]);
  const options = useMemo(() => facets(all?.values() ?? []), [all]);
  const rows = result.rows;
  // The table filters in the browser, so a cluster no longer configured (a stale link) would show
  // as an empty table: said as the API's 400 says it. The status is shared with the layout's
  // banner, which may have it before this boundary hydrates (useHydrated).
  const hydrated = useHydrated();
  const status = useStatus();
  const configuredClusters = hydrated ? status.data?.clusters.map((c) => c.name) : undefined;
  const unknownCluster = configuredClusters ? unknownClusters(query.cluster, configuredClusters) : [];

  const setQuery = useCallback(
    (patch: Partial<TableQuery>, mode: 'push' | 'replace' = 'push') => pushSearch(tableQueryToParams({ ...parseTableQuery(new URLSearchParams(window.location.search)), ...patch }), mode),
    [],
  );

  // Search box: typed text applies after a short pause; the URL follows without piling up history.
  const [text, setText] = useState(query.q);
  useEffect(() => setText(query.q), [query.q]);
  useEffect(() => {
    if (text === query.q) return;
    const t = setTimeout(() => setQuery({ q: text }, 'replace'), 200);
    return () => clearTimeout(t);
  }, [text, query.q, setQuery]);
  const [labels, setLabels] = useState(query.labelSelector);
  useEffect(() => setLabels(query.labelSelector), [query.labelSelector]);

  // Selection by id, so it survives re-sorting and live updates.
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const selectedIndex = useMemo(() => (selectedId === undefined ? -1 : rows.findIndex((r) => r.id === selectedId)), [rows, selectedId]);

  const scroller = useRef<HTMLDivElement>(null);

  const moveTo = useCallback(
    (i: number) => {
      const r = rows[Math.max(0, Math.min(rows.length - 1, i))];
      if (!r) return;
      setSelectedId(r.id);
      const el = scroller.current;
      const idx = rows.indexOf(r);
      if (el) {
        const top = idx * ROW_H;
        const bodyH = el.clientHeight - ROW_H;
        if (top < el.scrollTop) el.scrollTop = top;
        else if (top + ROW_H > el.scrollTop + bodyH) el.scrollTop = top + ROW_H - bodyH;
      }
    },
    [rows],
  );

  const open = useCallback((r: TableRow | undefined) => r && router.push(objectHref(r.id)), [router]);
  const onRowClick = useCallback(
    (r: TableRow, e: ReactMouseEvent) => {
      // A modified click on the object's link opens it the browser's way (new tab, window).
      if ((e.target as HTMLElement).closest('a') && (e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0)) return;
      e.preventDefault();
      setSelectedId(r.id);
      open(r);
    },
    [open],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (e.key === 'j' || e.key === 'ArrowDown') {
        if (e.key === 'ArrowDown' && e.target !== scroller.current) return;
        e.preventDefault();
        moveTo(selectedIndex + 1);
      } else if (e.key === 'k' || e.key === 'ArrowUp') {
        if (e.key === 'ArrowUp' && e.target !== scroller.current) return;
        e.preventDefault();
        moveTo(selectedIndex < 0 ? 0 : selectedIndex - 1);
      } else if (e.key === 'Enter' && selectedIndex >= 0 && (e.target === document.body || e.target === scroller.current)) {
        e.preventDefault();
        open(rows[selectedIndex]);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [moveTo, open, rows, selectedIndex]);

  const loading = !index.data?.complete;

  const onStatusClick = (s: DriftStatus) => setQuery({ status: toggleStatus(query.status, s) });
  const sortBy = (key: SortKey) => setQuery({ sort: key, dir: query.sort === key && query.dir === 'asc' ? 'desc' : 'asc' });
  const isFiltered = tableQueryToParams({ ...query, sort: 'default', dir: 'asc' }).toString() !== '';

  return (
    <div className="drift-table-page">
      <div className="filters" role="search" aria-label="Filter drift">
        <label className="filter filter-search">
          <span className="sr-only">Search</span>
          <input
            type="search"
            data-search-box
            data-testid="table-search"
            placeholder="Search name, namespace, kind, path, manager  ( / )"
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') setQuery({ q: text }, 'replace');
              if (e.key === 'Escape' || e.key === 'ArrowDown') {
                // Leave the box (keeping the search: Chromium would clear a search field on Escape).
                e.preventDefault();
                (e.target as HTMLInputElement).blur();
                scroller.current?.focus();
                if (e.key === 'ArrowDown') moveTo(0);
              }
            }}
          />
        </label>
        <FacetSelect label="Cluster" name="cluster" values={options.cluster} selected={query.cluster} onChange={(v) => setQuery({ cluster: v })} />
        <FacetSelect label="Namespace" name="namespace" values={options.namespace} selected={query.namespace} onChange={(v) => setQuery({ namespace: v })} />
        <FacetSelect label="Kind" name="kind" values={options.kind} selected={query.kind} onChange={(v) => setQuery({ kind: v })} />
        <FacetSelect label="Manager" name="manager" values={options.manager} selected={query.manager} onChange={(v) => setQuery({ manager: v })} />
        <label className="filter filter-labels">
          <span className="filter-label">Labels</span>
          <input
            type="text"
            data-testid="label-selector"
            placeholder="app=web,tier in (a,b)"
            value={labels}
            aria-invalid={result.selectorError !== undefined}
            onChange={(e) => setLabels(e.target.value)}
            onBlur={() => setQuery({ labelSelector: labels })}
            onKeyDown={(e) => e.key === 'Enter' && setQuery({ labelSelector: labels })}
          />
        </label>
      </div>
      <div className="status-filter" role="group" aria-label="Status">
        {STATUSES.map((s) => (
          <StatusToggle key={s} status={s} count={result.counts[s]} pressed={query.status.includes(s)} last={isLastStatus(query.status, s)} onClick={onStatusClick} />
        ))}
        <button type="button" className="link-button" onClick={() => setQuery({ status: [...STATUSES] })} aria-label="Show every status">
          all
        </button>
        <span className="grow" />
        <span className="muted" role="status" aria-live="polite" data-testid="row-count">
          {rows.length.toLocaleString('en-US')} object{rows.length === 1 ? '' : 's'}
          {loading && index.data ? ` (loading ${index.data.rows.size.toLocaleString('en-US')} of ${index.data.total.toLocaleString('en-US')}…)` : ''}
        </span>
        {isFiltered && (
          <button type="button" className="link-button" onClick={() => pushSearch(tableQueryToParams({ ...DEFAULT_QUERY, sort: query.sort, dir: query.dir }))}>
            Clear filters
          </button>
        )}
      </div>
      {result.selectorError && (
        <p className="msg-danger" role="alert">
          Label selector: {result.selectorError}
        </p>
      )}
      {unknownCluster.length > 0 && (
        <p className="msg-danger" role="alert" data-testid="unknown-cluster">
          {unknownClusterMessage(unknownCluster, configuredClusters)}
        </p>
      )}
      {index.isError && (
        <p className="msg-danger" role="alert">
          Drift could not be loaded: {index.error.message}
        </p>
      )}
      <div
        ref={scroller}
        className="vgrid"
        role="grid"
        aria-label="Drifted objects"
        aria-rowcount={rows.length + 1}
        aria-colcount={COLUMNS.length}
        aria-activedescendant={selectedIndex >= 0 ? `row-${selectedIndex}` : undefined}
        aria-busy={loading}
        tabIndex={0}
        data-testid="drift-table"
        onKeyDown={(e: ReactKeyboardEvent) => {
          if (e.key === 'Enter' && selectedIndex >= 0) open(rows[selectedIndex]);
        }}
      >
        <div className="vrow vhead" role="row" aria-rowindex={1}>
          {COLUMNS.map((c) => (
            <div key={c.key} role="columnheader" className={`vcell ${c.className}`} aria-sort={query.sort === c.key ? (query.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
              <button type="button" className="sort-button" onClick={() => sortBy(c.key)} data-testid={`sort-${c.key}`}>
                {c.label}
                <span aria-hidden="true" className="sort-mark">
                  {query.sort === c.key ? (query.dir === 'asc' ? '▲' : '▼') : ''}
                </span>
              </button>
            </div>
          ))}
        </div>
        <VirtualRows scroller={scroller} rows={rows} selectedIndex={selectedIndex} onRowClick={onRowClick} />
        {!loading && rows.length === 0 && <p className="empty muted">No object matches these filters.</p>}
      </div>
    </div>
  );
}

/**
 * The rows on screen (plus a margin), absolutely placed in a body as tall as every row. Owns the
 * scroll position, so scrolling re-renders only this list; rows are memoised, so a scroll step
 * renders just the rows that came into view. The window is recomputed inside the scroll event and
 * committed synchronously: the frame that shows the new position shows its rows.
 */
function VirtualRows({
  scroller,
  rows,
  selectedIndex,
  onRowClick,
}: {
  scroller: RefObject<HTMLDivElement | null>;
  rows: readonly TableRow[];
  selectedIndex: number;
  onRowClick: (r: TableRow, e: ReactMouseEvent) => void;
}) {
  const [win, setWin] = useState({ first: 0, last: 40 });
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const compute = (sync: boolean) => {
      // A window of constant length for a given height, so that slots recycle one for one.
      const first = Math.max(0, Math.floor(el.scrollTop / ROW_H) - OVERSCAN);
      const last = first + Math.ceil(el.clientHeight / ROW_H) + 2 * OVERSCAN + 1;
      const update = () => setWin((w) => (w.first === first && w.last === last ? w : { first, last }));
      if (sync) flushSync(update);
      else update();
    };
    const onScroll = () => compute(true);
    const ro = new ResizeObserver(() => compute(false));
    ro.observe(el);
    el.addEventListener('scroll', onScroll, { passive: true });
    compute(false);
    return () => {
      ro.disconnect();
      el.removeEventListener('scroll', onScroll);
    };
  }, [scroller]);
  const now = useNow(30_000);
  const first = Math.min(win.first, rows.length);
  const last = Math.min(win.last, rows.length);
  // Rows are keyed by slot (index modulo the window's length), not by object: a row that scrolls
  // out hands its DOM nodes to the one scrolling in, which React then only patches (text,
  // transform) instead of removing one subtree and building another on every frame.
  // Children go in slot order, which scrolling never changes: React patches slots in place and
  // never moves a node (rows are absolutely placed, so DOM order does not matter for the layout).
  const pool = win.last - win.first;
  const out = [];
  for (let slot = 0; slot < pool; slot++) {
    const i = first + ((((slot - first) % pool) + pool) % pool);
    const r = i < last ? rows[i] : undefined;
    out.push(r ? <DriftRow key={slot} row={r} index={i} selected={i === selectedIndex} now={now} onClick={onRowClick} /> : null);
  }
  return (
    <div className="vbody" style={{ height: rows.length * ROW_H }} role="rowgroup">
      {out}
    </div>
  );
}

const DriftRow = memo(function DriftRow({ row: r, index: i, selected, now, onClick }: { row: TableRow; index: number; selected: boolean; now: number; onClick: (r: TableRow, e: ReactMouseEvent) => void }) {
  const href = objectHref(r.id);
  return (
    <div
      id={`row-${i}`}
      role="row"
      aria-rowindex={i + 2}
      aria-selected={selected}
      className={`vrow${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${i * ROW_H}px)` }}
      data-testid="drift-row"
      data-id={r.id}
      onClick={(e) => onClick(r, e)}
    >
      <div role="gridcell" className="vcell c-kind" title={r.kindLabel}>
        {r.kindLabel}
      </div>
      <div role="gridcell" className="vcell c-object">
        {/* A plain link: next/link's per-link hooks and observers cost more than the whole row. */}
        <a href={href} title={r.id} className="truncate" tabIndex={-1}>
          {r.namespace && <span className="muted">{r.namespace}/</span>}
          {r.name}
        </a>
      </div>
      <div role="gridcell" className="vcell c-status">
        <span className={`badge badge-${r.status}`}>{r.status}</span>
      </div>
      <div role="gridcell" className="vcell c-fields num">
        {r.fields}
      </div>
      <div role="gridcell" className="vcell c-path" title={r.error ?? r.firstPath}>
        {/* A missing object's one change is the whole object (path ''); an error says why it was not compared. */}
        {r.error !== undefined ? <span className="msg-danger" data-testid="row-error">{r.error}</span> : r.firstPath === '' && r.fields > 0 ? <span className="muted">whole object</span> : <code>{r.firstPath}</code>}
      </div>
      <div role="gridcell" className="vcell c-manager" title={r.manager || undefined}>
        {r.manager || (writerUnknown(r) ? <UnknownManager /> : null)}
      </div>
      <div role="gridcell" className="vcell c-since" title={r.since}>
        {timeAgo(r.since, now)}
      </div>
    </div>
  );
});

/**
 * One status's toggle. The last one shown cannot be unticked (the table would show nothing, or
 * every status): aria-disabled rather than disabled, so it stays focusable and its title says why.
 */
function StatusToggle({ status, count, pressed, last, onClick }: { status: DriftStatus; count: number; pressed: boolean; last: boolean; onClick: (s: DriftStatus) => void }) {
  return (
    <button
      type="button"
      className={`status-toggle status-${status}`}
      aria-pressed={pressed}
      aria-disabled={last || undefined}
      title={last ? 'The only status shown: pick another one first, or all' : undefined}
      data-testid={`status-${status}`}
      onClick={() => onClick(status)}
    >
      {status} <span className="status-count">{count.toLocaleString('en-US')}</span>
    </button>
  );
}

function FacetSelect({ label, name, values, selected, onChange }: { label: string; name: string; values: string[]; selected: string[]; onChange: (v: string[]) => void }) {
  // Values in the URL that no object has (yet) stay selectable, so a shared link is never silently widened.
  const all = [...new Set([...values, ...selected])];
  const value = selected.length === 1 ? selected[0]! : selected.length === 0 ? '' : '__multi';
  return (
    <label className="filter">
      <span className="filter-label">{label}</span>
      <select value={value} data-testid={`filter-${name}`} onChange={(e) => onChange(e.target.value === '' ? [] : [e.target.value])}>
        <option value="">any</option>
        {selected.length > 1 && <option value="__multi">{selected.join(', ')}</option>}
        {all.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </label>
  );
}
