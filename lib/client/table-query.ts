/**
 * The drift table's view settings (search, filters, sort) as URL search parameters, and the
 * filtering and sorting they describe, applied to the browser's drift index.
 */
import { labelsMatch, parseLabelSelector } from '../drift/ignore-rules';
import type { LabelSelector } from '../drift/types';
import { rowTuple, type DriftRowTuple } from '../live/table-rows';
import { kindFilterMatches } from '../live/types';
import { UNKNOWN_MANAGER_FACET } from './manager';
import { parseObjectId } from './object-id';
import type { DriftStatus, ObjectDriftState } from './types';
import { STATUSES } from './types';

export const SORT_KEYS = ['default', 'object', 'kind', 'namespace', 'status', 'fields', 'path', 'manager', 'since'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface TableQuery {
  q: string;
  cluster: string[];
  namespace: string[];
  kind: string[];
  /** The statuses shown, in STATUSES order; `status=all` is every one of them. */
  status: DriftStatus[];
  manager: string[];
  labelSelector: string;
  sort: SortKey;
  dir: 'asc' | 'desc';
}

/** Without a `status` parameter the table shows what needs attention. */
export const DEFAULT_STATUS: readonly DriftStatus[] = ['drifted', 'missing', 'error'];

export const DEFAULT_QUERY: TableQuery = {
  q: '',
  cluster: [],
  namespace: [],
  kind: [],
  status: [...DEFAULT_STATUS],
  manager: [],
  labelSelector: '',
  sort: 'default',
  dir: 'asc',
};

const LIST_KEYS = ['cluster', 'namespace', 'kind', 'manager'] as const;

/**
 * The namespace filter's value for objects that have none (Namespaces, ClusterRoles…): no
 * namespace can be named so (a DNS label has no parentheses), and the API takes it as `scope=cluster`.
 */
export const CLUSTER_SCOPED = '(cluster-scoped)';

/** The namespace filter's name for a row's namespace. */
export const namespaceFacetOf = (namespace: string) => namespace || CLUSTER_SCOPED;

const splitList = (v: string | null) =>
  v === null
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');

/** In STATUSES order, each once: one selection has one URL. */
const inStatusOrder = (selected: readonly DriftStatus[]) => STATUSES.filter((s) => selected.includes(s));

/**
 * The `status` parameter's statuses, any case. Values it does not know are left out, and when
 * none is left the parameter is ignored: a typo must not widen the table to every status.
 */
function parseStatus(v: string | null): DriftStatus[] {
  if (v === null) return [...DEFAULT_STATUS];
  const named = splitList(v.toLowerCase());
  if (named.includes('all')) return [...STATUSES];
  const known = STATUSES.filter((s) => named.includes(s));
  return known.length > 0 ? known : [...DEFAULT_STATUS];
}

export function parseTableQuery(sp: Pick<URLSearchParams, 'get'>): TableQuery {
  const out: TableQuery = { ...DEFAULT_QUERY, status: [...DEFAULT_STATUS] };
  out.q = sp.get('q') ?? '';
  for (const k of LIST_KEYS) out[k] = splitList(sp.get(k));
  out.status = parseStatus(sp.get('status'));
  out.labelSelector = sp.get('labels') ?? '';
  const sort = sp.get('sort');
  if (sort && (SORT_KEYS as readonly string[]).includes(sort)) out.sort = sort as SortKey;
  out.dir = sp.get('dir') === 'desc' ? 'desc' : 'asc';
  return out;
}

/** Only what differs from the defaults, in a stable order. */
export function tableQueryToParams(q: TableQuery): URLSearchParams {
  const sp = new URLSearchParams();
  if (q.q) sp.set('q', q.q);
  for (const k of LIST_KEYS) if (q[k].length > 0) sp.set(k, q[k].join(','));
  const status = inStatusOrder(q.status);
  const isDefaultStatus = status.length === DEFAULT_STATUS.length && DEFAULT_STATUS.every((s) => status.includes(s));
  // An empty selection has no URL: toggleStatus never makes one, and parseStatus reads none as the default.
  if (!isDefaultStatus && status.length > 0) sp.set('status', status.length === STATUSES.length ? 'all' : status.join(','));
  if (q.labelSelector) sp.set('labels', q.labelSelector);
  if (q.sort !== 'default') sp.set('sort', q.sort);
  if (q.dir !== 'asc') sp.set('dir', q.dir);
  return sp;
}

/**
 * The selection after a click on one status's toggle: a status shown is hidden, one hidden is
 * shown. The last one shown stays (the table would show nothing): `isLastStatus` says so to the UI.
 */
export function toggleStatus(selected: readonly DriftStatus[], s: DriftStatus): DriftStatus[] {
  if (!selected.includes(s)) return inStatusOrder([...selected, s]);
  return isLastStatus(selected, s) ? [...selected] : selected.filter((x) => x !== s);
}

export const isLastStatus = (selected: readonly DriftStatus[], s: DriftStatus): boolean => selected.length === 1 && selected[0] === s;

/** An embed's API page: as many rows as one answer carries, filtered further in the browser. */
const EMBED_ROW_LIMIT = 1000;

/**
 * The drift table's URL filters, plus Backstage's `selector`, as /api/v1/drift parameters, for
 * embeds that ask the server instead of holding the whole index. Managers, and cluster-scoped
 * beside named namespaces (the API's namespace filter cannot name "none"), are left to the
 * caller's own filter of the rows.
 */
export function driftApiQuery(sp: URLSearchParams): { query: string; managers: string[]; namespaces: string[] } {
  const t = parseTableQuery(sp);
  const q = new URLSearchParams();
  for (const c of t.cluster) q.append('cluster', c);
  const named = t.namespace.filter((n) => n !== CLUSTER_SCOPED);
  const mixed = named.length > 0 && named.length < t.namespace.length;
  if (!mixed) for (const n of named) q.append('namespace', n);
  if (named.length === 0 && t.namespace.length > 0) q.set('scope', 'cluster');
  for (const k of t.kind) q.append('kind', k);
  // Every status is the API's default: no need to name them.
  if (t.status.length < STATUSES.length) for (const s of t.status) q.append('status', s);
  if (t.q) q.set('q', t.q);
  const selector = t.labelSelector || sp.get('selector');
  if (selector) q.set('labelSelector', selector);
  q.set('limit', String(EMBED_ROW_LIMIT));
  return { query: q.toString(), managers: t.manager, namespaces: mixed ? t.namespace : [] };
}

export function parseSelector(s: string): { selector?: LabelSelector; error?: string } {
  if (!s.trim()) return {};
  try {
    return { selector: parseLabelSelector(s) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * One table row: the compact row the server sends (lib/live/table-rows.ts), with what the columns
 * show computed once. Stream upserts carry full states and become rows through the same function.
 */
export interface TableRow {
  id: string;
  cluster: string;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  status: DriftStatus;
  since: string;
  /** Every changed path, in the report's order. */
  paths: string[];
  /** Every manager named by a change. */
  managers: string[];
  /** The manager of the most recent change; '' when no change names one (see writerUnknown). */
  manager: string;
  labels: Record<string, string>;
  fields: number;
  firstPath: string;
  kindLabel: string;
  /** Why the object could not be compared (status error). */
  error?: string;
}

export function rowFromTuple(t: DriftRowTuple): TableRow {
  const [id, status, since, paths, managers, manager, labels, error] = t;
  const parts = parseObjectId(id) ?? { cluster: '', group: '', kind: '', namespace: '', name: id };
  return {
    id,
    ...parts,
    status,
    since,
    paths,
    managers,
    manager,
    labels,
    fields: paths.length,
    firstPath: paths[0] ?? '',
    kindLabel: parts.group ? `${parts.kind}.${parts.group}` : parts.kind,
    ...(error ? { error } : {}),
  };
}

export const rowFromState = (s: ObjectDriftState): TableRow => rowFromTuple(rowTuple(s));

/**
 * True when the row has drifted fields and none names a manager: its "Last manager" is unknown, not
 * absent. A missing object's one change (path '') is the whole object, which nobody writes: like a
 * row with no change, it has no manager to name.
 */
export const writerUnknown = (r: Pick<TableRow, 'manager' | 'paths'>): boolean => r.manager === '' && r.paths.some((p) => p !== '');

/**
 * The manager filter: a row matches a name when any of its changes names that manager, and
 * UNKNOWN_MANAGER_FACET when its manager column says unknown (writerUnknown). The rows carry
 * the distinct names only, not which change lacks one, so a row with both named and unnamed
 * changes matches its names only.
 */
export function managerFilterMatches(r: Pick<TableRow, 'manager' | 'managers' | 'paths'>, selected: readonly string[]): boolean {
  return r.managers.some((m) => selected.includes(m)) || (selected.includes(UNKNOWN_MANAGER_FACET) && writerUnknown(r));
}

/** Named managers first (A to Z), then unknown, then rows with nothing to attribute: the blanks do not bury the names. */
function managerRank(r: TableRow): number {
  return r.manager !== '' ? 0 : writerUnknown(r) ? 1 : 2;
}

const STATUS_ORDER: Record<DriftStatus, number> = { drifted: 0, missing: 1, error: 2, 'in-sync': 3, unmanaged: 4 };

/** The API's order: most pressing first, then the most recent change, then the id. */
export function compareDefault(a: Pick<TableRow, 'status' | 'since' | 'id'>, b: Pick<TableRow, 'status' | 'since' | 'id'>): number {
  return STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || (b.since < a.since ? -1 : b.since > a.since ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const COMPARATORS: Record<Exclude<SortKey, 'default'>, (a: TableRow, b: TableRow) => number> = {
  object: (a, b) => cmpStr(a.name, b.name) || cmpStr(a.namespace, b.namespace),
  kind: (a, b) => cmpStr(a.kind, b.kind),
  namespace: (a, b) => cmpStr(a.namespace, b.namespace),
  status: (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status],
  fields: (a, b) => a.fields - b.fields,
  path: (a, b) => cmpStr(a.firstPath, b.firstPath),
  manager: (a, b) => managerRank(a) - managerRank(b) || cmpStr(a.manager, b.manager),
  since: (a, b) => cmpStr(a.since, b.since),
};

function matchesText(r: TableRow, q: string): boolean {
  if (r.name.toLowerCase().includes(q) || r.namespace.toLowerCase().includes(q) || r.kind.toLowerCase().includes(q)) return true;
  return r.paths.some((p) => p.toLowerCase().includes(q)) || r.managers.some((m) => m.toLowerCase().includes(q));
}

export interface FilterResult {
  rows: TableRow[];
  /** Counts by status over every filter but status (like the API's `counts`). */
  counts: Record<DriftStatus, number>;
  selectorError?: string;
}

export function filterAndSort(all: Iterable<TableRow>, query: TableQuery): FilterResult {
  const { selector, error } = parseSelector(query.labelSelector);
  const q = query.q.trim().toLowerCase();
  const counts: Record<DriftStatus, number> = { drifted: 0, missing: 0, error: 0, 'in-sync': 0, unmanaged: 0 };
  const rows: TableRow[] = [];
  for (const r of all) {
    if (query.cluster.length > 0 && !query.cluster.includes(r.cluster)) continue;
    if (query.namespace.length > 0 && !query.namespace.includes(namespaceFacetOf(r.namespace))) continue;
    if (query.kind.length > 0 && !query.kind.some((k) => kindFilterMatches(k, r.group, r.kind))) continue;
    if (selector && !labelsMatch(selector, r.labels)) continue;
    if (query.manager.length > 0 && !managerFilterMatches(r, query.manager)) continue;
    if (q && !matchesText(r, q)) continue;
    counts[r.status]++;
    if (!query.status.includes(r.status)) continue;
    rows.push(r);
  }
  if (query.sort === 'default') {
    rows.sort((a, b) => (query.dir === 'desc' ? -1 : 1) * compareDefault(a, b));
  } else {
    const cmp = COMPARATORS[query.sort];
    const sign = query.dir === 'desc' ? -1 : 1;
    rows.sort((a, b) => sign * cmp(a, b) || compareDefault(a, b));
  }
  return { rows, counts, ...(error ? { selectorError: error } : {}) };
}

/** Distinct values for the filter pickers. */
export function facets(all: Iterable<TableRow>): { cluster: string[]; namespace: string[]; kind: string[]; manager: string[] } {
  const sets = { cluster: new Set<string>(), namespace: new Set<string>(), kind: new Set<string>(), manager: new Set<string>() };
  for (const r of all) {
    sets.cluster.add(r.cluster);
    sets.namespace.add(namespaceFacetOf(r.namespace));
    sets.kind.add(r.kindLabel);
    for (const m of r.managers) sets.manager.add(m);
    // Offered only when some row shows unknown, as every other value is one some row has.
    if (writerUnknown(r)) sets.manager.add(UNKNOWN_MANAGER_FACET);
  }
  const sorted = (x: Set<string>) => [...x].sort();
  return { cluster: sorted(sets.cluster), namespace: sorted(sets.namespace), kind: sorted(sets.kind), manager: sorted(sets.manager) };
}
