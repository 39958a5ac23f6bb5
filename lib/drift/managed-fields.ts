/**
 * Live `metadata.managedFields` (FieldsV1: `f:<field>`, `k:<json key>`, `v:<json value>`,
 * `i:<index>`, `.` for "this element itself"): who owns which field. Used for attribution, for
 * three-way removal (what the desired side's manager applied before) and for `added` fields
 * (live-only fields another actor explicitly wrote).
 */
import { DNode, F_SOFT, F_WALK, fKey, intern, K_ATOMIC_MAP, K_LIST_MAP, K_MAP, K_SCALAR, K_SET } from './compile';
import { equalsNode, findElement, type RawChange } from './compare';
import { blockRowFlags, blockRowKid, blockRowOf, findField, scansBlock } from './fieldset-index';
import { isKeySelector, type KeySelector, type PathSegment } from './path';
import { deepFreeze, isEmptyValue, isRecord, isServerPopulated, VOLATILE_ANNOTATIONS, VOLATILE_METADATA } from './normalize';
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

const NAMES_LIMIT = 4096;
const nameOf = new Map<string, string>();

/** The field name of an `f:<name>` key, interned (see fKey). */
function fieldName(key: string): string {
  let n = nameOf.get(key);
  if (n === undefined) {
    n = intern(key.slice(2));
    if (nameOf.size >= NAMES_LIMIT) nameOf.clear();
    nameOf.set(key, n);
  }
  return n;
}

/** A `k:`/`v:` key's JSON, parsed; `size` counts the fields of a `k:` object. */
interface ParsedKey {
  readonly value: unknown;
  readonly size: number;
}

const PARSED_KEYS_LIMIT = 4096;
const parsedKeys = new Map<string, ParsedKey>();

/**
 * The same `k:{"name":"app"}` keys recur in every object of a kind and in every event of one
 * object: each is parsed once (bounded, shared, frozen so no caller can change what others see).
 */
function parseKey(key: string): ParsedKey {
  let hit = parsedKeys.get(key);
  if (hit === undefined) {
    const value = parseJson(key.slice(2));
    let size = 0;
    if (isRecord(value)) {
      for (const k in value) if (Object.prototype.hasOwnProperty.call(value, k)) size++;
      Object.freeze(value);
    }
    hit = { value, size };
    if (parsedKeys.size >= PARSED_KEYS_LIMIT) parsedKeys.clear();
    parsedKeys.set(key, hit);
  }
  return hit;
}

function looseEqual(a: unknown, b: unknown): boolean {
  return a === b || ((typeof a === 'number' || typeof a === 'string') && String(a) === String(b));
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Does this `k:` entry name the element the selector names? */
function kMatches(key: string, sel: KeySelector): boolean {
  const parsed = parseKey(key);
  const obj = parsed.value;
  if (!isRecord(obj)) return false;
  const keys = sel.keys;
  if (parsed.size !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const kv = keys[i] as readonly [string, Scalar];
    if (!looseEqual(obj[kv[0]], kv[1])) return false;
  }
  return true;
}

function ownsPath(fields: Record<string, unknown>, segs: ReadonlyArray<PathSegment>): boolean {
  let cur: Record<string, unknown> = fields;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    let next: unknown;
    if (typeof s === 'string') next = cur[fKey(s)];
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

// The same names as arrays: a handful of identity checks on interned names beat a Set lookup.
const ROOT_SKIP_NAMES = [...ROOT_SKIP];
const META_SKIP_NAMES = [...VOLATILE_METADATA];
const ANN_SKIP_NAMES = [...VOLATILE_ANNOTATIONS];

function skipped(zone: number, name: string): boolean {
  const names = zone === Z_ROOT ? ROOT_SKIP_NAMES : zone === Z_META ? META_SKIP_NAMES : zone === Z_ANN ? ANN_SKIP_NAMES : null;
  if (names === null) return false;
  for (let i = 0; i < names.length; i++) if (names[i] === name) return true;
  return false;
}

/**
 * An empty path stack that already holds any kind of segment: a fresh [] would change element
 * kinds on its first push and make push polymorphic in the walk.
 */
export function newSegStack(): PathSegment[] {
  const s: PathSegment[] = [''];
  s.length = 0;
  return s;
}

function nextZone(zone: number, name: string): number {
  if (zone === Z_ROOT && name === 'metadata') return Z_META;
  if (zone === Z_META && name === 'annotations') return Z_ANN;
  return Z_OTHER;
}

export interface FieldsetWalk {
  /** removed: the desired side's own applied fields; added: another actor's writes. */
  mode: 'added' | 'removed';
  /** The managedFields entry walked; its ManagerRef is built when it first produces a change. */
  entry: Record<string, unknown>;
  manager: ManagerRef | null;
  kind: string;
  out: RawChange[];
  /** Path of the fieldset node being walked: pushed and popped, copied only into a change. */
  segs: PathSegment[];
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
const NO_ROWS: unknown[] = [];

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
  walk(fs, dn, live, null, zone, w);
}

/** The kid at a position found by walk(): a block row (scan) or an index into fRows. */
function kidAt(dn: DNode, scan: boolean, rows: readonly unknown[], at: number): DNode {
  return scan ? blockRowKid(dn, at) : (rows[2 * at + 1] as DNode);
}

const UNRESOLVED = 0;
const LIVE_MAP = 1;
const LIVE_LIST = 2;

/**
 * walkFieldset, where the live value is `holder[lazyName]` when lazyName is set: looked up only
 * when some key needs it. A fieldset below a field the manifest sets usually owns only fields the
 * manifest sets too (labels, resources, probes), and those need no live value at all.
 */
function walk(fs: Record<string, unknown>, dn: DNode | null, holder: unknown, lazyName: string | null, zone: number, w: FieldsetWalk): void {
  let live = holder;
  let shape = UNRESOLVED;
  // f: keys name fields of a live map; k: and v: keys elements of a live list.
  if (lazyName === null) {
    shape = isRecord(live) ? LIVE_MAP : Array.isArray(live) ? LIVE_LIST : -1;
    if (shape < 0) return;
  }
  const scan = dn !== null && scansBlock(dn);
  const keys = dn !== null && !scan ? dn.fKeys : NO_KEYS;
  const rows = dn !== null && !scan ? dn.fRows : NO_ROWS;
  let hint = 0;
  for (const key in fs) {
    const c = key.charCodeAt(0);
    if (c !== 102 /* f */ && c !== 107 /* k */ && c !== 118 /* v */) continue;
    // Where the key sits in dn: a row of its block (scan) or an index into fKeys.
    let at = -1;
    let flags = 0;
    if (scan) {
      at = blockRowOf(dn, key);
      if (at >= 0) flags = blockRowFlags(dn, at);
    } else if (keys.length > 0) {
      at = findField(keys, key, hint);
      if (at >= 0) {
        hint = at + 1;
        flags = rows[2 * at] as number;
      }
    }
    if (at >= 0) {
      // f: a field the manifest sets, with nothing below it that could be owned separately: its
      // owner is not news (the comparison already checked its value). v: a member the manifest
      // lists. Neither depends on the live value.
      if (c === 102 && (flags & (F_SOFT | F_WALK)) === 0) continue;
      if (c === 118 && dn !== null && dn.kind === K_SET) continue;
    }
    if (shape === UNRESOLVED) {
      // As if the parent had looked the value up before coming down: absent, nothing to walk.
      live = (holder as Record<string, unknown>)[lazyName as string];
      shape = isRecord(live) ? LIVE_MAP : Array.isArray(live) ? LIVE_LIST : -1;
      if (shape < 0) return;
    }
    if (c === 102 /* f */) {
      if (shape !== LIVE_MAP) continue;
      const liveMap = live as Record<string, unknown>;
      const kid = at >= 0 && dn !== null && (dn.kind === K_MAP || dn.kind === K_ATOMIC_MAP) ? kidAt(dn, scan, rows, at) : undefined;
      const sub = fs[key];
      const name = kid !== undefined ? kid.name : fieldName(key);
      if (zone !== Z_OTHER && skipped(zone, name)) continue;
      if (kid !== undefined && !kid.soft) {
        // A fieldset with no children below (only `.`) walks to nothing.
        if (typeof sub === 'object' && sub !== null) {
          w.segs.push(name);
          walk(sub as Record<string, unknown>, kid, liveMap, name, nextZone(zone, name), w);
          w.segs.pop();
        }
        continue;
      }
      const lv = liveMap[name];
      if (lv === undefined || lv === null) continue;
      w.segs.push(name);
      candidate(sub, kid ?? null, lv, nextZone(zone, name), false, w, lv === '' && dn !== null && dn.freeForm);
      w.segs.pop();
    } else if (c === 107 /* k */) {
      if (shape !== LIVE_LIST) continue;
      const arr = live as unknown[];
      const listNode = dn !== null && dn.kind === K_LIST_MAP ? dn : null;
      let elem = at >= 0 && listNode !== null ? kidAt(listNode, scan, rows, at) : undefined;
      let j = -1;
      let seg: PathSegment | undefined;
      if (elem !== undefined && listNode !== null && elem.ownKey !== null) {
        j = elem.index >= 0 ? findElement(arr, listNode, elem.index, elem.index) : -1;
      } else {
        const keyObj = parseKey(key).value;
        if (!isRecord(keyObj)) continue;
        if (listNode !== null) elem = elementByKeyObject(listNode, keyObj);
        j = findLiveByKeyObject(arr, keyObj);
        seg = selectorFromKey(keyObj, listNode?.keys ?? NO_KEYS);
      }
      if (j < 0) continue;
      const le = arr[j];
      const sub = fs[key];
      if (elem !== undefined && !elem.soft && !(listNode?.dup[elem.index] ?? false)) {
        if (typeof sub === 'object' && sub !== null) {
          w.segs.push(elem.seg as PathSegment);
          walk(sub as Record<string, unknown>, elem, le, null, Z_OTHER, w);
          w.segs.pop();
        }
        continue;
      }
      if (elem !== undefined) seg = elem.seg;
      if (seg === undefined) continue;
      w.segs.push(seg);
      candidate(sub, elem ?? null, le, Z_OTHER, true, w);
      w.segs.pop();
    } else {
      if (shape !== LIVE_LIST) continue;
      const value = parseKey(key).value;
      if (!isScalar(value) || !(live as unknown[]).includes(value)) continue;
      w.segs.push({ value });
      candidate(fs[key], null, value, Z_OTHER, true, w);
      w.segs.pop();
    }
  }
}

/** `mapValue`: lv is an empty string under a map of strings (a label, a selector's), kept as written. */
function candidate(sub: unknown, soft: DNode | null, lv: unknown, zone: number, isElement: boolean, w: FieldsetWalk, mapValue = false): void {
  // An empty value is mostly the API saying nothing (omitempty), but not where it stands in for a
  // non-empty default (revisionHistoryLimit: 0 against 10, enableServiceLinks: false against true):
  // the server would have written the default, so somebody chose it.
  if (isEmptyValue(lv) && !mapValue && !(soft !== null && soft.kind === K_SCALAR && !isEmptyValue(soft.value) && typeof lv !== 'object')) return;
  // A list element owned as a whole ("." present) is reported as one element; a struct or map is
  // reported field by field, since other managers may own its other fields.
  const wholeElement = isElement && isRecord(sub) && '.' in sub;
  if (!wholeElement && hasChildren(sub) && (isRecord(lv) || Array.isArray(lv))) {
    walk(sub, soft, lv, null, zone, w);
    return;
  }
  // A leaf on a map or struct owns the whole value only when it is atomic. On a granular one it
  // records that the manager wrote it empty (`annotations: {}`); its keys belong to whoever set them.
  if (isRecord(lv) && !hasChildren(sub) && !(soft !== null && soft.kind === K_ATOMIC_MAP)) return;
  if (soft !== null && equalsNode(soft, lv)) return;
  const segs = w.segs.slice();
  if (isServerPopulated(w.kind, segs, lv)) return;
  const op = w.mode === 'removed' ? 'removed' : soft !== null ? 'changed' : 'added';
  if (w.manager === null) w.manager = managerRef(w.entry);
  const change: RawChange = { op, segs, desired: soft !== null ? deepFreeze(soft.value) : undefined, live: lv, manager: w.manager };
  w.out.push(change);
}
