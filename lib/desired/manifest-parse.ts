/**
 * One manifest file's text → the Kubernetes objects it declares, each with its line, plus the
 * problems of the documents that could not be used. Pure: no file system, so it is tested on
 * strings and reused for every file the directory source reads.
 *
 * YAML is read the way kubectl reads it (sigs.k8s.io/yaml on go-yaml v2, i.e. YAML 1.1): `0644`
 * is octal 420, and so is `0o644` (go-yaml's integers are Go's: goYamlNumber), `yes`/`on` are
 * booleans, `<<` merges — but timestamps and `12:30` stay strings, because go-yaml keeps them as
 * strings when decoding into untyped JSON. Reading `defaultMode:
 * 0644` as decimal 644 would be a false drift on every such volume. JSON files go through the
 * same parser (JSON is YAML), which gives their errors line numbers too — after a fast path
 * (JSON.parse) for files whose documents are all plain JSON objects, which falls back to the YAML
 * parser for anything it does not read exactly as that parser would.
 */
import { isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type CST, type Document, type ParsedNode, type ScalarTag, type Tags, YAMLError } from 'yaml';
import { isRecord, setOwn } from '../drift/normalize';
import { invalidNameReason, invalidTypeReason, quoteForMessage } from './object-key';
import { parseSimpleYaml } from './simple-yaml';
import type { ManifestProblem } from './types';
import { yamlProblemText } from './yaml-messages';

export interface ParsedManifest {
  /** apiVersion, kind and metadata.name are present and non-empty strings. */
  manifest: Record<string, unknown>;
  /** 1-based line where the object starts (its first key; for List items the item). */
  line: number;
  /** contentHash(manifest), when a parse worker computed it off the server's thread. */
  revision?: string;
  /** Kept from the file's last load because the file has an error now (ManifestDirSource.stale). */
  stale?: string;
}

export interface ParsedFile {
  objects: ParsedManifest[];
  problems: ManifestProblem[];
}

const MAX_LIST_DEPTH = 8;

/**
 * Deeper nesting is reported, not parsed. The YAML parser recurses per level and exhausts the
 * stack at 800–1,000 levels; and after it has once, a second such file has been seen to crash
 * the process outright (a fatal out-of-memory in V8's regular expression compiler). No manifest
 * comes near this.
 */
export const MAX_NESTING = 256;

/**
 * Where a text nests deeper than MAX_NESTING — block levels (indentation, `- ` items) plus flow
 * levels (`[`, `{`) — as a 1-based line, or undefined. An upper bound, never less than the real
 * depth: a literal block's own indentation counts too.
 */
export function tooDeepAt(src: string): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let line = 1;
  let quote = 0;
  for (let i = 0; i < src.length; ) {
    // At a line start: its indentation and the `- ` items it opens.
    let col = 0;
    while (src.charCodeAt(i) === 0x20) {
      i++;
      col++;
    }
    const c = src.charCodeAt(i);
    if (quote === 0 && flow === 0 && c !== 0x0a && c !== 0x23 /* # */ && i < src.length) {
      while (indents.length > 0 && (indents[indents.length - 1] as number) >= col) indents.pop();
      indents.push(col);
      while (src.charCodeAt(i) === 0x2d && src.charCodeAt(i + 1) === 0x20) {
        i += 2;
        col += 2;
        while (src.charCodeAt(i) === 0x20) {
          i++;
          col++;
        }
        indents.push(col);
      }
    }
    // The rest of the line: flow brackets outside quotes and comments.
    for (; i < src.length && src.charCodeAt(i) !== 0x0a; i++) {
      const d = src.charCodeAt(i);
      if (quote !== 0) {
        if (d === 0x5c /* \ */ && quote === 0x22) i++;
        else if (d === quote) quote = 0;
      } else if (d === 0x22 || d === 0x27) quote = d;
      else if (d === 0x23 /* # */ && (i === 0 || src.charCodeAt(i - 1) === 0x20 || src.charCodeAt(i - 1) === 0x0a)) {
        while (i < src.length && src.charCodeAt(i) !== 0x0a) i++;
        break;
      } else if (d === 0x5b || d === 0x7b) flow++;
      else if ((d === 0x5d || d === 0x7d) && flow > 0) flow--;
      if (indents.length + flow > MAX_NESTING) return line;
    }
    if (indents.length + flow > MAX_NESTING) return line;
    // A quote left open at the end of a line: single-quoted and plain YAML may hold apostrophes
    // (`it's`); only a double quote spans lines here.
    if (quote === 0x27) quote = 0;
    i++;
    line++;
  }
  return undefined;
}

const INT_TAG = 'tag:yaml.org,2002:int';
const FLOAT_TAG = 'tag:yaml.org,2002:float';
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** go-yaml's table of words that are floats; the booleans and nulls are the same in both parsers. */
const GO_NON_FINITE: ReadonlyMap<string, number> = new Map([
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Infinity] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, -Infinity] as const),
]);

/** Go's base-0 integer syntax (strconv.ParseInt(s, 0, 64)) without underscores: a lone `0` starts octal. */
const GO_INT = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]*)|([1-9][0-9]*))$/;
/** resolve.go's yamlStyleFloat: decimal only, tried once the integer readings have failed. */
const GO_YAML_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/**
 * A magnitude in int64 (signed) or, unsigned text only, uint64: what ParseInt and then ParseUint
 * take. Digits beyond 64 significant ones are out of range in any base, and never reach BigInt.
 */
function goIntInRange(sign: string, digits: string, prefix: string): number | undefined {
  const significant = digits.replace(/^0+/, '');
  if (significant.length > 64) return undefined;
  const n = significant === '' ? 0n : BigInt(`${prefix}${significant}`);
  if (sign === '-') return n <= INT64_MAX + 1n ? Number(-n) : undefined;
  return n <= INT64_MAX || (sign === '' && n <= UINT64_MAX) ? Number(n) : undefined;
}

/**
 * The number go-yaml v2 (resolve.go, which kubectl reads manifests with through sigs.k8s.io/yaml)
 * makes of a plain scalar, or undefined where it keeps the text as a string. It only tries text
 * starting with a digit, a sign or a dot. From a digit or sign it drops every underscore, then
 * tries Go's strconv.ParseInt(s, 0, 64) and ParseUint — so `0o644`, `0O644`, `0X1F`, `0B101`,
 * `-0o17`, `+0x1F`, legacy `0644` and `1__0` are all integers — then a decimal float, then the
 * rest after a `0b` in base 2 (its own fallback: `0b-1` is -1). From a dot, Go's ParseFloat reads
 * the text as written (underscores only between digits). The `yaml` package's YAML 1.1 types
 * differ on most of these (no `0o`, no capital prefixes, `e3` a float), hence this.
 *
 * A float beyond float64 is a string to go-yaml; `overflow` is what to make of it instead, if
 * anything.
 */
export function goYamlNumber(s: string, overflow?: (negative: boolean) => number): number | undefined {
  const special = GO_NON_FINITE.get(s);
  if (special !== undefined) return special;
  const c = s.charCodeAt(0);
  const tooBig = (f: number): number | undefined => (Number.isFinite(f) ? f : overflow?.(f < 0));
  if (c === 0x2e /* . */) {
    if (/(?<![0-9])_|_(?![0-9])/.test(s)) return undefined;
    const t = s.replace(/_/g, '');
    return /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/.test(t) ? tooBig(Number(t)) : undefined;
  }
  if (!((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d)) return undefined;
  const plain = s.replace(/_/g, '');
  const m = GO_INT.exec(plain);
  if (m !== null) {
    const [, sign = '', hex, oct, bin, legacy, dec = ''] = m;
    let n: number | undefined;
    if (hex !== undefined) n = goIntInRange(sign, hex, '0x');
    else if (oct !== undefined) n = goIntInRange(sign, oct, '0o');
    else if (bin !== undefined) n = goIntInRange(sign, bin, '0b');
    else if (legacy !== undefined) n = goIntInRange(sign, legacy, '0o');
    else n = goIntInRange(sign, dec, '');
    if (n !== undefined) return n;
  }
  // Also what a legacy octal out of range becomes: `02000000000000000000000` is the float 2e21.
  if (GO_YAML_FLOAT.test(plain)) return tooBig(Number(plain));
  // resolve.go's `-0b` fallback reads nothing ParseInt(s, 0, 64) did not: left out.
  const b = plain.startsWith('0b') ? /^([-+]?)([01]+)$/.exec(plain.slice(2)) : null;
  return b === null ? undefined : goIntInRange(b[1] ?? '', b[2] ?? '', '0b');
}

/**
 * Numbers as go-yaml reads them (goYamlNumber), in place of the `yaml` package's YAML 1.1 int and
 * float types. Its test only picks the candidates; what go-yaml keeps as text resolves to that text.
 */
function goNumberTag(overflow?: (negative: boolean) => number): ScalarTag {
  return { tag: INT_TAG, default: true, test: /^[-+.0-9]/, resolve: (s) => goYamlNumber(s, overflow) ?? s };
}

/**
 * go-yaml's scalar types: its numbers; and timestamps, which it keeps as strings when decoding
 * into untyped data.
 */
function kubectlTags(tags: Tags, numbers: ScalarTag): Tags {
  const kept = tags.filter((t) => typeof t === 'string' || !(t.tag === INT_TAG || t.tag === FLOAT_TAG || t.tag === 'tag:yaml.org,2002:timestamp' || t.format === 'TIME'));
  return [...kept, numbers];
}


type KeyPath = ReadonlyArray<string | number>;

/**
 * A key path as field paths are written (`spec.containers[0].image`, `labels["app.kubernetes.io/name"]`):
 * keys that are not plain words quoted, so a key holding a line break cannot break a log line.
 */
function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${quoteForMessage(seg)}]`;
  }
  return out;
}

/** toJson's own refusals: they name a path of keys, never a value; `path` finds the value's line. */
class NotJsonError extends Error {
  constructor(
    readonly path: KeyPath,
    what: string,
  ) {
    super(`${path.length === 0 ? 'value' : formatKeyPath(path)}: ${what} is not representable in JSON`);
  }
}

/** Why a document's conversion failed, without quoting its text (yaml-messages.ts says why). */
function conversionProblem(e: unknown): string {
  if (e instanceof NotJsonError || e instanceof RangeError) return e.message;
  if (e instanceof YAMLError) return yamlProblemText(e);
  return e instanceof Error ? yamlProblemText({ message: e.message }) : 'the document cannot be read';
}

/**
 * JSON-representable copy of what yaml produced: explicit `!!binary`, `!!set`, `!!omap` and
 * `.inf`/`.nan` have no JSON form (kubectl rejects them too).
 */
function toJson(v: unknown, path: KeyPath): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new NotJsonError(path, String(v));
    return v;
  }
  if (Array.isArray(v)) return v.map((e, i) => toJson(e, [...path, i]));
  if (isRecord(v) && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, c] of Object.entries(v)) setOwn(out, k, toJson(c, [...path, k]));
    return out;
  }
  throw new NotJsonError(path, `a ${Object.prototype.toString.call(v).slice(8, -1)}`);
}

/**
 * The node of the value at `path` in a parsed document, for its line; as far down the path as the
 * text follows it (a key that only a merge key `<<` brings in stops at the map that merges it).
 */
function nodeAt(doc: Document.Parsed, path: KeyPath): unknown {
  let node: unknown = doc.contents;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    if (typeof seg === 'number') next = isSeq(node) ? node.items[seg] : undefined;
    // The last of duplicate keys: the one the value came from.
    else if (isMap(node)) next = node.items.findLast((pair) => isScalar(pair.key) && String(pair.key.value) === seg)?.value;
    if (next === undefined || next === null) break;
    node = next;
  }
  return node;
}

function notAString(field: string, value: unknown): string {
  if (typeof value === 'boolean' || typeof value === 'number') return `${field} is read as a ${typeof value}, not a string (YAML reads y, no, on, 0x1F and the like so): quote it`;
  return `${field} is ${Array.isArray(value) ? 'a list' : 'a map'}, not a string`;
}

/** A metadata.name or metadata.namespace the API server would refuse, or undefined. */
function refusedName(field: string, value: string): string | undefined {
  const why = invalidNameReason(value);
  return why === undefined ? undefined : `${field} ${quoteForMessage(value)} is not a name the API server accepts: ${why}`;
}

/** Why a document cannot be used as an object, or undefined when it can. */
export function missingIdentity(obj: Record<string, unknown>): string | undefined {
  const missing: string[] = [];
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') missing.push('apiVersion');
  if (typeof obj.kind !== 'string' || obj.kind === '') missing.push('kind');
  const meta = obj.metadata;
  // A name YAML read as something else (`name: y`, `name: 0x1F`) is there, and kubectl refuses it
  // too: what to do about it is quoting, which "missing" would not say. (The parsed value is not
  // what was written, 0x1F being 31: not echoed.)
  const unquoted = isRecord(meta) && meta.name !== undefined && meta.name !== null && typeof meta.name !== 'string' ? notAString('metadata.name', meta.name) : undefined;
  if (unquoted === undefined && (!isRecord(meta) || typeof meta.name !== 'string' || meta.name === '')) {
    missing.push(isRecord(meta) && typeof meta.generateName === 'string' ? 'metadata.name (generateName cannot be matched to a live object)' : 'metadata.name');
  }
  // Checked here, not left to the key: `x`/`a/b` and `x/a`/`b` would share one key, and a name with
  // a line break would reach the server's log verbatim.
  const badName = unquoted === undefined && isRecord(meta) && typeof meta.name === 'string' && meta.name !== '' ? refusedName('metadata.name', meta.name) : undefined;
  // An empty namespace is none, as kubectl reads it (the default namespace then).
  const ns = isRecord(meta) ? meta.namespace : undefined;
  const badNamespace = ns === undefined || ns === null || ns === '' ? undefined : typeof ns === 'string' ? refusedName('metadata.namespace', ns) : notAString('metadata.namespace', ns);
  const badType = typeof obj.apiVersion === 'string' && obj.apiVersion !== '' && typeof obj.kind === 'string' && obj.kind !== '' ? invalidTypeReason(obj.apiVersion, obj.kind) : undefined;
  const parts = [...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []), ...[badType, unquoted, badName, badNamespace].filter((p): p is string => p !== undefined)];
  return parts.length === 0 ? undefined : parts.join('; ');
}

/**
 * kubectl treats a document as a list when it has an `items` array and its kind is `List` or ends
 * in `List` (DeploymentList, ...), and applies the items.
 */
export function isListDocument(obj: Record<string, unknown>): boolean {
  return Array.isArray(obj.items) && typeof obj.kind === 'string' && obj.kind.endsWith('List');
}

interface Ctx {
  file: string;
  src: string;
  lc: LineCounter;
  out: ParsedFile;
  /** The parser's options for this file (readAsJson). */
  options: typeof SCALAR_OPTIONS;
  /** The file parsed again with its source tokens, once, when a document of it failed (unclosedAt). */
  withTokens?: Array<Document.Parsed<ParsedNode>>;
}

function problem(cx: Ctx, offset: number | undefined, message: string, severity: ManifestProblem['severity'] = 'error'): ManifestProblem {
  const { line, col } = offset === undefined ? { line: 0, col: undefined } : cx.lc.linePos(offset);
  const p: ManifestProblem = col === undefined ? { file: cx.file, line, message, severity } : { file: cx.file, line, column: col, message, severity };
  cx.out.problems.push(p);
  return p;
}

/** A document read in full that declares no object: see ManifestProblem.identity. */
function identityProblem(cx: Ctx, offset: number, message: string): void {
  problem(cx, offset, message).identity = true;
}

type YamlNode = { range?: [number, number, number] | null } | null | undefined;

function startOf(node: unknown): number | undefined {
  const r = (node as YamlNode)?.range;
  return Array.isArray(r) ? r[0] : undefined;
}

/** The YAML node of items[i] under a map node, for its line. */
function itemNode(node: unknown, i: number): unknown {
  if (!isMap(node)) return undefined;
  const items = node.get('items', true);
  return isSeq(items) ? items.items[i] : undefined;
}

/** A List's kind as its items' problems name it: quoted when it holds more than letters and digits. */
function listLabel(kind: string): string {
  return /^[A-Za-z0-9]+$/.test(kind) ? kind : quoteForMessage(kind);
}

/**
 * Whether a problem leaves no doubt that the text around it declares no (other) object: a warning,
 * or an error about one document's identity, whose file loaded its other documents regardless.
 * Every other error — a syntax error, a value JSON cannot hold, a file or List nested too deep —
 * may stand where an object is still declared.
 */
export function hidesNoDocument(p: ManifestProblem): boolean {
  return p.severity === 'warning' || p.identity === true;
}

function addObject(cx: Ctx, value: unknown, node: unknown, fallback: number, what: string, depth: number): void {
  const offset = startOf(node) ?? fallback;
  if (!isRecord(value)) {
    const type = Array.isArray(value) ? 'a list' : typeof value === 'string' ? 'a string' : value === null ? 'null' : `a ${typeof value}`;
    identityProblem(cx, offset, `${what} is ${type}, not a Kubernetes object`);
    return;
  }
  if (isListDocument(value)) {
    if (depth >= MAX_LIST_DEPTH) {
      problem(cx, offset, `${what}: Lists nested deeper than ${MAX_LIST_DEPTH} levels`);
      return;
    }
    const items = value.items as unknown[];
    items.forEach((item, i) => addObject(cx, item, itemNode(node, i), offset, `${listLabel(value.kind as string)} item ${i}`, depth + 1));
    return;
  }
  const missing = missingIdentity(value);
  if (missing !== undefined) {
    identityProblem(cx, offset, `${what}: ${missing}`);
    return;
  }
  cx.out.objects.push({ manifest: value, line: cx.lc.linePos(offset).line });
}

/**
 * An unclosed quote, `[` or `{` is noticed where the parser runs out of places it could end, often
 * lines later (the next document, the end of the file). The construct that ends at the error
 * without its closing character is where the user has to look. Only a failed document gets here,
 * so the file is parsed once more, with the source tokens that tell whether the closer is there.
 */
function unclosedAt(cx: Ctx, index: number, e: YAMLError): { offset: number; what: string; outer: boolean } | undefined {
  if (e.code !== 'BAD_INDENT' && e.code !== 'MISSING_CHAR') return undefined;
  const src = cx.src;
  cx.withTokens ??= parseAllDocuments<ParsedNode>(src, { ...cx.options, keepSourceTokens: true }) as Array<Document.Parsed<ParsedNode>>;
  const doc = cx.withTokens[index];
  if (!doc || !('contents' in doc)) return undefined;
  // A `]` or `}` the parser met where it expected none: the collection was closed on a line not
  // indented enough, and that line, where the parser stopped, is the one to fix.
  if (e.code === 'BAD_INDENT' && doc.errors.some((x) => x.code === 'UNEXPECTED_TOKEN' && /^[\]}]$/.test(src[x.pos[0]] ?? ''))) return undefined;
  let found: { offset: number; what: string; outer: boolean } | undefined;
  visit(doc, (_key, node) => {
    const range = (node as YamlNode)?.range;
    if (!Array.isArray(range) || range[1] !== e.pos[0] || (found && !found.outer && found.offset >= range[0])) return;
    // The document itself (a JSON file's outer braces) opens at its first line, which says little:
    // only blamed when nothing inside it is open.
    const outer = node === doc.contents;
    if (outer && found) return;
    const token = (node as { srcToken?: CST.Token }).srcToken;
    if (isCollection(node) && node.flow && token?.type === 'flow-collection') {
      // Closed but badly indented, or closed right at the end of a file without a newline.
      if (token.end.some((t) => t.type === 'flow-map-end' || t.type === 'flow-seq-end')) return;
      found = { offset: range[0], what: isSeq(node) ? '[' : '{', outer };
    } else if (isScalar(node) && (token?.type === 'double-quoted-scalar' || token?.type === 'single-quoted-scalar')) {
      const quote = token.type === 'double-quoted-scalar' ? '"' : "'";
      if (quoteClosed(token.source, quote)) return;
      found = { offset: range[0], what: quote, outer };
    }
  });
  return found;
}

/**
 * Where to report an error the parser noticed at `offset`: there, unless that is past the last
 * character of the file (an unclosed construct runs to the end), which no editor shows: the last
 * character that is not white space then.
 */
function reportableOffset(src: string, offset: number): { offset: number; atEnd: boolean } {
  if (src.slice(offset).trim() !== '') return { offset, atEnd: false };
  let last = Math.min(offset, src.length) - 1;
  while (last > 0 && /\s/.test(src[last] ?? '')) last--;
  return { offset: Math.max(0, last), atEnd: true };
}

/** Whether a quoted scalar's source ends with its closing quote (not an escaped one). */
function quoteClosed(text: string, quote: '"' | "'"): boolean {
  if (text.length < 2 || !text.endsWith(quote)) return false;
  let run = 0;
  if (quote === '"') {
    // An odd run of backslashes before the last quote escapes it.
    for (let i = text.length - 2; i > 0 && text[i] === '\\'; i--) run++;
    return run % 2 === 0;
  }
  // Inside single quotes '' is one quote: the closing one is the odd one out of the final run.
  for (let i = text.length - 1; i > 0 && text[i] === "'"; i--) run++;
  return run % 2 === 1;
}

function addDocument(cx: Ctx, doc: Document.Parsed, index: number): void {
  const what = `document ${index + 1}`;
  const fatal = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
  // go-yaml (non-strict) keeps the last of duplicate keys, as yaml does: worth a warning, not a loss.
  for (const e of doc.errors) if (e.code === 'DUPLICATE_KEY') problem(cx, e.pos[0], `${what}: ${yamlProblemText(e)}`, 'warning');
  if (fatal.length > 0) {
    const first = fatal[0] as YAMLError;
    const more = fatal.length > 1 ? ` (and ${fatal.length - 1} more error${fatal.length > 2 ? 's' : ''})` : '';
    const opened = unclosedAt(cx, index, first);
    const noticed = reportableOffset(cx.src, first.pos[0]);
    const where = noticed.atEnd ? 'the end of the file' : `line ${cx.lc.linePos(noticed.offset).line}`;
    if (opened?.outer) {
      // Everything inside is closed: the document's own bracket is what runs on, and where it was
      // meant to close is anyone's guess. Reported where the parser gave up, with where it opened.
      problem(cx, noticed.offset, `${what}: ${yamlProblemText(first)}: the ${opened.what} that opens the document at line ${cx.lc.linePos(opened.offset).line} is still open at ${where}${more}`);
    } else if (opened) {
      problem(cx, opened.offset, `${what}: ${yamlProblemText(first)}: the ${opened.what} here is still open at ${where}${more}`);
    } else problem(cx, noticed.offset, `${what}: ${yamlProblemText(first)}${more}`);
    return;
  }
  if (doc.contents === null) return; // empty document: `---` twice, or only comments
  let value: unknown;
  try {
    value = toJson(doc.toJS({ maxAliasCount: 1000 }), []);
  } catch (e) {
    // The value's own line: a .inf on line 300 of a Deployment is not found from its first line.
    // (Only this parser gets here: both fast paths give such files up.)
    const at = e instanceof NotJsonError ? startOf(nodeAt(doc, e.path)) : undefined;
    problem(cx, at ?? startOf(doc.contents) ?? doc.range[0], `${what}: ${conversionProblem(e)}`);
    return;
  }
  if (value === null) return;
  addObject(cx, value, doc.contents, doc.range[0], what, 0);
}

/**
 * Keys written in a JSON text (every `:` outside strings separates one), so that duplicates, which
 * JSON.parse drops silently, can be told from the parsed value's key count.
 */
function jsonKeyTokens(src: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x3a /* : */) n++;
    else if (c === 0x22 /* " */) {
      for (i++; i < end; i++) {
        const d = src.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    }
  }
  return n;
}

/**
 * Keys in a JSON.parse result, or -1 when it holds a number JSON cannot hold (1e999 parses as
 * Infinity) or nests deeper than MAX_NESTING (the YAML parser then reports it).
 */
function jsonKeyCount(v: unknown, depth = 0): number {
  if (typeof v === 'number') return Number.isFinite(v) ? 0 : -1;
  if (typeof v !== 'object' || v === null) return 0;
  if (depth >= MAX_NESTING) return -1;
  let n = 0;
  if (Array.isArray(v)) {
    for (const e of v) {
      const k = jsonKeyCount(e, depth + 1);
      if (k < 0) return -1;
      n += k;
    }
    return n;
  }
  for (const key in v) {
    const k = jsonKeyCount((v as Record<string, unknown>)[key], depth + 1);
    if (k < 0) return -1;
    n += k + 1;
  }
  return n;
}

/**
 * The fast path for the common generated case: every document is one JSON object (`{...}`),
 * documents separated by bare `---` (or `...`) lines. JSON.parse reads such a document exactly as
 * the YAML 1.1 parser does, some 20 times faster and without building a syntax tree. Anything
 * else — YAML, comments, a List, a document JSON.parse rejects, duplicate keys, a missing name —
 * returns undefined, and the whole file goes through the YAML parser, which reports problems with
 * their lines as always.
 */
function parseJsonDocuments(src: string): ParsedFile | undefined {
  const out: ParsedFile = { objects: [], problems: [] };
  let docStart = 0;
  let docLine = 1;
  let line = 1;
  const addSegment = (start: number, end: number, firstLine: number): boolean => {
    let i = start;
    let l = firstLine;
    for (; i < end; i++) {
      const c = src.charCodeAt(i);
      if (c === 0x0a) l++;
      else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) break;
    }
    if (i === end) return true; // an empty document
    if (src.charCodeAt(i) !== 0x7b /* { */) return false;
    let value: unknown;
    try {
      value = JSON.parse(src.slice(i, end));
    } catch {
      return false;
    }
    if (!isRecord(value) || !plainObject(value)) return false;
    if (jsonKeyCount(value) !== jsonKeyTokens(src, i, end)) return false;
    out.objects.push({ manifest: value, line: l });
    return true;
  };
  for (let pos = 0; pos < src.length; line++) {
    let nl = src.indexOf('\n', pos);
    if (nl < 0) nl = src.length;
    const c = src.charCodeAt(pos);
    if ((c === 0x2d /* - */ || c === 0x2e) /* . */ && (src.startsWith('---', pos) || src.startsWith('...', pos))) {
      // A document marker only with nothing after it; `--- {` and the like are the YAML parser's.
      if (src.slice(pos + 3, nl).trim() !== '') return undefined;
      if (!addSegment(docStart, pos, docLine)) return undefined;
      docStart = nl + 1;
      docLine = line + 1;
    } else if (c === 0x25 /* % */ || c === 0x23 /* # */) {
      return undefined; // a directive or a comment
    }
    pos = nl + 1;
  }
  if (docStart < src.length && !addSegment(docStart, src.length, docLine)) return undefined;
  return out;
}

function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses one file. `file` is only used in the problems it reports. */
export function parseManifestText(text: string, file: string): ParsedFile {
  return parseManifestTextNoting(text, file).parsed;
}

/** parseManifestText, and whether the file needed the general YAML parser (both fast paths declined it). */
export function parseManifestTextNoting(text: string, file: string): { parsed: ParsedFile; general: boolean } {
  const fast = parseJsonManifests(text) ?? parseSimpleYamlManifests(text);
  return fast !== undefined ? { parsed: fast, general: false } : { parsed: parseYamlManifests(text, file), general: true };
}

const GO_YAML_NUMBERS = goNumberTag();
// kubectl reads a file that starts with `{` as JSON, whose decoder refuses a number beyond float64
// (go-yaml would keep it as text): such a number stays one, and is reported as JSON cannot hold it.
const JSON_NUMBERS = goNumberTag((negative) => (negative ? -Infinity : Infinity));

// logLevel: the parser's own warnings go to process.emitWarning (the server's log) and quote keys.
const SCALAR_OPTIONS = { version: '1.1', customTags: (tags: Tags) => kubectlTags(tags, GO_YAML_NUMBERS), logLevel: 'error' } as const;
const JSON_FILE_OPTIONS = { ...SCALAR_OPTIONS, customTags: (tags: Tags) => kubectlTags(tags, JSON_NUMBERS) } as const;

/** apimachinery's IsJSONBuffer: the first character that is not white space is `{`. */
const readAsJson = (src: string) => /^\s*\{/.test(src);

/** A named, non-List object: what both fast paths take as it is (else the YAML parser reports it). */
const plainObject = (v: Record<string, unknown>) => !isListDocument(v) && missingIdentity(v) === undefined;

/**
 * The block-YAML fast path alone (simple-yaml.ts): the file's parse when it is written in the
 * subset nearly every manifest is, else undefined. About 15 times faster than the YAML parser.
 */
export function parseSimpleYamlManifests(text: string): ParsedFile | undefined {
  return orParser(() => parseSimpleYaml(withoutBom(text), SCALAR_OPTIONS, plainObject));
}

/**
 * The JSON fast path alone: the file's parse when every document is a plain JSON object, else
 * undefined (quickly: it stops at the first document that is not). Milliseconds per thousand
 * documents, where the YAML parser takes over half a second.
 */
export function parseJsonManifests(text: string): ParsedFile | undefined {
  return orParser(() => parseJsonDocuments(withoutBom(text)));
}

/**
 * A fast path's answer, or undefined when it throws: they recurse per level of nesting, and a
 * file nested deep enough to exhaust the stack is the parser's to report, never the load's end.
 */
function orParser(fast: () => ParsedFile | undefined): ParsedFile | undefined {
  try {
    return fast();
  } catch {
    return undefined;
  }
}

/** The YAML 1.1 parser alone (what parseManifestText falls back to). */
export function parseYamlManifests(text: string, file: string): ParsedFile {
  const src = withoutBom(text);
  const out: ParsedFile = { objects: [], problems: [] };
  const deep = tooDeepAt(src);
  if (deep !== undefined) {
    out.problems.push({ file, line: deep, message: `nested more than ${MAX_NESTING} levels deep: not read`, severity: 'error' });
    return out;
  }
  const lc = new LineCounter();
  const cx: Ctx = { file, src, lc, out, options: readAsJson(src) ? JSON_FILE_OPTIONS : SCALAR_OPTIONS };
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments<ParsedNode>(src, { ...cx.options, lineCounter: lc, prettyErrors: true });
  } catch (e) {
    // The parser reports errors per document; a throw here is a bug in it, still only this file's problem.
    problem(cx, undefined, `cannot parse: ${e instanceof Error ? e.message : String(e)}`);
    return out;
  }
  docs.forEach((doc, i) => addDocument(cx, doc, i));
  return out;
}
