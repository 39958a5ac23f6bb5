/**
 * Fields inside the elements of an atomic list that the manifest does not have. The comparison
 * walks the desired side's fields, so such a field went unseen — a `resourceNames` that
 * `kubectl edit` added to a Role's rule, or one an earlier apply wrote and the manifest has since
 * dropped — although the next apply replaces the whole list (DESIGN: atomic lists compare as a
 * whole). managedFields own an atomic list only as a whole, so what is reported is a change of the
 * list, and only where it is attributable, as for any live-only field:
 *
 * - the client-side applier (the last-applied annotation's) owns the list and the annotation
 *   holds the fields there: the previous apply wrote them, the manifest no longer does, so the next
 *   apply removes them (fields it does not hold are the server's defaults);
 * - or anyone else not ignored owns the list: another actor's explicit write, or the desired
 *   side's own server-side apply of an earlier manifest (its field set names the list, not what is
 *   in it), whose next apply replaces the list.
 *
 * Server defaults inside elements are on the desired side already (built-in and schema defaults),
 * so they are not extra; a default the engine does not know (a custom resource whose schema could
 * not be read) shows as a change of the list its owner wrote.
 */
import { equalsNode } from './compare';
import { DNode, K_ATOMIC, K_MAP } from './compile';
import { isEmptyValue, isRecord, VOLATILE_METADATA } from './normalize';
import type { PathSegment } from './path';
import { valueAt } from './three-way';

/** Atomic lists of objects in a compiled tree (most trees have none). */
export function atomicListsOf(root: DNode): DNode[] {
  const out: DNode[] = [];
  const walk = (n: DNode): void => {
    if (n.soft) return;
    if (n.kind === K_ATOMIC) {
      if (n.kids.some((k) => k.kind === K_MAP)) out.push(n);
      return;
    }
    for (const k of n.kids) walk(k);
  };
  walk(root);
  return out;
}

/** A field of a live element the desired element has not, as its path from the list. */
type Extra = PathSegment[];

/**
 * The live element's fields that the desired one has not (nor as a default), below maps; lists
 * inside are compared element by element when of the same length (other differences there are
 * the comparison's own). An embedded object's status and server-written metadata (a
 * StatefulSet's volumeClaimTemplates) are not fields anyone wrote.
 */
function extrasOf(n: DNode, live: unknown, at: PathSegment[], out: Extra[]): void {
  if (n.kind === K_MAP && isRecord(live)) {
    for (const k of Object.keys(live)) {
      const v = live[k];
      if (isEmptyValue(v)) continue;
      // `at` starts with the element's index.
      if (at.length === 1 && k === 'status') continue;
      if (at.length === 2 && at[1] === 'metadata' && VOLATILE_METADATA.has(k)) continue;
      const kid = n.kidByName(k);
      // A default the live element does not keep (webhook rules' scope `*` made `Namespaced`) is
      // a value written there too.
      if (kid === undefined || (kid.soft && !equalsNode(kid, v))) out.push([...at, k]);
      else extrasOf(kid, v, [...at, k], out);
    }
  } else if (n.kind === K_ATOMIC && Array.isArray(live) && live.length === n.kids.length) {
    n.kids.forEach((kid, i) => extrasOf(kid, live[i], [...at, i], out));
  }
}

export interface AtomicExtra {
  list: DNode;
  live: unknown[];
  /** The live fields the manifest's elements have not, as paths from the list. */
  extras: Extra[];
}

/** The atomic lists whose live elements (in the live object) hold fields the manifest's have not. */
export function atomicListExtras(lists: ReadonlyArray<DNode>, liveObject: unknown): AtomicExtra[] {
  const found: AtomicExtra[] = [];
  for (const list of lists) {
    const live = valueAt(liveObject, list.segs);
    if (!Array.isArray(live) || live.length !== list.kids.length) continue;
    const extras: Extra[] = [];
    list.kids.forEach((kid, i) => extrasOf(kid, live[i], [i], extras));
    if (extras.length > 0) found.push({ list, live, extras });
  }
  return found;
}

/** The last-applied annotation's object holds every extra field: the next apply removes them. */
export function appliedHoldsExtras(applied: unknown, x: AtomicExtra): boolean {
  const before = applied === undefined ? undefined : valueAt(applied, x.list.segs);
  return before !== undefined && x.extras.every((e) => !isEmptyValue(valueAt(before, e)));
}
