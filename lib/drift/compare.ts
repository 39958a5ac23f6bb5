/**
 * The hot path: walks the compiled desired tree against a live object. Only fields the desired
 * side has are visited; nothing is allocated unless a difference is reported.
 */
import {
  DNode,
  F_SOFT,
  F_WALK,
  K_ATOMIC,
  K_ATOMIC_MAP,
  K_LIST_MAP,
  K_MAP,
  K_SCALAR,
  K_SET,
  K_UNORDERED,
  S_QUANTITY,
  S_SECRET,
} from './compile';
import { findField, silentFieldset } from './fieldset-index';
import type { PathSegment } from './path';
import { canonicalQuantityCached } from './quantity';
import { isEmptyValue, isRecord } from './normalize';
import { secretValuesEqual } from './secrets';
import type { FieldOp, ManagerRef, Scalar } from './types';

export interface RawChange {
  op: FieldOp;
  segs: PathSegment[];
  /** The desired node the change is at, when the walk found it (its path text is cached there). */
  node?: DNode;
  desired: unknown;
  live: unknown;
  reason?: 'order';
  manager?: ManagerRef;
}

export interface WalkContext {
  /** null: probe mode, stop at the first difference and report nothing. */
  out: RawChange[] | null;
  orderMatters: boolean;
  /**
   * Report mode may carry the desired manager's own applied field set down beside the live value
   * (diffNode's `fs`). While this stays true, every key met in it named something the manifest
   * sets itself, so walking that field set for removals could report nothing (silentFieldset):
   * checked here, along nodes the comparison visits anyway, instead of in a walk of its own.
   */
  fsSilent: boolean;
}

export const PROBE: WalkContext = { out: null, orderMatters: true, fsSilent: false };

/** A field set below a node the comparison does not go into: checked on its own. */
function checkAside(cx: WalkContext, fs: unknown, n: DNode): void {
  if (cx.fsSilent && !silentFieldset(fs, n)) cx.fsSilent = false;
}

/**
 * silentFieldset for one map level: unknown keys and defaults end the check; field sets below
 * the fields that may hold more are handed to those kids (fsSub), which the loop in diffMap
 * passes on (or checks aside) and clears, every one of them.
 */
function scanMapFieldset(cx: WalkContext, fs: unknown, n: DNode): void {
  if (typeof fs !== 'object' || fs === null) return;
  const keys = n.fKeys;
  const rows = n.fRows;
  let hint = 0;
  for (const key in fs) {
    const c = key.charCodeAt(0);
    if (c !== 102 /* f */ && c !== 107 /* k */ && c !== 118 /* v */) continue;
    const j = c === 102 && keys.length > 0 ? findField(keys, key, hint) : -1;
    if (j < 0) {
      cx.fsSilent = false;
      return;
    }
    hint = j + 1;
    const flags = rows[2 * j] as number;
    if ((flags & F_SOFT) !== 0) {
      cx.fsSilent = false;
      return;
    }
    if ((flags & F_WALK) !== 0) {
      const sub = (fs as Record<string, unknown>)[key];
      if (typeof sub === 'object' && sub !== null) (rows[2 * j + 1] as DNode).fsSub = sub;
    }
  }
}

/** scanMapFieldset for a keyed list: each k: key must name an element the manifest sets. */
function scanListFieldset(cx: WalkContext, fs: unknown, n: DNode): void {
  if (typeof fs !== 'object' || fs === null) return;
  const keys = n.fKeys;
  const rows = n.fRows;
  let hint = 0;
  for (const key in fs) {
    const c = key.charCodeAt(0);
    if (c !== 102 /* f */ && c !== 107 /* k */ && c !== 118 /* v */) continue;
    const j = c === 107 && keys.length > 0 ? findField(keys, key, hint) : -1;
    const e = j >= 0 ? (rows[2 * j + 1] as DNode) : null;
    if (e === null || e.soft || e.ownKey === null || n.dup[e.index] === true) {
      cx.fsSilent = false;
      return;
    }
    hint = j + 1;
    const sub = (fs as Record<string, unknown>)[key];
    if (typeof sub === 'object' && sub !== null) e.fsSub = sub;
  }
}

function emit(cx: WalkContext, op: FieldOp, node: DNode, desired: unknown, live: unknown, reason?: 'order'): true {
  if (cx.out !== null) {
    const c: RawChange = { op, segs: node.segs, node, desired, live };
    if (reason !== undefined) c.reason = reason;
    cx.out.push(c);
  }
  return true;
}

export function scalarEquals(n: DNode, live: unknown): boolean {
  if (n.value === live) return true;
  if (n.scalar === S_QUANTITY) return n.canon === canonicalQuantityCached(live);
  if (n.scalar === S_SECRET) return secretValuesEqual(n.value, live);
  return false;
}

/** Live element index whose key fields equal the given values; searches from `hint` first. */
export function findByKey(
  live: ReadonlyArray<unknown>,
  keys: ReadonlyArray<string>,
  vals: ReadonlyArray<Scalar | undefined>,
  defaults: ReadonlyArray<Scalar | undefined>,
  hint: number,
): number {
  const len = live.length;
  for (let step = 0; step < len; step++) {
    let j = hint + step;
    if (j >= len) j -= len;
    const e = live[j];
    if (!isRecord(e)) continue;
    let ok = true;
    for (let k = 0; k < keys.length; k++) {
      let v = e[keys[k] as string];
      if (v === undefined || v === null) v = defaults[k];
      if (v !== vals[k]) {
        ok = false;
        break;
      }
    }
    if (ok) return j;
  }
  return -1;
}

/** Reports a desired node whose live counterpart is absent, at the level where live stops existing. */
function absent(n: DNode, cx: WalkContext): boolean {
  if (!n.needed) return false;
  if (cx.out === null) return true;
  if (n.kind === K_LIST_MAP || n.kind === K_SET) {
    // Elements are identities of their own: one change per missing element.
    for (const e of n.kids) if (e.needed) emit(cx, 'missing', e, e.explicit(), undefined);
    return true;
  }
  return emit(cx, 'missing', n, n.explicit(), undefined);
}

/**
 * Compares a desired node with a live value; true when a difference was found (and reported).
 * `fs`: the desired manager's applied field set at this node, checked along (WalkContext.fsSilent).
 */
export function diffNode(n: DNode, live: unknown, cx: WalkContext, fs?: unknown): boolean {
  if (live === undefined || live === null) {
    if (fs !== undefined) checkAside(cx, fs, n);
    return absent(n, cx);
  }
  if (n.kind === K_MAP) return diffMap(n, live, cx, fs);
  if (n.kind === K_LIST_MAP) return diffListMap(n, live, cx, fs);
  if (fs !== undefined) checkAside(cx, fs, n);
  switch (n.kind) {
    case K_SCALAR:
      return scalarEquals(n, live) ? false : emit(cx, 'changed', n, n.value, live);
    case K_SET:
      return diffSet(n, live, cx);
    case K_ATOMIC:
      return diffAtomic(n, live, cx);
    case K_UNORDERED:
      return diffUnordered(n, live, cx);
    case K_ATOMIC_MAP:
      return diffAtomicMap(n, live, cx);
    default:
      return false;
  }
}

function mismatch(n: DNode, live: unknown, cx: WalkContext): boolean {
  // A live value of another shape (string where an object was declared, ...).
  if (!n.needed && isEmptyValue(live)) return false;
  return emit(cx, 'changed', n, n.explicit(), live);
}

function diffMap(n: DNode, live: unknown, cx: WalkContext, fs: unknown): boolean {
  if (!isRecord(live)) {
    if (fs !== undefined) checkAside(cx, fs, n);
    return n.needed ? mismatch(n, live, cx) : false;
  }
  const probe = cx.out === null;
  if (fs !== undefined && cx.fsSilent) scanMapFieldset(cx, fs, n);
  // Defaults are only compared when matching elements (probe mode); see below.
  const rows = probe ? n.all : n.hard;
  let found = false;
  for (let j = 0; j < rows.length; j += 3) {
    const lv = live[rows[j] as string];
    // An equal scalar (the common case) without touching the kid.
    if (lv === rows[j + 1]) continue;
    const kid = rows[j + 2] as DNode;
    if (kid.soft) {
      // A default only explains a live value. In report mode a different live value is left to
      // attribution (managedFields, last-applied); when matching elements it must match.
      if (probe && lv !== undefined && lv !== null && diffNode(kid, lv, cx)) return true;
      continue;
    }
    // Set by scanMapFieldset above (report mode only; this loop then visits every kid it set).
    const sub = kid.fsSub;
    if (sub !== undefined) kid.fsSub = undefined;
    if (diffNode(kid, lv, cx, sub)) {
      if (probe) return true;
      found = true;
    }
  }
  return found;
}

function diffListMap(n: DNode, live: unknown, cx: WalkContext, fs: unknown): boolean {
  if (!Array.isArray(live)) {
    if (fs !== undefined) checkAside(cx, fs, n);
    return n.needed ? mismatch(n, live, cx) : false;
  }
  const kids = n.kids;
  const probe = cx.out === null;
  if (fs !== undefined && cx.fsSilent) scanListFieldset(cx, fs, n);
  let found = false;
  let hint = 0;
  let maxPos = -1;
  let outOfOrder = false;
  for (let i = 0; i < kids.length; i++) {
    const e = kids[i] as DNode;
    // Set by scanListFieldset above (report mode only; every element is visited here).
    const sub = e.fsSub;
    if (sub !== undefined) e.fsSub = undefined;
    const j = findByKey(live, n.keys, n.keyVals[i] as Array<Scalar | undefined>, n.keyDefaults, hint);
    if (j < 0) {
      if (sub !== undefined) checkAside(cx, sub, e);
      // Of duplicate keys, the last one is what an apply would leave: report only that one.
      if (e.needed && !(n.dup[i] === true && hasLaterDup(n, i))) {
        if (probe) return true;
        emit(cx, 'missing', e, e.explicit(), undefined);
        found = true;
      }
      continue;
    }
    hint = j + 1 < live.length ? j + 1 : 0;
    if (n.dup[i] === true || e.soft) {
      if (sub !== undefined) checkAside(cx, sub, e);
      continue;
    }
    if (j < maxPos) outOfOrder = true;
    else maxPos = j;
    if (diffNode(e, live[j], cx, sub)) {
      if (probe) return true;
      found = true;
    }
  }
  if (outOfOrder && cx.orderMatters) {
    if (probe) return true;
    reportMoved(n, live, cx);
    found = true;
  }
  return found;
}

function hasLaterDup(n: DNode, i: number): boolean {
  const mine = n.keyVals[i];
  for (let k = i + 1; k < n.kids.length; k++) {
    if (n.dup[k] !== true) continue;
    const other = n.keyVals[k];
    if (mine !== undefined && other !== undefined && mine.every((v, x) => v === other[x])) return true;
  }
  return false;
}

/**
 * Apply restores the manifest's relative order of keyed elements (kubectl's $setElementOrder,
 * server-side apply likewise); elements outside the longest run already in order have moved.
 */
function reportMoved(n: DNode, live: ReadonlyArray<unknown>, cx: WalkContext): void {
  const idx: number[] = [];
  const pos: number[] = [];
  for (let i = 0; i < n.kids.length; i++) {
    const e = n.kids[i] as DNode;
    if (n.dup[i] === true || e.soft) continue;
    const j = findByKey(live, n.keys, n.keyVals[i] as Array<Scalar | undefined>, n.keyDefaults, 0);
    if (j >= 0) {
      idx.push(i);
      pos.push(j);
    }
  }
  const keep = longestIncreasing(pos);
  for (let x = 0; x < idx.length; x++) {
    if (keep.has(x)) continue;
    const e = n.kids[idx[x] as number] as DNode;
    emit(cx, 'changed', e, { position: idx[x] }, { position: pos[x] }, 'order');
  }
}

/** Indexes (into seq) of one longest strictly increasing subsequence. */
export function longestIncreasing(seq: ReadonlyArray<number>): Set<number> {
  const tails: number[] = [];
  const prev: number[] = new Array<number>(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    const v = seq[i] as number;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((seq[tails[mid] as number] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1] as number;
    tails[lo] = i;
  }
  const out = new Set<number>();
  let k = tails.length > 0 ? (tails[tails.length - 1] as number) : -1;
  while (k >= 0) {
    out.add(k);
    k = prev[k] as number;
  }
  return out;
}

function diffSet(n: DNode, live: unknown, cx: WalkContext): boolean {
  if (!Array.isArray(live)) return n.needed ? mismatch(n, live, cx) : false;
  const probe = cx.out === null;
  let found = false;
  for (const e of n.kids) {
    if (!e.needed) continue;
    let hit = false;
    if (e.kind === K_SCALAR) {
      for (const lv of live) {
        if (scalarEquals(e, lv)) {
          hit = true;
          break;
        }
      }
    } else {
      for (const lv of live) {
        if (!diffNode(e, lv, PROBE)) {
          hit = true;
          break;
        }
      }
    }
    if (hit) continue;
    if (probe) return true;
    emit(cx, 'missing', e, e.explicit(), undefined);
    found = true;
  }
  return found;
}

function diffAtomic(n: DNode, live: unknown, cx: WalkContext): boolean {
  if (!Array.isArray(live)) return mismatch(n, live, cx);
  const kids = n.kids;
  if (kids.length !== live.length) {
    if (kids.length === 0 && isEmptyValue(live)) return false;
    return emit(cx, 'changed', n, n.explicit(), live);
  }
  const probe = cx.out === null;
  let found = false;
  for (let i = 0; i < kids.length; i++) {
    if (diffNode(kids[i] as DNode, live[i], cx)) {
      if (probe) return true;
      found = true;
    }
  }
  return found;
}

function matchesSome(e: DNode, live: ReadonlyArray<unknown>): boolean {
  for (const lv of live) if (!diffNode(e, lv, PROBE)) return true;
  return false;
}

function diffUnordered(n: DNode, live: unknown, cx: WalkContext): boolean {
  if (!Array.isArray(live)) return mismatch(n, live, cx);
  let equal = true;
  for (const e of n.kids) {
    if (!matchesSome(e, live)) {
      equal = false;
      break;
    }
  }
  if (equal) {
    // Every live element must be one of the desired ones too (duplicates collapse).
    for (const lv of live) {
      if (isEmptyValue(lv)) continue;
      let hit = false;
      for (const e of n.kids) {
        if (!diffNode(e, lv, PROBE)) {
          hit = true;
          break;
        }
      }
      if (!hit) {
        equal = false;
        break;
      }
    }
  }
  return equal ? false : emit(cx, 'changed', n, n.explicit(), live);
}

/** Does the map node have a field of this name? Small maps: a scan of names (interned, so compared by identity). */
function hasField(n: DNode, name: string): boolean {
  const rows = n.all;
  if (rows.length <= 48) {
    for (let j = 0; j < rows.length; j += 3) if (rows[j] === name) return true;
    return false;
  }
  return n.kidByName(name) !== undefined;
}

function diffAtomicMap(n: DNode, live: unknown, cx: WalkContext): boolean {
  if (!isRecord(live)) return mismatch(n, live, cx);
  let equal = true;
  for (const kid of n.kids) {
    if (diffNode(kid, live[kid.name], PROBE)) {
      equal = false;
      break;
    }
  }
  if (equal) {
    for (const k in live) {
      if (!hasField(n, k) && !isEmptyValue(live[k])) {
        equal = false;
        break;
      }
    }
  }
  return equal ? false : emit(cx, 'changed', n, n.explicit(), live);
}

/** True when a live value equals the desired node (defaults included). */
export function equalsNode(n: DNode, live: unknown): boolean {
  return !diffNode(n, live, PROBE);
}
