/**
 * The browser's copy of every drift state: loaded page by page from /api/v1/drift, then kept
 * current by /api/v1/stream events (each `upsert` carries the object's full state). Pure functions
 * over immutable values, so TanStack Query can hold the result.
 */
import type { DriftListResponse, DriftStatus, DriftStreamEvent, ObjectDriftState } from './types';

export interface DriftIndex {
  states: ReadonlyMap<string, ObjectDriftState>;
  /** The event sequence number of the first page: events after it are re-applied once loading ends. */
  baseSeq: number | undefined;
  /** All pages loaded. */
  complete: boolean;
  /** Server's total when the last page was read (for a progress figure while loading). */
  total: number;
  /** Bumps on every change: a cheap memo key. */
  version: number;
}

export const EMPTY_INDEX: DriftIndex = { states: new Map(), baseSeq: undefined, complete: false, total: 0, version: 0 };

export function addPage(idx: DriftIndex, page: DriftListResponse): DriftIndex {
  const states = new Map(idx.states);
  for (const s of page.items) states.set(s.id, s);
  return {
    states,
    baseSeq: idx.baseSeq ?? page.lastEventId,
    complete: page.next === undefined,
    total: page.total,
    version: idx.version + 1,
  };
}

/** Applies stream events in order; returns the same index when nothing applies. */
export function applyEvents(idx: DriftIndex, events: readonly DriftStreamEvent[]): DriftIndex {
  if (events.length === 0) return idx;
  const states = new Map(idx.states);
  for (const e of events) {
    if (e.type === 'upsert') states.set(e.state.id, e.state);
    else states.delete(e.id);
  }
  return { ...idx, states, version: idx.version + 1 };
}

export function countByStatus(states: Iterable<ObjectDriftState>): Record<DriftStatus, number> {
  const counts: Record<DriftStatus, number> = { drifted: 0, missing: 0, error: 0, 'in-sync': 0, unmanaged: 0 };
  for (const s of states) counts[s.status]++;
  return counts;
}

/** The manager of the most recent change (by managedFields time), or of the first change with one. */
export function lastManager(s: Pick<ObjectDriftState, 'changes'>): { name: string; time?: string } | undefined {
  let best: { name: string; time?: string } | undefined;
  for (const c of s.changes) {
    const m = c.manager;
    if (!m) continue;
    if (!best || (m.time !== undefined && (best.time === undefined || m.time > best.time))) best = m.time !== undefined ? { name: m.name, time: m.time } : { name: m.name };
  }
  return best;
}
