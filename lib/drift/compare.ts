/**
 * The hot path: walks the compiled desired tree against a live object. Only fields the desired
 * side has are visited; nothing is allocated unless a difference is reported.
 */
import {
  A_COUNT,
  A_ITEMS,
  B_END,
  B_KIND,
  B_NODE,
  DNode,
  E_REF,
  E_TAG,
  E_VALS,
  K_ATOMIC,
  K_ATOMIC_MAP,
  K_LIST_MAP,
  K_MAP,
  K_SCALAR,
  K_SET,
  K_UNORDERED,
  L_KEYS,
  L_NKEYS,
  MAP_ROW,
  MAP_ROWS,
  R_FKEY,
  R_REF,
  R_TAG,
  R_VALUE,
  refNode,
  S_QUANTITY,
  S_SECRET,
  T_BLOCK,
  T_DUP,
  T_SOFT,
  T_WALK,
} from './compile';
import { silentFieldset } from './fieldset-index';
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

/** The field set of one level as the walk receives it: an object, or nothing to check. */
function fieldsetObject(cx: WalkContext, fs: unknown): Record<string, unknown> | undefined {
  return fs !== undefined && cx.fsSilent && typeof fs === 'object' && fs !== null ? (fs as Record<string, unknown>) : undefined;
}

/**
 * The keys a field-set walk would visit at one level (`f:`, `k:`, `v:`; not `.`). The comparison
 * looks up the key of every field or element the manifest sets itself and counts the hits: when
 * the two counts agree, every key of the level names something the manifest sets, which is what
 * silentFieldset checks (the lookups go where the comparison goes anyway, and nothing is written
 * into the desired tree).
 */
function ownedKeyCount(fs: Record<string, unknown>): number {
  let count = 0;
  for (const key in fs) {
    const c = key.charCodeAt(0);
    if (c === 102 /* f */ || c === 107 /* k */ || c === 118 /* v */) count++;
  }
  return count;
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

/**
 * Live element index whose key fields equal those of element i of a keyed list (from its block,
 * see layoutBlocks); searches from `hint` first.
 */
export function findElement(live: ReadonlyArray<unknown>, list: DNode, i: number, hint: number): number {
  const prog = list.prog;
  const nk = prog[list.at + L_NKEYS] as number;
  return findRow(live, prog, list.at, nk, list.at + L_KEYS + 2 * nk + (E_VALS + nk) * i, hint);
}

/** Reports a desired node whose live counterpart is absent, at the level where live stops existing. */
function absent(n: DNode, cx: WalkContext): boolean {
  if (!n.needed) return false;
  if (cx.out === null) return true;
  if (n.kind === K_LIST_MAP || n.kind === K_SET) {
    // Elements are identities of their own: one change per missing element. Of elements sharing
    // a key (the manifest is ambiguous; the server keeps the last), only the last is reported.
    n.kids.forEach((e, i) => {
      if (e.needed && !(n.kind === K_LIST_MAP && n.dup[i] === true && hasLaterDup(n, i))) emit(cx, 'missing', e, e.explicit(), undefined);
    });
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
  if (n.kind === K_MAP || n.kind === K_LIST_MAP) return diffBlock(n.prog, n.at, live, cx, fs);
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

/** diffNode for a K_MAP node, read from its block (see layoutBlocks). */
function diffMapBlock(prog: unknown[], at: number, live: unknown, cx: WalkContext, fs: unknown): boolean {
  if (!isRecord(live)) return notShaped(prog, at, live, cx, fs);
  const probe = cx.out === null;
  // Report mode only: the desired manager's own field set at this level (see ownedKeyCount).
  const own = fieldsetObject(cx, fs);
  let owned = 0;
  let found = false;
  const end = prog[at + B_END] as number;
  for (let j = at + MAP_ROWS; j < end; j += MAP_ROW) {
    const lv = live[prog[j] as string];
    const tag = prog[j + R_TAG] as number;
    if ((tag & T_SOFT) !== 0) {
      // A default only explains a live value. In report mode a different live value is left to
      // attribution (managedFields, last-applied); when matching elements it must match.
      if (probe && lv !== undefined && lv !== null && lv !== prog[j + R_VALUE] && diffRef(prog, prog[j + R_REF], tag, lv, cx, undefined)) return true;
      continue;
    }
    let sub: unknown;
    if (own !== undefined) {
      sub = own[prog[j + R_FKEY] as string];
      if (sub !== undefined) owned++;
    }
    // An equal scalar (the common case) on the row alone.
    if (lv === prog[j + R_VALUE]) continue;
    if (diffRef(prog, prog[j + R_REF], tag, lv, cx, sub !== undefined && (tag & T_WALK) !== 0 ? sub : undefined)) {
      if (probe) return true;
      found = true;
    }
  }
  if (own !== undefined && cx.fsSilent && owned !== ownedKeyCount(own)) cx.fsSilent = false;
  return found;
}

/** A block's live value is not a map (or list) at all. */
function notShaped(prog: unknown[], at: number, live: unknown, cx: WalkContext, fs: unknown): boolean {
  const n = prog[at + B_NODE] as DNode;
  if (fs !== undefined) checkAside(cx, fs, n);
  if (live === undefined || live === null) return absent(n, cx);
  return n.needed ? mismatch(n, live, cx) : false;
}

/** A kid (ref: its block when the tag has T_BLOCK, else its node) against its live value. */
function diffRef(prog: unknown[], ref: unknown, tag: number, lv: unknown, cx: WalkContext, sub: unknown): boolean {
  if ((tag & T_BLOCK) === 0) return diffNode(ref as DNode, lv, cx, sub);
  return diffBlock(prog, ref as number, lv, cx, sub);
}

function diffBlock(prog: unknown[], at: number, live: unknown, cx: WalkContext, fs: unknown): boolean {
  const kind = prog[at + B_KIND];
  if (kind === K_MAP) return diffMapBlock(prog, at, live, cx, fs);
  if (kind === K_LIST_MAP) return diffListBlock(prog, at, live, cx, fs);
  // Atomic: the block only proves equality; anything else is the node's full comparison.
  if (fs === undefined && atomicEqual(prog, at, kind, live)) return false;
  return diffNode(prog[at + B_NODE] as DNode, live, cx, fs);
}

/** An atomic list or map of plain scalars equal to the live value, read from its block. */
function atomicEqual(prog: unknown[], at: number, kind: unknown, live: unknown): boolean {
  const count = prog[at + A_COUNT] as number;
  if (kind === K_ATOMIC) {
    if (!Array.isArray(live) || live.length !== count) return false;
    for (let i = 0; i < count; i++) if (live[i] !== prog[at + A_ITEMS + i]) return false;
    return true;
  }
  if (!isRecord(live)) return false;
  for (let i = 0; i < count; i++) if (live[prog[at + A_ITEMS + i] as string] !== prog[at + A_ITEMS + count + i]) return false;
  // Every name matched, so no other key exists when the counts agree.
  let keys = 0;
  for (const _ in live) keys++;
  return keys === count;
}

/** Live element index whose key fields equal the values of row r of a keyed-list block; from `hint` first. */
function findRow(live: ReadonlyArray<unknown>, prog: unknown[], at: number, nk: number, r: number, hint: number): number {
  const len = live.length;
  // A hint past the end (a manifest position in a shorter live list) starts at the front.
  if (hint >= len) hint = 0;
  for (let step = 0; step < len; step++) {
    let j = hint + step;
    if (j >= len) j -= len;
    const e = live[j];
    if (!isRecord(e)) continue;
    let ok = true;
    for (let k = 0; k < nk; k++) {
      let v = e[prog[at + L_KEYS + k] as string];
      if (v === undefined || v === null) v = prog[at + L_KEYS + nk + k];
      if (v !== prog[r + E_VALS + k]) {
        ok = false;
        break;
      }
    }
    if (ok) return j;
  }
  return -1;
}

/** diffNode for a K_LIST_MAP node, read from its block (see layoutBlocks). */
function diffListBlock(prog: unknown[], at: number, live: unknown, cx: WalkContext, fs: unknown): boolean {
  if (!Array.isArray(live)) return notShaped(prog, at, live, cx, fs);
  const probe = cx.out === null;
  const own = fieldsetObject(cx, fs);
  let owned = 0;
  let found = false;
  let hint = 0;
  let maxPos = -1;
  let outOfOrder = false;
  const nk = prog[at + L_NKEYS] as number;
  const stride = E_VALS + nk;
  const end = prog[at + B_END] as number;
  for (let r = at + L_KEYS + 2 * nk; r < end; r += stride) {
    const tag = prog[r + E_TAG] as number;
    // An element the field set may name (one the manifest sets, not a default, not ambiguous).
    let sub: unknown;
    if (own !== undefined && (tag & (T_SOFT | T_DUP)) === 0) {
      sub = own[prog[r] as string];
      if (sub !== undefined) owned++;
    }
    let j = findRow(live, prog, at, nk, r, hint);
    if (j < 0) {
      const e = refNode(prog, tag, prog[r + E_REF]);
      if (sub !== undefined) checkAside(cx, sub, e);
      // Of duplicate keys, the last one is what an apply would leave: report only that one.
      const n = prog[at + B_NODE] as DNode;
      if (e.needed && !((tag & T_DUP) !== 0 && hasLaterDup(n, e.index))) {
        if (probe) return true;
        emit(cx, 'missing', e, e.explicit(), undefined);
        found = true;
      }
      continue;
    }
    if ((tag & T_DUP) !== 0) {
      // Duplicate keys: created or replaced, the object keeps every element, compared in order;
      // merged (client-side apply's patch), it may keep one, and which is ambiguous: not compared.
      j = sameOccurrence(prog[at + B_NODE] as DNode, refNode(prog, tag, prog[r + E_REF]).index, live, prog, at, nk, r);
      if (j < 0) continue;
    }
    hint = j + 1 < live.length ? j + 1 : 0;
    if ((tag & T_SOFT) !== 0) continue;
    if (j < maxPos) outOfOrder = true;
    else maxPos = j;
    if (diffRef(prog, prog[r + E_REF], tag, live[j], cx, sub)) {
      if (probe) return true;
      found = true;
    }
  }
  if (own !== undefined && cx.fsSilent && owned !== ownedKeyCount(own)) cx.fsSilent = false;
  if (outOfOrder && cx.orderMatters) {
    if (probe) return true;
    reportMoved(prog[at + B_NODE] as DNode, live, cx);
    found = true;
  }
  return found;
}

/**
 * The live element that is the same occurrence of element i's key as i is among the manifest's
 * elements with that key, when live holds as many of them; otherwise -1.
 */
function sameOccurrence(n: DNode, i: number, live: ReadonlyArray<unknown>, prog: unknown[], at: number, nk: number, r: number): number {
  const mine = n.keyVals[i];
  if (mine === undefined) return -1;
  let nth = -1;
  let copies = 0;
  for (let k = 0; k < n.kids.length; k++) {
    const other = n.keyVals[k];
    if (n.dup[k] !== true || other === undefined || !sameKey(mine, other)) continue;
    if (k === i) nth = copies;
    copies++;
  }
  const found: number[] = [];
  for (let j = findRow(live, prog, at, nk, r, 0); j >= 0 && !found.includes(j); j = findRow(live, prog, at, nk, r, j + 1)) found.push(j);
  found.sort((a, b) => a - b);
  return found.length === copies && nth >= 0 ? (found[nth] as number) : -1;
}

function sameKey(a: ReadonlyArray<Scalar | undefined>, b: ReadonlyArray<Scalar | undefined>): boolean {
  return a.every((v, x) => v === b[x]);
}

function hasLaterDup(n: DNode, i: number): boolean {
  const mine = n.keyVals[i];
  for (let k = i + 1; k < n.kids.length; k++) {
    if (n.dup[k] !== true) continue;
    const other = n.keyVals[k];
    if (mine !== undefined && other !== undefined && sameKey(mine, other)) return true;
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
    const j = findElement(live, n, i, 0);
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

/** Does the (atomic) map node have a field of this name? Names are interned: compared by identity. */
function hasField(n: DNode, name: string): boolean {
  const kids = n.kids;
  if (kids.length <= 16) {
    for (let i = 0; i < kids.length; i++) if ((kids[i] as DNode).name === name) return true;
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
      const lv = live[k];
      if (!hasField(n, k) && (!isEmptyValue(lv) || (lv === '' && n.freeForm))) {
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
