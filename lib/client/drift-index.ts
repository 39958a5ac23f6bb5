/**
 * The browser's copy of every drift state, as drift table rows: loaded from /api/v1/drift/rows
 * (compact, in one or two requests), then kept current by /api/v1/stream events (each `upsert`
 * carries the object's full state, turned into a row). Pure functions over immutable values, so
 * TanStack Query can hold the result.
 */
import { rowFromState, rowFromTuple, type TableRow } from './table-query';
import type { DriftRowsResponse, DriftStatus, DriftStreamEvent } from './types';

export interface DriftIndex {
  rows: ReadonlyMap<string, TableRow>;
  /** The event sequence number of the first page: events after it are re-applied once loading ends. */
  baseSeq: number | undefined;
  /** All pages loaded. */
  complete: boolean;
  /** Server's total when the last page was read (for a progress figure while loading). */
  total: number;
  /** Bumps on every change: a cheap memo key. */
  version: number;
}

export const EMPTY_INDEX: DriftIndex = { rows: new Map(), baseSeq: undefined, complete: false, total: 0, version: 0 };

export function addPage(idx: DriftIndex, page: DriftRowsResponse): DriftIndex {
  const rows = new Map(idx.rows);
  for (const t of page.rows) rows.set(t[0], rowFromTuple(t));
  return {
    rows,
    baseSeq: idx.baseSeq ?? page.lastEventId,
    complete: page.next === undefined,
    total: page.total,
    version: idx.version + 1,
  };
}

/** Applies stream events in order; returns the same index when nothing applies. */
export function applyEvents(idx: DriftIndex, events: readonly DriftStreamEvent[]): DriftIndex {
  if (events.length === 0) return idx;
  const rows = new Map(idx.rows);
  for (const e of events) {
    if (e.type === 'upsert') rows.set(e.state.id, rowFromState(e.state));
    else rows.delete(e.id);
  }
  return { ...idx, rows, version: idx.version + 1 };
}

export function countByStatus(rows: Iterable<{ status: DriftStatus }>): Record<DriftStatus, number> {
  const counts: Record<DriftStatus, number> = { drifted: 0, missing: 0, error: 0, 'in-sync': 0, unmanaged: 0 };
  for (const s of rows) counts[s.status]++;
  return counts;
}
