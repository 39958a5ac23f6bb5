/**
 * Desired vs live as YAML text diffs: what the object page's split and unified views show.
 * Secret values arrive redacted (`{redacted: true, sha256}`) and are printed as a placeholder that
 * still tells two different values apart, never a value. Only a core Secret's markers are read so:
 * any other object's field of that shape is cluster data, shown as it is.
 */
import { stringify } from 'yaml';
import { isCoreSecret } from '../drift/core-secret';
import { isKeySelector, isSetValue, parsePath, type PathSegment } from '../drift/path';

export interface RedactionMarker {
  redacted: true;
  sha256?: string;
}

/** The marker's shape only: whether one can be a marker at all is `holdsRedactedValues`' question. */
export function isRedacted(v: unknown): v is RedactionMarker {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as Record<string, unknown>).redacted === true;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object's API group (empty for the core group) and kind. */
export interface ObjectKind {
  group: string;
  kind: string;
}

/**
 * The server redacts core Secrets only (lib/drift/display.ts, lib/store/values.ts): anywhere
 * else a `{redacted: true}` map was written by someone in the cluster and is not a marker.
 */
export const holdsRedactedValues = (o: ObjectKind): boolean => o.group === '' && o.kind === 'Secret';

/**
 * Whether a change's value can hold markers. Its object's kind unknown: only at the paths where a
 * core Secret's values are (lib/store/values.ts isSecretValuePath), so that another kind's
 * `spec.audit: {redacted: true}` still shows as the data it is.
 */
export function changeMayBeRedacted(owner: ObjectKind | undefined, path: string): boolean {
  if (owner) return holdsRedactedValues(owner);
  return path === '' || /^(data|stringData)(?:$|[.[])/.test(path) || /^metadata(?:$|\.annotations(?:$|[.[]))/.test(path);
}

const hiddenWithHash = (m: RedactionMarker) => `(value hidden${m.sha256 ? `, sha256 ${m.sha256}` : ''})`;

/** Replaces redaction markers by a readable placeholder: for values `holdsRedactedValues` vouches for. */
export function withPlaceholders(v: unknown, placeholder: (m: RedactionMarker) => string = hiddenWithHash): unknown {
  if (isRedacted(v)) return placeholder(v);
  if (Array.isArray(v)) return v.map((x) => withPlaceholders(x, placeholder));
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = withPlaceholders(x, placeholder);
    return out;
  }
  return v;
}

/**
 * A change's value as one line of text (the field list's Desired and Live cells). `redacted`:
 * the value may hold markers (changeMayBeRedacted), which then read as hidden.
 */
export function changeValueText(v: unknown, redacted: boolean): string {
  if (v === undefined) return '—';
  if (redacted && isRedacted(v)) return 'changed (value hidden)';
  if (typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(redacted ? withPlaceholders(v, () => '(value hidden)') : v);
}

/** Removes the value at a path (map keys and keyed/indexed list elements); returns a copy. */
export function removePath(obj: unknown, segs: readonly PathSegment[]): unknown {
  if (segs.length === 0) return undefined;
  const [head, ...rest] = segs;
  if (typeof head === 'string' && isRecord(obj)) {
    if (!(head in obj)) return obj;
    const out = { ...obj };
    if (rest.length === 0) delete out[head];
    else out[head] = removePath(obj[head], rest);
    return out;
  }
  if (Array.isArray(obj) && head !== undefined) {
    const idx = obj.findIndex((el, i) => elementMatches(el, i, head));
    if (idx < 0) return obj;
    const out = [...obj];
    if (rest.length === 0) out.splice(idx, 1);
    else out[idx] = removePath(obj[idx], rest);
    return out;
  }
  return obj;
}

/**
 * List keys the API server defaults, which the engine's paths name with their default
 * (`ports[port=80,protocol=TCP]`) while a manifest usually leaves them out.
 */
const LIST_KEY_DEFAULTS: Readonly<Record<string, string>> = { protocol: 'TCP' };

function elementMatches(el: unknown, i: number, seg: PathSegment): boolean {
  if (typeof seg === 'number') return i === seg;
  if (isKeySelector(seg)) return isRecord(el) && seg.keys.every(([k, v]) => String(k in el ? el[k] : LIST_KEY_DEFAULTS[k]) === String(v));
  if (isSetValue(seg)) return el === seg.value;
  return false;
}

function safeParse(path: string): PathSegment[] | undefined {
  try {
    return parsePath(path);
  } catch {
    return undefined;
  }
}

/**
 * Paths in an order that removes each what it names: of two list indexes under the same parent,
 * the higher first (removing `args[1]` first would move the element `args[2]` names).
 */
function removalOrder(a: readonly PathSegment[], b: readonly PathSegment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return y - x;
      continue;
    }
    // Any consistent order for the rest: only indexes under one parent depend on it.
    const [u, v] = [JSON.stringify(x), JSON.stringify(y)];
    if (u !== v) return u < v ? -1 : 1;
  }
  return a.length - b.length;
}

export function removePaths(obj: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  let out: unknown = obj;
  const parsed = paths.map(safeParse).filter((s): s is PathSegment[] => s !== undefined);
  for (const segs of parsed.sort(removalOrder)) out = removePath(out, segs);
  return isRecord(out) ? out : {};
}

/** Field names along a path, list selectors dropped: a loose key for "is this under a change". */
const fieldKey = (segs: readonly PathSegment[]) => segs.filter((s): s is string => typeof s === 'string').join('\u0000');

const LIST_KEYS = ['name', 'containerPort', 'port', 'mountPath', 'devicePath', 'key', 'ip', 'type', 'topologyKey'];

function matchElement(el: unknown, desired: unknown[], i: number): unknown {
  if (isRecord(el)) {
    for (const k of LIST_KEYS) {
      if (k in el) {
        const hit = desired.find((d) => isRecord(d) && d[k] === el[k]);
        if (hit !== undefined) return hit;
        if (desired.some((d) => isRecord(d) && k in d)) return undefined;
      }
    }
  }
  return desired[i];
}

/**
 * The live object cut to the shape of the desired one: fields the desired side never mentions
 * (API-server defaults, controller-written fields) go, unless a reported change is at or under
 * them. Map keys follow the desired order so both sides line up.
 */
export function projectLive(live: unknown, desired: unknown, changePaths: readonly string[]): unknown {
  const changed = new Set<string>();
  // Per list (by the field names leading to it): the elements changes name, or the whole list.
  const elements = new Map<string, PathSegment[]>();
  // Changes that end at a field, not at a list element: the whole value there is the change.
  const wholeValues = new Set<string>();
  for (const p of changePaths) {
    const segs = safeParse(p);
    if (!segs) continue;
    const names = segs.filter((s): s is string => typeof s === 'string');
    for (let i = 1; i <= names.length; i++) changed.add(names.slice(0, i).join('\u0000'));
    const at: string[] = [];
    for (const seg of segs) {
      if (typeof seg === 'string') at.push(seg);
      else {
        const list = at.join('\u0000');
        elements.set(list, [...(elements.get(list) ?? []), seg]);
      }
    }
    if (typeof segs.at(-1) === 'string') wholeValues.add(names.join('\u0000'));
  }
  const walk = (l: unknown, d: unknown, at: string[]): unknown => {
    if (isRecord(l) && isRecord(d)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(d)) if (k in l) out[k] = walk(l[k], d[k], [...at, k]);
      for (const k of Object.keys(l)) {
        if (k in d) continue;
        const key = [...at, k].join('\u0000');
        if (wholeValues.has(key)) out[k] = l[k];
        // Only on the way to a change (a label added to labels only live has): the rest of that
        // map is not drift, so it is cut against nothing desired, keeping just the changed keys.
        else if (changed.has(key)) out[k] = walk(l[k], Array.isArray(l[k]) ? [] : {}, [...at, k]);
      }
      return out;
    }
    if (Array.isArray(l) && Array.isArray(d)) {
      const out: unknown[] = [];
      const key = at.join('\u0000');
      l.forEach((el, i) => {
        const match = matchElement(el, d, i);
        if (match !== undefined) out.push(walk(el, match, at));
        // A live-only element shows when a change names it (an added container) or the whole
        // list changed; not because another element of the list drifted (an injected sidecar).
        else if (wholeValues.has(key) || (elements.get(key) ?? []).some((seg) => elementMatches(el, i, seg))) out.push(el);
      });
      return out;
    }
    return l;
  };
  return walk(live, desired, []);
}

/** Desired keys first, in desired order, at every level: aligns the two texts. */
export function orderLike(v: unknown, like: unknown): unknown {
  if (isRecord(v) && isRecord(like)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(like)) if (k in v) out[k] = orderLike(v[k], like[k]);
    for (const k of Object.keys(v)) if (!(k in like)) out[k] = v[k];
    return out;
  }
  if (Array.isArray(v) && Array.isArray(like)) return v.map((el, i) => orderLike(el, matchElement(el, like, i)));
  return v;
}

/** `secret`: the object is a core Secret, whose markers (only its) print as placeholders. */
export function toYaml(obj: unknown, secret = false): string[] {
  if (obj === undefined) return [];
  const shown = secret ? withPlaceholders(obj) : obj;
  const text = stringify(shown, { lineWidth: 0, aliasDuplicateObjects: false });
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export interface DiffInput {
  desired?: { object: Record<string, unknown>; volatilePaths: string[] };
  live?: { object: Record<string, unknown>; volatilePaths: string[] };
  changePaths: readonly string[];
  /** Show volatile fields (status, server metadata) and live-only defaulted fields. */
  showAll: boolean;
  /**
   * Where changes hidden by ignore rules are: left out of both sides, as they are out of the
   * verdict, unless `showIgnored` (then they differ, as the field list shows them).
   */
  ignoredPaths?: readonly string[];
  showIgnored?: boolean;
}

type DiffSide = NonNullable<DiffInput['desired']>;

/**
 * The diff's input from what the object page, a snapshot or an embed has of an object: its sides,
 * the paths of its changes and of those ignore rules hid, and the view's choices.
 */
export function diffInputOf(
  src: { desired?: DiffSide; live?: DiffSide; ignoredPaths?: string[]; changes: ReadonlyArray<{ path: string }> },
  view: { showAll: boolean; showIgnored?: boolean },
): DiffInput {
  return {
    ...(src.desired ? { desired: src.desired } : {}),
    ...(src.live ? { live: src.live } : {}),
    changePaths: src.changes.map((c) => c.path),
    // Out of the diff as they are out of the verdict, unless shown.
    ...(src.ignoredPaths ? { ignoredPaths: src.ignoredPaths } : {}),
    ...(view.showIgnored ? { showIgnored: true } : {}),
    showAll: view.showAll,
  };
}

/**
 * An object that could not be compared and has no live side: that side is unknown, not absent,
 * so there is no diff to lay out (an all-removed one would say "not in the cluster").
 */
export const liveUnknown = (status: string, live: unknown): boolean => status === 'error' && live === undefined;

/**
 * A Secret's desired `stringData` as the API server keeps it: merged into `data` (stringData
 * wins). Its values arrive as redaction markers of the same bytes either way, so an unchanged
 * value lines up with the live `data` entry instead of showing as a desired-only line.
 */
export function foldSecretStringData(obj: Record<string, unknown>): Record<string, unknown> {
  // As the engine's foldStringData (lib/drift/secrets.ts, server-only): a core Secret, apiVersion
  // left out included; null values skipped; `stringData: null` dropped.
  if (obj.kind !== 'Secret' || (obj.apiVersion !== undefined && obj.apiVersion !== 'v1') || !('stringData' in obj)) return obj;
  const { stringData, ...rest } = obj;
  if (!isRecord(stringData)) return stringData === null ? rest : obj;
  const data: Record<string, unknown> = { ...(isRecord(obj.data) ? obj.data : {}) };
  for (const [k, v] of Object.entries(stringData)) if (v !== null && v !== undefined) data[k] = v;
  return { ...rest, data };
}

/** The two texts, both cut and ordered the same way (see DiffInput). */
function sides(input: DiffInput, showAll: boolean): { desired: unknown; live: unknown } {
  const volatile = [...(input.desired?.volatilePaths ?? []), ...(input.live?.volatilePaths ?? [])];
  const hidden = input.showIgnored ? [] : (input.ignoredPaths ?? []);
  let desired: unknown = input.desired ? foldSecretStringData(input.desired.object) : undefined;
  let live: unknown = input.live?.object;
  if (hidden.length > 0) {
    if (isRecord(desired)) desired = removePaths(desired, hidden);
    if (isRecord(live)) live = removePaths(live, hidden);
  }
  if (!showAll) {
    if (isRecord(desired)) desired = removePaths(desired, volatile);
    if (isRecord(live)) live = removePaths(live, volatile);
    // Ignored changes shown are changes too: a live-only field one of them added stays in view.
    const shown = hidden.length === 0 && input.ignoredPaths ? [...input.changePaths, ...input.ignoredPaths] : input.changePaths;
    if (live !== undefined && desired !== undefined) live = projectLive(live, desired, shown);
  }
  if (live !== undefined && desired !== undefined) live = orderLike(live, desired);
  return { desired, live };
}

/** Judged on a side's whole object, as the server judges it: the cut one may have lost apiVersion or kind. */
const isSecretSide = (side: DiffSide | undefined) => side !== undefined && isCoreSecret(side.object);

export function diffTexts(input: DiffInput): { left: string[]; right: string[] } {
  const { desired, live } = sides(input, input.showAll);
  return { left: toYaml(desired, isSecretSide(input.desired)), right: toYaml(live, isSecretSide(input.live)) };
}

/**
 * The line diff of desired and live. With `showAll`, the live lines that only showAll brings in
 * (volatile fields, live-only defaults) are marked `extra`: they are not drift, and must not look
 * like the lines that are.
 */
export function diffObject(input: DiffInput): DiffLine[] {
  const { left, right } = diffTexts(input);
  const lines = diffLines(left, right);
  if (!input.showAll || !input.live) return lines;
  const projected = toYaml(sides(input, false).live, isSecretSide(input.live));
  const extra = new Set<number>();
  for (const l of diffLines(projected, right)) if (l.op === 'add' && l.right !== undefined) extra.add(l.right);
  return lines.map((l) => (l.op === 'add' && l.right !== undefined && extra.has(l.right) ? { ...l, extra: true } : l));
}

// ---- Line diff (Myers, O((N+M)·D)) ----

export type LineOp = 'same' | 'del' | 'add';
export interface DiffLine {
  op: LineOp;
  text: string;
  /** A live-only line that is not drift (a volatile field, a default), shown with showAll. */
  extra?: true;
  /** 1-based line numbers on each side. */
  left?: number;
  right?: number;
}

const MAX_D = 4000;

/** Every line of `a` removed, every line of `b` added. */
const replaceAll = (a: readonly string[], b: readonly string[]): DiffLine[] => [
  ...a.map((text, i) => ({ op: 'del' as const, text, left: i + 1 })),
  ...b.map((text, i) => ({ op: 'add' as const, text, right: i + 1 })),
];

export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  // One side empty (a missing object's live side): nothing to align, and the search below would
  // copy its state at each of n + m steps (10,000 lines: a second and hundreds of MB).
  if (n === 0 || m === 0) return replaceAll(a, b);
  const max = n + m;
  const offset = max + 1;
  let v: Int32Array = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  outer: for (let d = 0; d <= Math.min(max, MAX_D); d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) x = v[offset + k + 1]!;
      else x = v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break outer;
      }
    }
  }
  if (!found) {
    // Too different to be worth aligning: everything removed, everything added.
    return replaceAll(a, b);
  }
  trace.push(v.slice());
  // Backtrack.
  const out: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0; d--) {
    v = trace[d + 1]!;
    const prev = trace[d]!;
    const k = x - y;
    let prevK: number;
    if (k === -d || (k !== d && prev[offset + k - 1]! < prev[offset + k + 1]!)) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : prev[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY && x > 0 && y > 0 && a[x - 1] === b[y - 1]) {
      out.push({ op: 'same', text: a[x - 1]!, left: x, right: y });
      x--;
      y--;
    }
    if (d === 0) break;
    if (x === prevX) out.push({ op: 'add', text: b[y - 1]!, right: y });
    else out.push({ op: 'del', text: a[x - 1]!, left: x });
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    out.push({ op: 'same', text: a[x - 1]!, left: x, right: y });
    x--;
    y--;
  }
  out.reverse();
  return out;
}

// ---- Blocks: changed runs, and unchanged runs that collapse ----

export type DiffBlock =
  | { type: 'lines'; lines: DiffLine[] }
  | { type: 'collapsed'; id: string; lines: DiffLine[] };

/** Unchanged runs longer than 2·context+1 lines fold, keeping `context` lines next to each change. */
export function toBlocks(lines: readonly DiffLine[], context = 3): DiffBlock[] {
  const blocks: DiffBlock[] = [];
  let i = 0;
  let cur: DiffLine[] = [];
  const flush = () => {
    if (cur.length > 0) blocks.push({ type: 'lines', lines: cur });
    cur = [];
  };
  while (i < lines.length) {
    if (lines[i]!.op !== 'same') {
      cur.push(lines[i]!);
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j]!.op === 'same') j++;
    const run = lines.slice(i, j);
    const atStart = i === 0;
    const atEnd = j === lines.length;
    const keepBefore = atStart ? 0 : context;
    const keepAfter = atEnd ? 0 : context;
    if (run.length > keepBefore + keepAfter + 1) {
      cur.push(...run.slice(0, keepBefore));
      flush();
      const hidden = run.slice(keepBefore, run.length - keepAfter);
      blocks.push({ type: 'collapsed', id: `c${hidden[0]!.left ?? 0}-${hidden[0]!.right ?? 0}`, lines: hidden });
      cur.push(...run.slice(run.length - keepAfter));
    } else cur.push(...run);
    i = j;
  }
  flush();
  return blocks;
}

export interface SplitRow {
  left?: DiffLine;
  right?: DiffLine;
}

/** Side by side: unchanged lines on both sides; a removed run beside the added run that follows it. */
export function toSplitRows(lines: readonly DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.op === 'same') {
      rows.push({ left: l, right: l });
      i++;
      continue;
    }
    const dels: DiffLine[] = [];
    const adds: DiffLine[] = [];
    while (i < lines.length && lines[i]!.op === 'del') dels.push(lines[i++]!);
    while (i < lines.length && lines[i]!.op === 'add') adds.push(lines[i++]!);
    for (let r = 0; r < Math.max(dels.length, adds.length); r++) {
      const row: SplitRow = {};
      if (dels[r]) row.left = dels[r];
      if (adds[r]) row.right = adds[r];
      rows.push(row);
    }
  }
  return rows;
}
