/**
 * The drift table's view settings (search, filters, sort) as URL search parameters, and the
 * filtering and sorting they describe, applied to the browser's drift index.
 */
import { labelsMatch, parseLabelSelector } from '../drift/ignore-rules';
import type { LabelSelector } from '../drift/types';
import { lastManager } from './drift-index';
import type { DriftStatus, ObjectDriftState } from './types';
import { STATUSES } from './types';

export const SORT_KEYS = ['default', 'object', 'kind', 'namespace', 'status', 'fields', 'path', 'manager', 'since'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface TableQuery {
  q: string;
  cluster: string[];
  namespace: string[];
  kind: string[];
  /** Empty means every status. */
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

const splitList = (v: string | null) =>
  v === null
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');

export function parseTableQuery(sp: Pick<URLSearchParams, 'get'>): TableQuery {
  const out: TableQuery = { ...DEFAULT_QUERY, status: [...DEFAULT_STATUS] };
  out.q = sp.get('q') ?? '';
  for (const k of LIST_KEYS) out[k] = splitList(sp.get(k));
  const status = sp.get('status');
  if (status === 'all') out.status = [];
  else if (status !== null) out.status = splitList(status).filter((s): s is DriftStatus => (STATUSES as readonly string[]).includes(s));
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
  const isDefaultStatus = q.status.length === DEFAULT_STATUS.length && DEFAULT_STATUS.every((s) => q.status.includes(s));
  if (!isDefaultStatus) sp.set('status', q.status.length === 0 ? 'all' : q.status.join(','));
  if (q.labelSelector) sp.set('labels', q.labelSelector);
  if (q.sort !== 'default') sp.set('sort', q.sort);
  if (q.dir !== 'asc') sp.set('dir', q.dir);
  return sp;
}

export function parseSelector(s: string): { selector?: LabelSelector; error?: string } {
  if (!s.trim()) return {};
  try {
    return { selector: parseLabelSelector(s) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** One table row: the state plus what the columns show, computed once per state object. */
export interface TableRow {
  state: ObjectDriftState;
  fields: number;
  firstPath: string;
  manager: string;
  objectLabel: string;
}

const rowCache = new WeakMap<ObjectDriftState, TableRow>();

export function rowOf(state: ObjectDriftState): TableRow {
  let row = rowCache.get(state);
  if (!row) {
    row = {
      state,
      fields: state.changes.length,
      firstPath: state.changes[0]?.path ?? '',
      manager: lastManager(state)?.name ?? '',
      objectLabel: `${state.namespace ? `${state.namespace}/` : ''}${state.name}`,
    };
    rowCache.set(state, row);
  }
  return row;
}

const STATUS_ORDER: Record<DriftStatus, number> = { drifted: 0, missing: 1, error: 2, 'in-sync': 3, unmanaged: 4 };

/** The API's order: most pressing first, then the most recent change, then the id. */
export function compareDefault(a: ObjectDriftState, b: ObjectDriftState): number {
  return STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || (b.since < a.since ? -1 : b.since > a.since ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const COMPARATORS: Record<Exclude<SortKey, 'default'>, (a: TableRow, b: TableRow) => number> = {
  object: (a, b) => cmpStr(a.state.name, b.state.name) || cmpStr(a.state.namespace, b.state.namespace),
  kind: (a, b) => cmpStr(a.state.kind, b.state.kind),
  namespace: (a, b) => cmpStr(a.state.namespace, b.state.namespace),
  status: (a, b) => STATUS_ORDER[a.state.status] - STATUS_ORDER[b.state.status],
  fields: (a, b) => a.fields - b.fields,
  path: (a, b) => cmpStr(a.firstPath, b.firstPath),
  manager: (a, b) => cmpStr(a.manager, b.manager),
  since: (a, b) => cmpStr(a.state.since, b.state.since),
};

function matchesText(r: TableRow, q: string): boolean {
  const s = r.state;
  if (s.name.toLowerCase().includes(q) || s.namespace.toLowerCase().includes(q) || s.kind.toLowerCase().includes(q)) return true;
  return s.changes.some((c) => c.path.toLowerCase().includes(q) || (c.manager?.name.toLowerCase().includes(q) ?? false));
}

export interface FilterResult {
  rows: TableRow[];
  /** Counts by status over every filter but status (like the API's `counts`). */
  counts: Record<DriftStatus, number>;
  selectorError?: string;
}

export function filterAndSort(states: Iterable<ObjectDriftState>, query: TableQuery): FilterResult {
  const { selector, error } = parseSelector(query.labelSelector);
  const q = query.q.trim().toLowerCase();
  const kinds = query.kind.map((k) => k.toLowerCase());
  const counts: Record<DriftStatus, number> = { drifted: 0, missing: 0, error: 0, 'in-sync': 0, unmanaged: 0 };
  const rows: TableRow[] = [];
  for (const s of states) {
    if (query.cluster.length > 0 && !query.cluster.includes(s.cluster)) continue;
    if (query.namespace.length > 0 && !query.namespace.includes(s.namespace)) continue;
    if (kinds.length > 0 && !kinds.includes(s.kind.toLowerCase()) && !kinds.includes(`${s.kind}.${s.group}`.toLowerCase())) continue;
    if (selector && !labelsMatch(selector, s.labels)) continue;
    const r = rowOf(s);
    if (query.manager.length > 0 && !s.changes.some((c) => c.manager !== undefined && query.manager.includes(c.manager.name))) continue;
    if (q && !matchesText(r, q)) continue;
    counts[s.status]++;
    if (query.status.length > 0 && !query.status.includes(s.status)) continue;
    rows.push(r);
  }
  if (query.sort === 'default') {
    rows.sort((a, b) => (query.dir === 'desc' ? -1 : 1) * compareDefault(a.state, b.state));
  } else {
    const cmp = COMPARATORS[query.sort];
    const sign = query.dir === 'desc' ? -1 : 1;
    rows.sort((a, b) => sign * cmp(a, b) || compareDefault(a.state, b.state));
  }
  return { rows, counts, ...(error ? { selectorError: error } : {}) };
}

/** Distinct values for the filter pickers. */
export function facets(states: Iterable<ObjectDriftState>): { cluster: string[]; namespace: string[]; kind: string[]; manager: string[] } {
  const sets = { cluster: new Set<string>(), namespace: new Set<string>(), kind: new Set<string>(), manager: new Set<string>() };
  for (const s of states) {
    sets.cluster.add(s.cluster);
    if (s.namespace) sets.namespace.add(s.namespace);
    sets.kind.add(s.group ? `${s.kind}.${s.group}` : s.kind);
    for (const c of s.changes) if (c.manager) sets.manager.add(c.manager.name);
  }
  const sorted = (x: Set<string>) => [...x].sort();
  return { cluster: sorted(sets.cluster), namespace: sorted(sets.namespace), kind: sorted(sets.kind), manager: sorted(sets.manager) };
}
