/**
 * Filtering and paging of drift states for the list API. Pure: the route validates the query with
 * zod and hands the plain values here.
 */
import { labelsMatch, parseLabelSelector } from '../drift';
import { kindFilterMatches, objectIdentity, type DriftStatus, type ObjectDriftState } from './types';

export interface DriftQuery {
  cluster?: string[];
  namespace?: string[];
  /** `cluster`: cluster-scoped objects only (no namespace); `namespaced`: namespaced ones only. */
  scope?: 'cluster' | 'namespaced';
  /** Kind names (`Deployment`) or `Kind.group` (`Widget.example.com`). */
  kind?: string[];
  status?: DriftStatus[];
  /** Case-insensitive substring of name, namespace, kind or a changed path. */
  q?: string;
  labelSelector?: string;
  limit: number;
  /** Opaque cursor from the previous page's `next`. */
  cursor?: string;
}

export interface DriftPage {
  items: ObjectDriftState[];
  total: number;
  /** Counts by status over the whole filtered set (ignoring the status filter), for the summary bar. */
  counts: Record<DriftStatus, number>;
  next?: string;
}

const STATUS_ORDER: Record<DriftStatus, number> = { drifted: 0, missing: 1, error: 2, 'in-sync': 3, unmanaged: 4 };

/** Where a state sorts: most pressing first (drifted, missing, error), then the most recent change, then the id. */
interface SortKey {
  rank: number;
  since: string;
  id: string;
}

const sortKeyOf = (s: ObjectDriftState): SortKey => ({ rank: STATUS_ORDER[s.status], since: s.since, id: s.id });

/** Sorts a state against a key (a page's last object): negative before it, 0 at it, positive after. */
function compareToKey(s: ObjectDriftState, key: SortKey): number {
  return STATUS_ORDER[s.status] - key.rank || key.since.localeCompare(s.since) || s.id.localeCompare(key.id);
}

export function compareStates(a: ObjectDriftState, b: ObjectDriftState): number {
  return compareToKey(a, sortKeyOf(b));
}

const noCounts = (): Record<DriftStatus, number> => ({ 'in-sync': 0, drifted: 0, missing: 0, unmanaged: 0, error: 0 });

/** Objects by status (of these namespaces only, when given), without sorting or paging anything. */
export function countDrift(all: Iterable<ObjectDriftState>, namespaces?: ReadonlyArray<string>): { counts: Record<DriftStatus, number>; total: number } {
  const mine = namespaces ? new Set(namespaces) : undefined;
  const counts = noCounts();
  let total = 0;
  for (const s of all) {
    if (mine && !mine.has(s.namespace)) continue;
    counts[s.status]++;
    total++;
  }
  return { counts, total };
}

/**
 * What the embedded drift table shows of an object, and no more: identity, status, since, and each
 * change's path, op and manager. An embed token is a link anyone in a portal may open, so its
 * reads carry no field value, no ignored change, no label, no manifest location and no error text.
 */
export function driftSummaryOf(s: ObjectDriftState): ObjectDriftState {
  return {
    id: s.id,
    ...objectIdentity(s),
    status: s.status,
    since: s.since,
    changes: s.changes.map((c) => ({ path: c.path, op: c.op, ...(c.manager ? { manager: { name: c.manager.name, operation: c.manager.operation } } : {}) })),
    ignored: [],
    warnings: [],
    labels: {},
  };
}

export function queryDrift(all: Iterable<ObjectDriftState>, query: DriftQuery): DriftPage {
  const selector = query.labelSelector ? parseLabelSelector(query.labelSelector) : undefined;
  const q = query.q?.toLowerCase();
  const counts = noCounts();
  const matched: ObjectDriftState[] = [];
  for (const s of all) {
    if (query.cluster && !query.cluster.includes(s.cluster)) continue;
    if (query.namespace && !query.namespace.includes(s.namespace)) continue;
    if (query.scope && (s.namespace === '') !== (query.scope === 'cluster')) continue;
    if (query.kind && !query.kind.some((k) => kindFilterMatches(k, s.group, s.kind))) continue;
    if (selector && !labelsMatch(selector, s.labels)) continue;
    if (q && !matchesText(s, q)) continue;
    counts[s.status]++;
    if (query.status && !query.status.includes(s.status)) continue;
    matched.push(s);
  }
  matched.sort(compareStates);
  // A page continues after the last one's last object, wherever that now sorts: objects that
  // leave or join the set before it (a drift reverted meanwhile) shift no unchanged one into a
  // page already read or past the next one.
  const start = query.cursor ? firstAfter(matched, decodeCursor(query.cursor)) : 0;
  const items = matched.slice(start, start + query.limit);
  const last = items[items.length - 1];
  const more = start + items.length < matched.length && last !== undefined;
  return { items, total: matched.length, counts, ...(more ? { next: encodeCursor(sortKeyOf(last)) } : {}) };
}

/** The index of the first state sorting after `key` (binary search over the sorted states). */
function firstAfter(sorted: ReadonlyArray<ObjectDriftState>, key: SortKey): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareToKey(sorted[mid] as ObjectDriftState, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function matchesText(s: ObjectDriftState, q: string): boolean {
  if (s.name.toLowerCase().includes(q) || s.namespace.toLowerCase().includes(q) || s.kind.toLowerCase().includes(q)) return true;
  return s.changes.some((c) => c.path.toLowerCase().includes(q) || (c.manager?.name.toLowerCase().includes(q) ?? false));
}

export class CursorError extends Error {
  // Checked by name: route bundles and the runtime's bundle may hold different copies of this class.
  override name = 'CursorError';
}

export function isCursorError(err: unknown): boolean {
  return err instanceof Error && err.name === 'CursorError';
}

function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(['k', key.rank, key.since, key.id])).toString('base64url');
}

function decodeCursor(cursor: string): SortKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || parsed[0] !== 'k') throw new CursorError('invalid cursor: pass the `next` value of the previous page unchanged');
  const [, rank, since, id] = parsed as unknown[];
  if (typeof rank !== 'number' || !Number.isInteger(rank) || typeof since !== 'string' || typeof id !== 'string') {
    throw new CursorError('invalid cursor: pass the `next` value of the previous page unchanged');
  }
  return { rank, since, id };
}
