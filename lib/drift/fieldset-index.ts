/**
 * Lookups of managedFields keys (`f:<name>`, `k:{...}`, `v:<json>`) in the compiled desired tree,
 * and the check that lets a pair skip walking its own manager's field set.
 */
import { DNode, F_SOFT, F_WALK, K_ATOMIC_MAP, K_LIST_MAP, K_MAP, K_SET } from './compile';

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
