/**
 * The desired manifest compiled once per revision into a tree that the hot path only walks:
 * every node knows its schema semantics, its path, its canonical quantity, the keys of its list
 * elements and the exact managedFields key strings (`f:name`, `k:{...}`, `v:...`) it answers to.
 */
import { formatPath, type KeySelector, type PathSegment } from './path';
import { canonicalQuantityCached } from './quantity';
import { childSchema, type SchemaNode } from './schema';
import { effectiveListSemantics, isQuantityPosition, objectMetaSchema } from './list-keys';
import { isEmptyValue, isRecord } from './normalize';
import type { SoftMarks } from './defaults';
import type { Scalar } from './types';

export const K_SCALAR = 0;
export const K_MAP = 1;
export const K_LIST_MAP = 2;
export const K_SET = 3;
export const K_UNORDERED = 4;
export const K_ATOMIC = 5;
export const K_ATOMIC_MAP = 6;

export const S_PLAIN = 0;
export const S_QUANTITY = 1;
export const S_SECRET = 2;

// Shared empties for the many nodes that are not lists; compileList gives lists their own arrays.
const NO_NODES: DNode[] = [];
const NO_STRINGS: string[] = [];
const NO_SCALARS: Array<Scalar | undefined> = [];
const NO_KEYS: Array<Array<Scalar | undefined>> = [];
const NO_FLAGS: boolean[] = [];
const NO_ROW: unknown[] = [];

/** fIndex flags: the kid is a default; the kid is a map, keyed list or set (owned fields may sit below it). */
export const F_SOFT = 1;
export const F_WALK = 2;
/** Never equal to a live value. */
export const NOT_FAST: unknown = Object.freeze({});

/**
 * The layout of one compiled tree for the walk: every map (K_MAP) and keyed list (K_LIST_MAP) as
 * one block in a single array, blocks in depth-first order. Comparing a tree then reads mostly
 * consecutive memory instead of a node object and several arrays per map and list, which is what
 * bounded it on large clusters (the desired trees of thousands of objects do not stay in the CPU
 * caches). Nodes are touched only to report at them.
 *
 * Every block starts [node, end, kind]. A map block continues with one row per kid:
 * [name, value, `f:<name>`, tag, ref] — value is the kid's scalar (NOT_FAST for others), so an
 * equal live scalar is passed over on the row alone. A keyed-list block continues with the number
 * of key fields k, the k key names and their k defaults, then one row per element:
 * [`k:{...}`, tag, ref, ...its k key values]. ref is the kid's block when the tag has T_BLOCK,
 * else the kid node. Atomic lists and maps of plain scalars (args, selectors, nodeSelector) have
 * a block too, for the equal case: [..., count, values...] and [..., count, names..., values...].
 */
export const B_NODE = 0;
export const B_END = 1;
export const B_KIND = 2;
export const MAP_ROWS = 3;
export const MAP_ROW = 5;
export const R_VALUE = 1;
export const R_FKEY = 2;
export const R_TAG = 3;
export const R_REF = 4;
export const L_NKEYS = 3;
export const L_KEYS = 4;
export const E_TAG = 1;
export const E_REF = 2;
export const E_VALS = 3;
/** Tags: a default; ref is a block; the field-set walk goes on below (maps); an ambiguous duplicate (lists). */
export const T_SOFT = 1;
export const T_BLOCK = 2;
export const T_WALK = 4;
export const T_DUP = 8;

export const A_COUNT = 3;
export const A_ITEMS = 4;

function plainScalars(kids: ReadonlyArray<DNode>): boolean {
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i] as DNode;
    if (k.kind !== K_SCALAR || k.scalar !== S_PLAIN) return false;
  }
  return true;
}

/** The node a row's ref names: its block's node when the tag has T_BLOCK, else the ref itself. */
export function refNode(prog: readonly unknown[], tag: number, ref: unknown): DNode {
  return (tag & T_BLOCK) !== 0 ? (prog[(ref as number) + B_NODE] as DNode) : (ref as DNode);
}

/** Below these a managedFields walk goes on (T_WALK in blocks, F_WALK in field indexes). */
function walksBelow(n: DNode): boolean {
  return n.kind === K_MAP || n.kind === K_LIST_MAP || n.kind === K_SET;
}

function hasBlock(n: DNode): boolean {
  if (n.kind === K_MAP || n.kind === K_LIST_MAP) return true;
  return (n.kind === K_ATOMIC || n.kind === K_ATOMIC_MAP) && plainScalars(n.kids);
}

export function layoutBlocks(root: DNode): void {
  const prog: unknown[] = [];
  place(root, prog);
}

function place(n: DNode, prog: unknown[]): void {
  const kids = n.kids;
  if (!hasBlock(n)) {
    for (let i = 0; i < kids.length; i++) place(kids[i] as DNode, prog);
    return;
  }
  const at = prog.length;
  n.prog = prog;
  n.at = at;
  if (n.kind === K_ATOMIC || n.kind === K_ATOMIC_MAP) {
    const named = n.kind === K_ATOMIC_MAP;
    prog.push(n, at + A_ITEMS + (named ? 2 : 1) * kids.length, n.kind, kids.length);
    if (named) for (let i = 0; i < kids.length; i++) prog.push((kids[i] as DNode).name);
    for (let i = 0; i < kids.length; i++) prog.push((kids[i] as DNode).value);
    return;
  }
  if (n.kind === K_MAP) {
    prog.push(n, at + MAP_ROWS + MAP_ROW * kids.length, K_MAP);
    for (let i = 0; i < kids.length; i++) {
      const kid = kids[i] as DNode;
      prog.push(kid.name, kid.kind === K_SCALAR ? kid.value : NOT_FAST, fKey(kid.name), 0, null);
    }
    for (let i = 0; i < kids.length; i++) {
      const kid = kids[i] as DNode;
      place(kid, prog);
      const row = at + MAP_ROWS + MAP_ROW * i;
      // place() gave the kid a block of this layout, or left it without one.
      const block = kid.prog === prog;
      prog[row + R_TAG] = (kid.soft ? T_SOFT : 0) | (block ? T_BLOCK : 0) | (walksBelow(kid) ? T_WALK : 0);
      prog[row + R_REF] = block ? kid.at : kid;
    }
    return;
  }
  const nk = n.keys.length;
  const rows = at + L_KEYS + 2 * nk;
  const stride = E_VALS + nk;
  prog.push(n, rows + stride * kids.length, K_LIST_MAP, nk);
  for (let k = 0; k < nk; k++) prog.push(n.keys[k]);
  for (let k = 0; k < nk; k++) prog.push(n.keyDefaults[k]);
  for (let i = 0; i < kids.length; i++) {
    prog.push((kids[i] as DNode).kKey, 0, null);
    const vals = n.keyVals[i];
    for (let k = 0; k < nk; k++) prog.push(vals?.[k]);
  }
  for (let i = 0; i < kids.length; i++) {
    const e = kids[i] as DNode;
    place(e, prog);
    const row = rows + stride * i;
    const block = e.prog === prog;
    prog[row + E_TAG] = (e.soft ? T_SOFT : 0) | (block ? T_BLOCK : 0) | (n.dup[i] === true ? T_DUP : 0);
    prog[row + E_REF] = block ? e.at : e;
  }
}

export class DNode {
  // Fields the comparison reads on every event come first: V8 lays fields out in this order, and
  // the walk then touches one or two cache lines per node.
  kind = K_SCALAR;
  /** Put there by defaults, not by the manifest. */
  soft = false;
  /** Must be found in live: explicit and not absent-equivalent (somewhere below, for containers). */
  needed = false;
  /** Field name under the parent map ('' for list elements and the root). */
  name = '';
  /**
   * On maps, keyed lists and atomic lists and maps of plain scalars: the tree's layout (see
   * layoutBlocks) and where this node's block starts. The walk reads blocks, not these nodes: a
   * node is touched only to report at it.
   */
  prog: unknown[] = NO_ROW;
  at = 0;
  kids: DNode[] = NO_NODES;
  /** On an element of a keyed list: its managedFields key (`k:{...}`), interned. */
  kKey = '';
  /** Desired value after normalisation and defaults. */
  value: unknown = undefined;
  scalar = S_PLAIN;
  canon: string | undefined = undefined;
  keys: string[] = NO_STRINGS;
  keyDefaults: Array<Scalar | undefined> = NO_SCALARS;
  /** Per element: key values (defaults applied). */
  keyVals: Array<Array<Scalar | undefined>> = NO_KEYS;
  /** Per element: another element has the same key (ambiguous manifest). */
  dup: boolean[] = NO_FLAGS;
  /** On an element of a keyed list: its key values. */
  ownKey: Array<Scalar | undefined> | null = null;
  /** On an element of a keyed list: its position in the manifest's list. */
  index = -1;
  /**
   * On a map of strings with keys of the user's choosing (labels, a selector, a ConfigMap's data):
   * an empty string there is a value the API keeps, not an omitted field.
   */
  freeForm = false;
  /** This node's own path segment under its parent (the root has none). */
  readonly seg: PathSegment | undefined;
  private readonly parent: DNode | null;
  private segsCache: PathSegment[] | null = null;
  private byNameCache: Map<string, DNode> | null = null;
  private explicitCache: unknown = undefined;
  private explicitDone = false;
  private pathText: string | null = null;
  private fIndex: { keys: string[]; rows: unknown[] } | null = null;

  constructor(parent: DNode | null, seg: PathSegment | undefined) {
    this.parent = parent;
    this.seg = seg;
  }

  /**
   * The path from the root. Built on first use: only reports and removal candidates need it, and
   * copying every ancestor's path into every node was a large share of compiling a manifest.
   */
  get segs(): PathSegment[] {
    if (this.segsCache === null) {
      const up = this.parent === null ? [] : this.parent.segs;
      this.segsCache = this.seg === undefined ? up : [...up, this.seg];
    }
    return this.segsCache;
  }

  /** formatPath(segs), computed once: reports at this node name it again on every event. */
  path(): string {
    if (this.pathText === null) this.pathText = formatPath(this.segs);
    return this.pathText;
  }

  /**
   * managedFields keys this node answers to, sorted and interned: `f:<name>` for map children,
   * `k:{...}` for keyed elements, `v:<json>` for set members. managedFields lists keys sorted too,
   * so a walk finds the next key at or just after the previous one. fRows holds [F_* flags, kid]
   * per key. Built on first use: the comparison reads blocks, and most trees never need these.
   */
  get fKeys(): string[] {
    return (this.fIndex ??= fieldIndex(this)).keys;
  }

  get fRows(): unknown[] {
    return (this.fIndex ??= fieldIndex(this)).rows;
  }

  /** The map child of that name (built on first use: the hot path reads `all`/`hard` instead). */
  kidByName(name: string): DNode | undefined {
    if (this.kind !== K_MAP && this.kind !== K_ATOMIC_MAP) return undefined;
    if (this.byNameCache === null) {
      const m = new Map<string, DNode>();
      for (const k of this.kids) m.set(k.name, k);
      this.byNameCache = m;
    }
    return this.byNameCache.get(name);
  }

  /** The manifest's own value here, without defaults (what a user wrote). */
  explicit(): unknown {
    if (this.explicitDone) return this.explicitCache;
    let v: unknown;
    if (this.kind === K_MAP || this.kind === K_ATOMIC_MAP) {
      const o: Record<string, unknown> = {};
      for (const k of this.kids) if (!k.soft) o[k.name] = k.explicit();
      v = o;
    } else if (this.kind === K_SCALAR) v = this.value;
    else v = this.kids.filter((k) => !k.soft).map((k) => k.explicit());
    // Shared by every report that shows it.
    if (typeof v === 'object' && v !== null) Object.freeze(v);
    this.explicitCache = v;
    this.explicitDone = true;
    return v;
  }
}

/**
 * The string table's copy of a string. Property names of parsed JSON are interned (and short string
 * values), so strings compared with === against interned copies are compared by identity; equal
 * content is equal either way, this only makes it cheaper.
 */
export function intern(s: string): string {
  let hit = internTable.get(s);
  if (hit === undefined) {
    hit = internSlow(s);
    // Bounded: names and values of every manifest pass through here; a cleared table only makes
    // the next lookups slower, never wrong.
    if (internTable.size >= INTERN_TABLE_LIMIT) internTable.clear();
    internTable.set(hit, hit);
  }
  return hit;
}

/**
 * A property key is stored interned: reading it back gives the string table's copy. The object has
 * no prototype, which V8 keeps as a dictionary: a `{}` would take a new hidden class for every
 * distinct name, each kept as a transition of the empty object's (35,000 names at a 15,000-object
 * start-up), and `__proto__` would set its prototype instead of naming a key. Measured on 35,000
 * names: 44-49 ms against 93-100 ms, and 13-14 ms against 64-75 ms for names seen before.
 */
function internSlow(s: string): string {
  const o: Record<string, number> = Object.create(null) as Record<string, number>;
  o[s] = 0;
  for (const k in o) return k;
  return s;
}

const INTERN_TABLE_LIMIT = 100_000;
/** Longest desired string value interned (see compileValue). */
const INTERN_MAX_CHARS = 256;
const internTable = new Map<string, string>();
const F_KEY_TABLE_LIMIT = 4096;
/** `f:<name>` per field name: the same few names recur in every manifest and every live object. */
const fKeyTable = new Map<string, string>();

/** The managedFields key of a map field, `f:<name>`, interned (compared by identity). */
export function fKey(name: string): string {
  let k = fKeyTable.get(name);
  if (k === undefined) {
    k = intern(`f:${name}`);
    if (fKeyTable.size >= F_KEY_TABLE_LIMIT) fKeyTable.clear();
    fKeyTable.set(name, k);
  }
  return k;
}

/** fKeys/fRows of a node, from its kids (of duplicate keys the last kid, as the API server keeps). */
function fieldIndex(n: DNode): { keys: string[]; rows: unknown[] } {
  const byKey = new Map<string, DNode>();
  for (const kid of n.kids) {
    if (n.kind === K_MAP || n.kind === K_ATOMIC_MAP) byKey.set(fKey(kid.name), kid);
    else if (n.kind === K_LIST_MAP) byKey.set(kid.kKey, kid);
    else if (n.kind === K_SET && isScalar(kid.value)) byKey.set(intern(`v:${JSON.stringify(kid.value)}`), kid);
  }
  if (byKey.size === 0) return { keys: NO_STRINGS, rows: NO_ROW };
  const keys = [...byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rows: unknown[] = [];
  for (const key of keys) {
    const kid = byKey.get(key) as DNode;
    rows.push((kid.soft ? F_SOFT : 0) | (walksBelow(kid) ? F_WALK : 0), kid);
  }
  return { keys, rows };
}

/**
 * The cluster's schema (primary) next to the built-in table (fallback): the cluster's wins, except
 * where the table records how the API really behaves (tolerations appended by admission, lists
 * the HPA controller reorders).
 */
export interface SchemaPair {
  readonly p: SchemaNode | undefined;
  readonly f: SchemaNode | undefined;
}

export const NO_SCHEMA: SchemaPair = { p: undefined, f: undefined };

function childPair(s: SchemaPair, key: string): SchemaPair {
  const p = childSchema(s.p, key);
  const f = childSchema(s.f, key);
  return p === undefined && f === undefined ? NO_SCHEMA : { p, f };
}

function itemsPair(s: SchemaPair): SchemaPair {
  const p = s.p?.items;
  const f = s.f?.items;
  return p === undefined && f === undefined ? NO_SCHEMA : { p, f };
}

function isAtomicMap(s: SchemaPair): boolean {
  const pm = s.p?.['x-kubernetes-map-type'];
  return pm === 'atomic' || (pm === undefined && s.f?.['x-kubernetes-map-type'] === 'atomic');
}

export interface CompileContext {
  marks: SoftMarks;
  secret: boolean;
  warnings: string[];
  /** Scalar strings into the shared string table (see below); not for a tree compared only once. */
  internValues: boolean;
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** managedFields key of a keyed element: sorted keys, compact JSON, as structured-merge-diff writes it. */
export function kKeyString(keys: ReadonlyArray<string>, vals: ReadonlyArray<Scalar | undefined>): string {
  const pairs: Array<[string, Scalar]> = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = vals[i];
    if (k !== undefined && v !== undefined) pairs.push([k, v]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let s = 'k:{';
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i];
    if (p === undefined) continue;
    if (i > 0) s += ',';
    s += `${JSON.stringify(p[0])}:${JSON.stringify(p[1])}`;
  }
  return `${s}}`;
}

export function keySelector(keys: ReadonlyArray<string>, vals: ReadonlyArray<Scalar | undefined>): KeySelector {
  const out: Array<readonly [string, Scalar]> = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = vals[i];
    if (k !== undefined && v !== undefined) out.push([k, v]);
  }
  return { keys: out };
}

/** Selector of an element of a set of objects (tolerations): its scalar fields. */
function objectSelector(e: Record<string, unknown>): KeySelector {
  const out: Array<readonly [string, Scalar]> = [];
  for (const k of Object.keys(e)) {
    const v = e[k];
    if (isScalar(v)) out.push([k, v]);
  }
  return { keys: out };
}

function compileMap(
  n: DNode,
  value: Record<string, unknown>,
  schema: SchemaPair,
  atomic: boolean,
  cx: CompileContext,
  isRoot: boolean,
): void {
  n.kind = atomic ? K_ATOMIC_MAP : K_MAP;
  n.freeForm = isStringMap(schema);
  const kids: DNode[] = [];
  let needed = false;
  for (const key of Object.keys(value)) {
    // Compared by the caller: a version difference is a warning, and items of a list response
    // carry no kind at all.
    if (isRoot && (key === 'apiVersion' || key === 'kind')) continue;
    const v = value[key];
    if (v === undefined || v === null) continue;
    let cs = childPair(schema, key);
    if (isRoot && key === 'metadata' && cs.f === undefined) cs = { p: cs.p, f: objectMetaSchema };
    // Keys from Object.keys are already the string table's copies.
    const kid = compileValue(v, cs, n, key, key, n.name, n.soft || cx.marks.isSoft(value, key), atomic, cx);
    kids.push(kid);
    if (kid.needed) needed = true;
  }
  n.kids = kids;
  n.needed = !n.soft && (atomic ? needed || !isEmptyValue(value) : needed);
}

/** A map of strings under keys of the user's choosing (`additionalProperties` of type string, no declared fields). */
function isStringMap(s: SchemaPair): boolean {
  return isStringMapSchema(s.p) || (s.p?.properties === undefined && isStringMapSchema(s.f));
}

function isStringMapSchema(s: SchemaNode | undefined): boolean {
  const values = s?.additionalProperties;
  return s !== undefined && s.properties === undefined && typeof values === 'object' && values.type === 'string';
}

function compileList(
  n: DNode,
  value: unknown[],
  schema: SchemaPair,
  field: string,
  atomicParent: boolean,
  cx: CompileContext,
): void {
  const sem = effectiveListSemantics(field, atomicParent ? ATOMIC_LIST : schema.p, atomicParent ? undefined : schema.f, value);
  const itemSchema = itemsPair(schema);
  const kids: DNode[] = [];
  let needed = false;
  if (sem.kind === 'map') {
    n.kind = K_LIST_MAP;
    n.keys = sem.keys;
    n.keyDefaults = sem.keyDefaults;
    n.keyVals = [];
    n.dup = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < value.length; i++) {
      const e = value[i];
      const vals: Array<Scalar | undefined> = sem.keys.map((k, j) => {
        const kv = isRecord(e) ? e[k] : undefined;
        return isScalar(kv) ? kv : sem.keyDefaults[j];
      });
      const sel = keySelector(sem.keys, vals);
      const kid = compileValue(e, itemSchema, n, sel, '', field, n.soft, false, cx);
      const fk = kKeyString(sem.keys, vals);
      const prev = seen.get(fk);
      n.dup.push(false);
      if (prev !== undefined) {
        n.dup[prev] = true;
        n.dup[i] = true;
        cx.warnings.push(
          `${formatPath(n.segs)} has more than one element with ${formatPath([sel]).slice(1, -1)}; ` +
            'an apply that merges keeps one of them, so the manifest is ambiguous (compared in order only where live has as many)',
        );
      } else seen.set(fk, i);
      kid.ownKey = vals;
      kid.index = i;
      kid.kKey = intern(fk);
      n.keyVals.push(vals);
      kids.push(kid);
      if (kid.needed) needed = true;
    }
  } else if (sem.kind === 'set') {
    n.kind = K_SET;
    for (const e of value) {
      const seg: PathSegment = isScalar(e) ? { value: e } : isRecord(e) ? objectSelector(e) : kids.length;
      const kid = compileValue(e, itemSchema, n, seg, '', field, n.soft, false, cx);
      kids.push(kid);
      if (kid.needed) needed = true;
    }
  } else {
    n.kind = sem.kind === 'unordered' ? K_UNORDERED : K_ATOMIC;
    for (let i = 0; i < value.length; i++) {
      const kid = compileValue(value[i], itemSchema, n, i, '', field, n.soft, atomicParent, cx);
      kids.push(kid);
    }
  }
  n.kids = kids;
  n.needed = !n.soft && (n.kind === K_LIST_MAP || n.kind === K_SET ? needed : !isEmptyValue(value));
}

const ATOMIC_LIST: SchemaNode = { 'x-kubernetes-list-type': 'atomic' };

export function compileValue(
  value: unknown,
  schema: SchemaPair,
  parent: DNode | null,
  seg: PathSegment | undefined,
  field: string,
  parentField: string | undefined,
  soft: boolean,
  atomic: boolean,
  cx: CompileContext,
  isRoot = false,
): DNode {
  const n = new DNode(parent, seg);
  n.value = value;
  n.soft = soft;
  n.name = field;
  if (Array.isArray(value)) {
    compileList(n, value, schema, field, atomic, cx);
    return n;
  }
  if (isRecord(value)) {
    compileMap(n, value, schema, atomic || isAtomicMap(schema), cx, isRoot);
    if (isRoot) layoutBlocks(n);
    return n;
  }
  n.kind = K_SCALAR;
  if (cx.secret && parent !== null && parent.seg === 'data' && parent.segs.length === 1) {
    // Never into the shared string table below, where a Secret's value would outlive its manifest.
    n.scalar = S_SECRET;
  } else {
    // JSON.parse interns short string values (V8: up to 10 characters): an interned copy here
    // makes the common equal case an identity check and a different short value a cheap mismatch.
    // Longer live strings are never interned, but the interned copy of ours is flat and shared: a
    // manifest built in code holds concatenated strings, each comparison of which would first
    // follow the concatenation's pointers, and many manifests repeat the same images and names.
    // Not large values (scripts, certificates in ConfigMaps): the table would keep them alive.
    if (cx.internValues && typeof value === 'string' && value.length <= INTERN_MAX_CHARS) n.value = intern(value);
    if (isQuantityPosition(parentField, schema.p, schema.f)) {
      const c = canonicalQuantityCached(value);
      if (c !== undefined) {
        n.scalar = S_QUANTITY;
        n.canon = c;
      }
    }
  }
  n.needed = !soft && (!isEmptyValue(value) || keptEmpty(value, schema, parent));
  return n;
}

/**
 * An empty scalar the API keeps as written, so that it must be found live: `""` in a map of
 * strings (DNode.freeForm), and false or 0 on the pointers only the built-in table marks (see
 * SchemaNode's `x-driftwatch-keeps-empty`).
 */
function keptEmpty(value: unknown, schema: SchemaPair, parent: DNode | null): boolean {
  if (value === '') return parent !== null && parent.freeForm;
  return (value === false || value === 0) && schema.f?.['x-driftwatch-keeps-empty'] === true;
}
