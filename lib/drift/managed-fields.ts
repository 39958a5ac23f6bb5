/**
 * Live `metadata.managedFields` (FieldsV1: `f:<field>`, `k:<json key>`, `v:<json value>`,
 * `i:<index>`, `.` for "this element itself"): who owns which field. Used for attribution, for
 * three-way removal (what the desired side's manager applied before) and for `added` fields
 * (live-only fields another actor explicitly wrote).
 */
import { DNode, K_ATOMIC_MAP, K_LIST_MAP, K_MAP, K_SET } from './compile';
import { equalsNode, findByKey, type RawChange } from './compare';
import { isKeySelector, type KeySelector, type PathSegment } from './path';
import { isEmptyValue, isRecord, isServerPopulated, VOLATILE_ANNOTATIONS, VOLATILE_METADATA } from './normalize';
import type { ManagerRef, Scalar } from './types';

export interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  time?: string;
  subresource?: string;
  apiVersion?: string;
  fields: Record<string, unknown>;
}

/** Parses `metadata.managedFields`; entries that are not FieldsV1 are skipped. */
export function parseManagedFields(managedFields: unknown): ManagedFieldsEntry[] {
  if (!Array.isArray(managedFields)) return [];
  const out: ManagedFieldsEntry[] = [];
  for (const e of managedFields) {
    if (!isRecord(e) || !isRecord(e.fieldsV1)) continue;
    const entry: ManagedFieldsEntry = {
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation: typeof e.operation === 'string' ? e.operation : '',
      fields: e.fieldsV1,
    };
    if (typeof e.time === 'string') entry.time = e.time;
    if (typeof e.subresource === 'string') entry.subresource = e.subresource;
    if (typeof e.apiVersion === 'string') entry.apiVersion = e.apiVersion;
    out.push(entry);
  }
  return out;
}

export function managerRef(e: Record<string, unknown>): ManagerRef {
  const ref: ManagerRef = {
    name: typeof e.manager === 'string' ? e.manager : '',
    operation: typeof e.operation === 'string' ? e.operation : '',
  };
  if (typeof e.time === 'string') ref.time = e.time;
  return ref;
}

function hasChildren(fs: unknown): fs is Record<string, unknown> {
  if (!isRecord(fs)) return false;
  for (const k in fs) if (k !== '.') return true;
  return false;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

function looseEqual(a: unknown, b: unknown): boolean {
  return a === b || ((typeof a === 'number' || typeof a === 'string') && String(a) === String(b));
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Does this `k:` entry name the element the selector names? */
function kMatches(key: string, sel: KeySelector): boolean {
  const obj = parseJson(key.slice(2));
  if (!isRecord(obj)) return false;
  const names = Object.keys(obj);
  if (names.length !== sel.keys.length) return false;
  for (const [k, v] of sel.keys) if (!looseEqual(obj[k], v)) return false;
  return true;
}

function ownsPath(fields: Record<string, unknown>, segs: ReadonlyArray<PathSegment>): boolean {
  let cur: Record<string, unknown> = fields;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    let next: unknown;
    if (typeof s === 'string') next = cur[`f:${s}`];
    else if (typeof s === 'number') next = undefined;
    else if (s !== undefined && isKeySelector(s)) {
      for (const k in cur) {
        if (k.charCodeAt(0) === 107 && kMatches(k, s)) {
          next = cur[k];
          break;
        }
      }
    } else if (s !== undefined) next = cur[`v:${JSON.stringify(s.value)}`];
    if (!isRecord(next)) {
      // Stopped below a field owned as a whole (an atomic list or map): its owner owns this too.
      return i > 0 && !hasChildren(cur);
    }
    cur = next;
  }
  return true;
}

/** The manager owning a live field (the most recent writer when ownership is shared). */
export function ownerOf(managedFields: unknown, segs: ReadonlyArray<PathSegment>): ManagerRef | undefined {
  if (!Array.isArray(managedFields)) return undefined;
  let best: Record<string, unknown> | undefined;
  let bestTime = '';
  for (const e of managedFields) {
    if (!isRecord(e) || !isRecord(e.fieldsV1) || e.subresource === 'status') continue;
    if (!ownsPath(e.fieldsV1, segs)) continue;
    const time = typeof e.time === 'string' ? e.time : '';
    if (best === undefined || time > bestTime) {
      best = e;
      bestTime = time;
    }
  }
  return best === undefined ? undefined : managerRef(best);
}

/** Does this entry own the last-applied annotation (it is the client-side applier)? */
export function ownsLastApplied(fields: Record<string, unknown>): boolean {
  const meta = fields['f:metadata'];
  const ann = isRecord(meta) ? meta['f:annotations'] : undefined;
  return isRecord(ann) && ann['f:kubectl.kubernetes.io/last-applied-configuration'] !== undefined;
}

export const Z_OTHER = 0;
export const Z_ROOT = 1;
export const Z_META = 2;
export const Z_ANN = 3;

const ROOT_SKIP = new Set(['apiVersion', 'kind', 'status']);

function skipped(zone: number, name: string): boolean {
  if (zone === Z_ROOT) return ROOT_SKIP.has(name);
  if (zone === Z_META) return VOLATILE_METADATA.has(name);
  if (zone === Z_ANN) return VOLATILE_ANNOTATIONS.has(name);
  return false;
}

function nextZone(zone: number, name: string): number {
  if (zone === Z_ROOT && name === 'metadata') return Z_META;
  if (zone === Z_META && name === 'annotations') return Z_ANN;
  return Z_OTHER;
}

export interface FieldsetWalk {
  /** removed: the desired side's own applied fields; added: another actor's writes. */
  mode: 'added' | 'removed';
  manager: ManagerRef;
  kind: string;
  out: RawChange[];
  segs: PathSegment[];
}

function isContainer(n: DNode): boolean {
  return n.kind === K_MAP || n.kind === K_LIST_MAP || n.kind === K_SET;
}

function selectorFromKey(obj: Record<string, unknown>, order: ReadonlyArray<string>): KeySelector {
  const keys: Array<readonly [string, Scalar]> = [];
  for (const k of order) {
    const v = obj[k];
    if (isScalar(v)) keys.push([k, v]);
  }
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (!order.includes(k) && isScalar(v)) keys.push([k, v]);
  }
  return { keys };
}

const NO_KEYS: string[] = [];

function findLiveByKeyObject(live: ReadonlyArray<unknown>, keyObj: Record<string, unknown>): number {
  for (let j = 0; j < live.length; j++) {
    const e = live[j];
    if (!isRecord(e)) continue;
    let ok = true;
    for (const k in keyObj) {
      let v = e[k];
      // Live objects from the API always carry protocol; hand-made ones may rely on its default.
      if ((v === undefined || v === null) && k === 'protocol') v = 'TCP';
      if (!looseEqual(v, keyObj[k])) {
        ok = false;
        break;
      }
    }
    if (ok) return j;
  }
  return -1;
}

/** The desired element a `k:` entry names when its string differs from ours (number formatting). */
function elementByKeyObject(dn: DNode, keyObj: Record<string, unknown>): DNode | undefined {
  for (let i = 0; i < dn.kids.length; i++) {
    const vals = dn.keyVals[i];
    if (vals === undefined) continue;
    let ok = Object.keys(keyObj).length === dn.keys.length;
    for (let k = 0; ok && k < dn.keys.length; k++) ok = looseEqual(keyObj[dn.keys[k] as string], vals[k]);
    if (ok) return dn.kids[i];
  }
  return undefined;
}

/**
 * Walks one manager's field set alongside the desired tree and live object, reporting owned
 * live fields the desired side does not set explicitly (and whose value is not a default).
 */
export function walkFieldset(fs: Record<string, unknown>, dn: DNode | null, live: unknown, zone: number, w: FieldsetWalk): void {
  for (const key in fs) {
    if (key === '.') continue;
    const sub = fs[key];
    const c = key.charCodeAt(0);
    if (c === 102 /* f */) {
      if (!isRecord(live)) continue;
      const kid = dn !== null && dn.byF !== null && (dn.kind === K_MAP || dn.kind === K_ATOMIC_MAP) ? dn.byF.get(key) : undefined;
      const name = kid !== undefined ? kid.name : key.slice(2);
      if (zone !== Z_OTHER && skipped(zone, name)) continue;
      const lv = live[name];
      if (lv === undefined || lv === null) continue;
      if (kid !== undefined && !kid.soft) {
        if (isContainer(kid) && hasChildren(sub)) {
          w.segs.push(name);
          walkFieldset(sub, kid, lv, nextZone(zone, name), w);
          w.segs.pop();
        }
        continue;
      }
      w.segs.push(name);
      candidate(sub, kid ?? null, lv, nextZone(zone, name), false, w);
      w.segs.pop();
    } else if (c === 107 /* k */) {
      if (!Array.isArray(live)) continue;
      const listNode = dn !== null && dn.kind === K_LIST_MAP ? dn : null;
      let elem = listNode?.byF?.get(key);
      let j = -1;
      let seg: PathSegment | undefined;
      if (elem !== undefined && listNode !== null && elem.ownKey !== null) {
        j = findByKey(live, listNode.keys, elem.ownKey, listNode.keyDefaults, elem.index >= 0 ? elem.index : 0);
      } else {
        const keyObj = parseJson(key.slice(2));
        if (!isRecord(keyObj)) continue;
        if (listNode !== null) elem = elementByKeyObject(listNode, keyObj);
        j = findLiveByKeyObject(live, keyObj);
        seg = selectorFromKey(keyObj, listNode?.keys ?? NO_KEYS);
      }
      if (j < 0) continue;
      const le = live[j];
      if (elem !== undefined && !elem.soft && !(listNode?.dup[elem.index] ?? false)) {
        if (hasChildren(sub)) {
          w.segs.push(elem.segs[elem.segs.length - 1] as PathSegment);
          walkFieldset(sub, elem, le, Z_OTHER, w);
          w.segs.pop();
        }
        continue;
      }
      if (elem !== undefined) seg = elem.segs[elem.segs.length - 1];
      if (seg === undefined) continue;
      w.segs.push(seg);
      candidate(sub, elem ?? null, le, Z_OTHER, true, w);
      w.segs.pop();
    } else if (c === 118 /* v */) {
      if (!Array.isArray(live)) continue;
      if (dn !== null && dn.kind === K_SET && dn.byF?.has(key) === true) continue;
      const value = parseJson(key.slice(2));
      if (!isScalar(value) || !live.includes(value)) continue;
      w.segs.push({ value });
      candidate(sub, null, value, Z_OTHER, true, w);
      w.segs.pop();
    }
  }
}

function candidate(sub: unknown, soft: DNode | null, lv: unknown, zone: number, isElement: boolean, w: FieldsetWalk): void {
  if (isEmptyValue(lv)) return;
  // A list element owned as a whole ("." present) is reported as one element; a struct or map is
  // reported field by field, since other managers may own its other fields.
  const wholeElement = isElement && isRecord(sub) && '.' in sub;
  if (!wholeElement && hasChildren(sub) && (isRecord(lv) || Array.isArray(lv))) {
    walkFieldset(sub, soft, lv, zone, w);
    return;
  }
  // A leaf on a map or struct owns the whole value only when it is atomic. On a granular one it
  // records that the manager wrote it empty (`annotations: {}`); its keys belong to whoever set them.
  if (isRecord(lv) && !hasChildren(sub) && !(soft !== null && soft.kind === K_ATOMIC_MAP)) return;
  if (soft !== null && equalsNode(soft, lv)) return;
  const segs = w.segs.slice();
  if (isServerPopulated(w.kind, segs, lv)) return;
  const op = w.mode === 'removed' ? 'removed' : soft !== null ? 'changed' : 'added';
  const change: RawChange = { op, segs, desired: soft !== null ? soft.value : undefined, live: lv, manager: w.manager };
  w.out.push(change);
}
