/**
 * Lookups of managedFields keys (`f:<name>`, `k:{...}`, `v:<json>`) in the compiled desired tree,
 * and the check that lets a pair skip walking its own manager's field set.
 */
import {
  B_END,
  DNode,
  E_REF,
  E_TAG,
  E_VALS,
  F_SOFT,
  F_WALK,
  K_ATOMIC_MAP,
  K_LIST_MAP,
  K_MAP,
  K_SET,
  L_KEYS,
  L_NKEYS,
  MAP_ROW,
  MAP_ROWS,
  R_FKEY,
  R_REF,
  R_TAG,
  refNode,
  T_SOFT,
  T_WALK,
} from './compile';

/**
 * Index of a managedFields key in a desired node's fKeys, or -1. managedFields lists keys sorted
 * as fKeys is, so the next key is usually at `hint` (just after the previous one found) or a few
 * further, past defaults and fields this entry does not own.
 */
export function findField(keys: ReadonlyArray<string>, key: string, hint: number): number {
  const n = keys.length;
  const end = hint + 4 < n ? hint + 4 : n;
  for (let j = hint; j < end; j++) if (keys[j] === key) return j;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && keys[lo] === key ? lo : -1;
}

/**
 * Up to this many kids, a managedFields key is looked up by scanning the node's block (see
 * layoutBlocks) rather than its sorted fKeys: the block was just read by the comparison, the
 * sorted arrays sit elsewhere in memory.
 */
const SCAN_ROWS = 32;

/** Whether blockRowOf serves this node's keys (a map or keyed list with few kids). */
export function scansBlock(dn: DNode): boolean {
  return (dn.kind === K_MAP || dn.kind === K_LIST_MAP) && dn.kids.length <= SCAN_ROWS;
}

/**
 * The row of dn's block answering to a managedFields key (`f:` on maps, `k:` on keyed lists), or
 * -1. Of duplicate list elements the last, which is what the API server keeps and a field set names.
 */
export function blockRowOf(dn: DNode, key: string): number {
  const prog = dn.prog;
  const at = dn.at;
  const end = prog[at + B_END] as number;
  if (dn.kind === K_MAP) {
    for (let j = at + MAP_ROWS; j < end; j += MAP_ROW) if (prog[j + R_FKEY] === key) return j;
    return -1;
  }
  const nk = prog[at + L_NKEYS] as number;
  let hit = -1;
  for (let r = at + L_KEYS + 2 * nk; r < end; r += E_VALS + nk) if (prog[r] === key) hit = r;
  return hit;
}

/** F_SOFT / F_WALK of a map block's row, as fRows holds them. */
export function blockRowFlags(dn: DNode, row: number): number {
  if (dn.kind !== K_MAP) return 0;
  const tag = dn.prog[row + R_TAG] as number;
  return ((tag & T_SOFT) !== 0 ? F_SOFT : 0) | ((tag & T_WALK) !== 0 ? F_WALK : 0);
}

/** The kid node of a block row. */
export function blockRowKid(dn: DNode, row: number): DNode {
  const prog = dn.prog;
  const map = dn.kind === K_MAP;
  return refNode(prog, prog[row + (map ? R_TAG : E_TAG)] as number, prog[row + (map ? R_REF : E_REF)]);
}

/**
 * True when walking this field set (see walkFieldset) can report nothing, whatever the live
 * object: every key it holds names something the manifest sets itself (not a default), so the
 * walk never reaches a candidate. Decided from the field set and the desired tree alone; false
 * means "walk it", not "it differs".
 */
export function silentFieldset(fs: unknown, dn: DNode): boolean {
  // The walk descends only into objects.
  if (typeof fs !== 'object' || fs === null) return true;
  const keys = dn.fKeys;
  const rows = dn.fRows;
  let hint = 0;
  for (const key in fs) {
    const c = key.charCodeAt(0);
    // The walk ignores `.` and anything that is not f:, k: or v:.
    if (c !== 102 /* f */ && c !== 107 /* k */ && c !== 118 /* v */) continue;
    const j = keys.length > 0 ? findField(keys, key, hint) : -1;
    if (j < 0) return false;
    hint = j + 1;
    const flags = rows[2 * j] as number;
    const kid = rows[2 * j + 1] as DNode;
    if (c === 102) {
      if (dn.kind !== K_MAP && dn.kind !== K_ATOMIC_MAP) return false;
      if ((flags & F_SOFT) !== 0) return false;
      if ((flags & F_WALK) !== 0 && !silentFieldset((fs as Record<string, unknown>)[key], kid)) return false;
    } else if (c === 107) {
      if (dn.kind !== K_LIST_MAP || kid.soft || kid.ownKey === null || dn.dup[kid.index] === true) return false;
      if (!silentFieldset((fs as Record<string, unknown>)[key], kid)) return false;
    } else if (dn.kind !== K_SET) return false;
  }
  return true;
}
