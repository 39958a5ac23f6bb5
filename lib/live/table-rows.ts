/**
 * The drift table's compact form of a drift state: what the table shows, filters and sorts on, and
 * nothing else (no desired/live values, no warnings). A full state averages ~650 bytes of JSON, a
 * row ~150: the browser loads every row of a large cluster in one or two requests and parses little.
 * Pure: used by the rows route and, for stream upserts, by the browser.
 */
import type { DriftStatus, ObjectDriftState } from './types';

/**
 * `[id, status, since, paths, managers, lastManager, labels, error?]`: positional, to keep the JSON
 * small; `error` only on the rows that have one (an object that could not be compared says why).
 */
export type DriftRowTuple = [id: string, status: DriftStatus, since: string, paths: string[], managers: string[], lastManager: string, labels: Record<string, string>, error?: string];

export const DRIFT_ROW_COLUMNS = ['id', 'status', 'since', 'paths', 'managers', 'lastManager', 'labels', 'error'] as const;

/** The manager of the most recent change (by managedFields time), or of the first change with one. */
export function lastManagerOf(changes: ObjectDriftState['changes']): { name: string; time?: string } | undefined {
  let best: { name: string; time?: string } | undefined;
  for (const c of changes) {
    const m = c.manager;
    if (!m) continue;
    if (!best || (m.time !== undefined && (best.time === undefined || m.time > best.time))) best = m.time !== undefined ? { name: m.name, time: m.time } : { name: m.name };
  }
  return best;
}

export function rowTuple(s: ObjectDriftState): DriftRowTuple {
  const paths: string[] = [];
  const managers: string[] = [];
  for (const c of s.changes) {
    paths.push(c.path);
    if (c.manager && !managers.includes(c.manager.name)) managers.push(c.manager.name);
  }
  const row: DriftRowTuple = [s.id, s.status, s.since, paths, managers, lastManagerOf(s.changes)?.name ?? '', s.labels];
  if (s.error) row.push(s.error);
  return row;
}

export interface DriftRowsPage {
  rows: DriftRowTuple[];
  total: number;
  /** Cursor of the next page (the last id of this one), absent on the last page. */
  next?: string;
}

export class RowsCursorError extends Error {
  // Checked by name: route bundles and the runtime's bundle may hold different copies of this class.
  override name = 'RowsCursorError';
}

const encodeCursor = (id: string) => Buffer.from(`k:${id}`).toString('base64url');

function decodeCursor(cursor: string): string {
  const s = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!s.startsWith('k:')) throw new RowsCursorError('invalid cursor: pass the `next` value of the previous page unchanged');
  return s.slice(2);
}

/**
 * Every state as a row, in id order, `limit` at a time. Pages continue after the last id served
 * (not at an offset), so objects added or deleted between two requests never shift another object
 * out of the listing; the caller re-applies stream events that happened meanwhile.
 */
export function rowsPage(all: Iterable<ObjectDriftState>, limit: number, cursor?: string): DriftRowsPage {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const states: ObjectDriftState[] = [];
  let total = 0;
  for (const s of all) {
    total++;
    if (after === undefined || s.id > after) states.push(s);
  }
  states.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const page = states.length > limit ? states.slice(0, limit) : states;
  const rows = page.map(rowTuple);
  const last = page[page.length - 1];
  return { rows, total, ...(states.length > limit && last ? { next: encodeCursor(last.id) } : {}) };
}
