/**
 * A fast path for the YAML that Kubernetes manifests are nearly always written in: block mappings
 * and sequences, one `key: value` per line, plain, quoted and literal (`|`) scalars, empty and
 * one-line flow collections, comments. Such a file is read here 10–20 times faster than by the
 * general parser (the `yaml` package builds a syntax tree through generator functions: about
 * 0.6 ms per Pod document). Anything outside that subset — anchors, tags, merge keys, folded or
 * multi-line scalars, nested flow collections, duplicate keys, Lists, a document without a name,
 * any syntax error — makes it give up on the whole file (undefined), and the general parser reads
 * it as always, with its line numbers and messages. Where it answers, it answers exactly what the
 * general parser gives: scalars that could be anything but a string are resolved by that parser
 * itself (cached), so YAML 1.1's types (`0644`, `yes`, `on`, `~`) cannot diverge.
 */
import { isScalar, parseDocument, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import { isRecord } from '../drift/normalize';
import type { ParsedFile } from './manifest-parse';

/** Thrown inside to give up; never escapes. */
class NotSimple extends Error {}
const notSimple = new NotSimple('not simple YAML');

interface Line {
  /** Leading spaces. */
  indent: number;
  /** The line without them (and without a trailing \r). */
  text: string;
  /** 1-based. */
  no: number;
  /** The file's last line, without a line break after it. */
  last?: boolean;
}

type Resolver = (plain: string) => unknown;

/** Scalars resolved by the general parser, by text: manifests repeat them endlessly (`TCP`, `8080`, `true`). */
function cachedResolver(options: ParseOptions & DocumentOptions & SchemaOptions): Resolver {
  const cache = new Map<string, unknown>();
  return (plain) => {
    if (cache.has(plain)) return cache.get(plain);
    // On a line of its own these are document markers (`...` would come back as null).
    if (plain.startsWith('...') || plain.startsWith('---')) throw notSimple;
    const doc = parseDocument(plain, options);
    if (doc.errors.length > 0 || doc.warnings.length > 0 || !isScalar(doc.contents)) throw notSimple;
    const v: unknown = doc.contents.value;
    if (typeof v === 'number' && !Number.isFinite(v)) throw notSimple;
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw notSimple;
    // Bounded: names and hashes are distinct per object and never come back.
    if (cache.size >= 20_000) cache.clear();
    cache.set(plain, v);
    return v;
  };
}

/** YAML 1.1's words for booleans and null: the only plain scalars starting with a letter that are not strings. */
const KEYWORD = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

/**
 * A plain scalar that is a string whatever the schema: starts with a letter (not a keyword), `/`,
 * or `-` not followed by a digit, `.` or `_` (go-yaml drops underscores: `-_1` is -1).
 */
function surelyString(s: string): boolean {
  const c = s.charCodeAt(0);
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) return !KEYWORD.test(s);
  if (c === 0x2f /* / */) return true;
  if (c === 0x2d /* - */ && s.length > 1) {
    const d = s.charCodeAt(1);
    return !((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x5f);
  }
  return false;
}

/** Characters a plain scalar may start with here; the others are indicators or reserved. */
function plainStart(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2f /* / */ ||
    c === 0x2e /* . */ ||
    c === 0x5f /* _ */ ||
    c === 0x24 /* $ */ ||
    c === 0x28 /* ( */ ||
    c === 0x7e /* ~ */ ||
    c === 0x2b /* + */ ||
    c === 0x3d /* = */ ||
    c === 0x3c /* < */ ||
    c === 0x5e /* ^ */ ||
    c === 0x3b /* ; */ ||
    c >= 0x80
  );
}

/** Deeper nesting is left to the parser (which reports what it cannot take), not to the stack. */
const MAX_DEPTH = 64;

/** The parser's limit on the length of an implicit key. */
const MAX_KEY_CHARS = 1000;

class Reader {
  i = 0;
  private depth = 0;
  constructor(
    readonly lines: Line[],
    readonly resolve: Resolver,
  ) {}

  /** The next line that is not blank or a comment, without consuming it. */
  peek(): Line | undefined {
    while (this.i < this.lines.length) {
      const l = this.lines[this.i] as Line;
      if (l.text === '' || l.text.charCodeAt(0) === 0x23 /* # */) {
        this.i++;
        continue;
      }
      return l;
    }
    return undefined;
  }

  /** A block node whose lines are indented exactly `indent`. */
  block(indent: number): unknown {
    const l = this.peek();
    if (l === undefined || l.indent !== indent || this.depth >= MAX_DEPTH) throw notSimple;
    this.depth++;
    try {
      return isSeqItem(l.text) ? this.sequence(indent) : this.mapping(indent);
    } finally {
      this.depth--;
    }
  }

  mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (;;) {
      const l = this.peek();
      if (l === undefined || l.indent < indent) return out;
      if (l.indent > indent || isSeqItem(l.text)) throw notSimple;
      const colon = keyEnd(l.text);
      if (colon < 0 || colon > MAX_KEY_CHARS) throw notSimple;
      const key = this.key(l.text.slice(0, colon));
      this.i++;
      addKey(out, key, this.valueAfter(l, colon + 1, indent));
    }
  }

  sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const l = this.peek();
      if (l === undefined || l.indent < indent) return out;
      if (l.indent > indent) throw notSimple;
      // A mapping key after `key:` + a sequence at the same indentation ends the sequence.
      if (!isSeqItem(l.text)) return out;
      const rest = l.text.slice(1).replace(/^ +/, '');
      if (rest === '' || rest.charCodeAt(0) === 0x23) {
        this.i++;
        const next = this.peek();
        out.push(next !== undefined && next.indent > indent ? this.block(next.indent) : null);
        continue;
      }
      // `- key: value` or `- - x`: the rest of the line is the first line of a node indented
      // where it starts.
      const at = l.indent + (l.text.length - rest.length);
      if (isSeqItem(rest) || keyEnd(rest) >= 0) {
        this.lines[this.i] = { indent: at, text: rest, no: l.no };
        out.push(this.block(at));
        continue;
      }
      this.i++;
      out.push(this.inline(rest, indent));
    }
  }

  /** The value of `key:` on line l, its text starting at `from`. */
  valueAfter(l: Line, from: number, indent: number): unknown {
    const rest = l.text.slice(from).replace(/^ +/, '');
    if (rest === '' || rest.charCodeAt(0) === 0x23) {
      const next = this.peek();
      if (next === undefined) return null;
      if (next.indent > indent) return this.block(next.indent);
      // kubectl's style: a sequence at the same indentation as its key.
      if (next.indent === indent && isSeqItem(next.text)) return this.sequence(indent);
      return null;
    }
    return this.inline(rest, indent);
  }

  /** A scalar or flow collection written on the rest of a line; `indent` is its parent's. */
  inline(rest: string, indent: number): unknown {
    const c = rest.charCodeAt(0);
    if (c === 0x7c /* | */) return this.literal(rest, indent);
    if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
      const { value, end } = quoted(rest, 0);
      if (!onlyComment(rest, end)) throw notSimple;
      return value;
    }
    if (c === 0x5b /* [ */ || c === 0x7b /* { */) return this.flow(stripComment(rest));
    return this.plain(stripComment(rest));
  }

  plain(s: string): unknown {
    const c = s.charCodeAt(0);
    // `-x` is a plain scalar (`--listen=:8080`); `- x` would be a sequence, not allowed here.
    const dash = c === 0x2d && s.length > 1 && s.charCodeAt(1) !== 0x20;
    if (s === '' || !(plainStart(c) || dash)) throw notSimple;
    // `: ` or a final `:` would be a mapping; a multi-line scalar continues on the next line,
    // which the callers reject (a deeper line where none may be).
    if (s.includes(': ') || s.endsWith(':') || s.includes('\t')) throw notSimple;
    return surelyString(s) ? s : this.resolve(s);
  }

  key(raw: string): string {
    const c = raw.charCodeAt(0);
    if (c === 0x22 || c === 0x27) {
      const { value, end } = quoted(raw, 0);
      if (end !== raw.length) throw notSimple;
      return value;
    }
    if (raw === '' || !plainStart(c) || raw.endsWith(' ')) throw notSimple;
    if (surelyString(raw)) return raw;
    if (raw === '<<') throw notSimple; // a merge key, only as a key
    // Keys are scalars too (`on:` is true, `010:` is 8), which the parser would turn into the
    // strings "true" and "8": only keys that are strings anyway are taken.
    const v = this.resolve(raw);
    if (typeof v !== 'string') throw notSimple;
    return v;
  }

  /**
   * A one-line flow collection of scalars: `[]`, `{}`, `["sh", "-c", x]`, `{app: web, tier: "1"}`.
   * Nested ones, and a trailing comma, are the parser's.
   */
  flow(t: string): unknown {
    const map = t.charCodeAt(0) === 0x7b;
    if (t.charCodeAt(t.length - 1) !== (map ? 0x7d : 0x5d)) throw notSimple;
    const out: unknown[] = [];
    const obj: Record<string, unknown> = {};
    const last = t.length - 1;
    let i = 1;
    for (let first = true; ; first = false) {
      while (t.charCodeAt(i) === 0x20) i++;
      if (i === last) {
        if (!first) throw notSimple; // `[a, ]`
        return map ? obj : out;
      }
      if (map) {
        const k = flowScalar(t, i, last, true);
        if (t.charCodeAt(k.end) !== 0x3a || t.charCodeAt(k.end + 1) !== 0x20) throw notSimple;
        const key = k.quoted ? k.text : this.key(k.text);
        i = k.end + 2;
        while (t.charCodeAt(i) === 0x20) i++;
        const v = flowScalar(t, i, last, false);
        addKey(obj, key, v.quoted ? v.text : this.plain(v.text));
        i = v.end;
      } else {
        const v = flowScalar(t, i, last, false);
        out.push(v.quoted ? v.text : this.plain(v.text));
        i = v.end;
      }
      while (t.charCodeAt(i) === 0x20) i++;
      if (i === last) return map ? obj : out;
      if (t.charCodeAt(i) !== 0x2c /* , */) throw notSimple;
      i++;
    }
  }

  /** `|` or `|-` after a key at `indent`: the lines below, more indented. */
  literal(header: string, indent: number): string {
    const h = stripComment(header);
    if (h !== '|' && h !== '|-') throw notSimple;
    const body: string[] = [];
    const blanks: Line[] = [];
    let content = -1;
    let j = this.i;
    for (; j < this.lines.length; j++) {
      const l = this.lines[j] as Line;
      if (l.text === '') {
        blanks.push(l);
        continue;
      }
      if (l.indent <= indent) break;
      if (content < 0) content = l.indent;
      if (l.indent < content) throw notSimple;
      // Blank lines inside keep what spaces they have beyond the content's indentation: rare,
      // and left to the parser.
      for (const b of blanks) {
        if (b.indent > content) throw notSimple;
        body.push('');
      }
      blanks.length = 0;
      if (l.last === true) throw notSimple; // clipping at the end of a file without a line break
      body.push(' '.repeat(l.indent - content) + l.text);
      this.i = j + 1;
    }
    if (content < 0) throw notSimple;
    // Blank lines after the last content line belong to what follows, unless they have spaces
    // beyond the content's indentation: then they are content (left to the parser).
    for (const b of blanks) if (b.indent > content) throw notSimple;
    // Trailing blank lines belong to what follows: `|` keeps one final line break, `|-` none.
    const text = body.join('\n');
    return h === '|' ? `${text}\n` : text;
  }
}

/** out[key] = value; a duplicate key (the parser warns) or `__proto__` is left to the parser. */
function addKey(out: Record<string, unknown>, key: string, value: unknown): void {
  if (Object.prototype.hasOwnProperty.call(out, key) || key === '__proto__') throw notSimple;
  out[key] = value;
}

function isSeqItem(text: string): boolean {
  return text.charCodeAt(0) === 0x2d /* - */ && (text.length === 1 || text.charCodeAt(1) === 0x20);
}

/** Where the key of a `key: value` / `key:` line ends (its colon), or -1. */
function keyEnd(text: string): number {
  const c = text.charCodeAt(0);
  // A flow collection (`- {name: a}`) is a value, never a block key.
  if (c === 0x7b || c === 0x5b) return -1;
  if (c === 0x22 || c === 0x27) {
    const { end } = quoted(text, 0);
    if (text.charCodeAt(end) !== 0x3a /* : */) return -1;
    return end + 1 === text.length || text.charCodeAt(end + 1) === 0x20 ? end : -1;
  }
  const sp = text.indexOf(': ');
  const at = sp >= 0 ? sp : text.endsWith(':') ? text.length - 1 : -1;
  if (at <= 0) return -1;
  const key = text.slice(0, at);
  if (key.includes(' #') || key.includes('\t')) return -1;
  return at;
}

/** The value of a quoted scalar starting at `from`, and where it ends. One line, common escapes only. */
function quoted(s: string, from: number): { value: string; end: number } {
  const q = s.charCodeAt(from);
  let out = '';
  for (let i = from + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (q === 0x27 /* ' */) {
      if (c === 0x27) {
        if (s.charCodeAt(i + 1) === 0x27) {
          out += "'";
          i++;
          continue;
        }
        return { value: out, end: i + 1 };
      }
      out += s[i];
      continue;
    }
    if (c === 0x22) return { value: out, end: i + 1 };
    if (c === 0x5c /* \ */) {
      const e = s[i + 1];
      i++;
      if (e === '\\' || e === '"' || e === '/') out += e;
      else if (e === 'n') out += '\n';
      else if (e === 't') out += '\t';
      else if (e === 'r') out += '\r';
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 1, i + 5))) {
        out += String.fromCharCode(parseInt(s.slice(i + 1, i + 5), 16));
        i += 4;
      } else throw notSimple;
      continue;
    }
    out += s[i];
  }
  throw notSimple; // continues on the next line
}

/** Nothing but spaces and perhaps a comment after `end`. */
function onlyComment(s: string, end: number): boolean {
  const rest = s.slice(end);
  const t = rest.replace(/^ +/, '');
  return t === '' || (t.charCodeAt(0) === 0x23 && t.length < rest.length);
}

/** A plain scalar's text without a trailing ` # comment`. */
function stripComment(s: string): string {
  const h = s.indexOf(' #');
  return (h >= 0 ? s.slice(0, h) : s).replace(/ +$/, '');
}

/**
 * A scalar inside a one-line flow collection, from `i`: quoted, or plain up to the next `,` (a
 * key: up to `: `) or the closing bracket at `last`. Plain text with flow indicators, quotes, `#`
 * or `:` in it is declined: the rules for those inside flow collections are the parser's.
 */
function flowScalar(t: string, i: number, last: number, key: boolean): { text: string; end: number; quoted: boolean } {
  const c = t.charCodeAt(i);
  if (c === 0x22 || c === 0x27) {
    const q = quoted(t, i);
    if (q.end > last) throw notSimple;
    return { text: q.value, end: q.end, quoted: true };
  }
  let j = i;
  while (j < last && t[j] !== ',' && !(key && t[j] === ':')) j++;
  const text = t.slice(i, j).replace(/ +$/, '');
  if (text === '' || /[[\]{}#:'",]/.test(text)) throw notSimple;
  return { text, end: i + text.length, quoted: false };
}

/**
 * The file's objects when it is simple YAML whose every document is a named Kubernetes object
 * (not a List), else undefined. `resolverOptions`: the general parser's options, for the scalars
 * only it can type. `isObject(value)` tells whether a document may be taken as it is.
 */
export function parseSimpleYaml(src: string, resolverOptions: ParseOptions & DocumentOptions & SchemaOptions, isObject: (v: Record<string, unknown>) => boolean): ParsedFile | undefined {
  // Characters YAML treats as line breaks or forbids (NEL, LS, PS, controls, a BOM inside): rare,
  // and left to the parser.
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029\ufeff]/.test(src)) return undefined;
  const resolve = cachedResolver(resolverOptions);
  const out: ParsedFile = { objects: [], problems: [] };
  let doc: Line[] = [];
  const finish = (): boolean => {
    const r = new Reader(doc, resolve);
    const first = r.peek();
    if (first === undefined) return true; // empty, or only comments
    if (first.indent !== 0) return false;
    let value: unknown;
    try {
      value = r.block(0);
      if (r.peek() !== undefined) return false;
    } catch {
      // Giving up, or anything unforeseen: either way the parser decides.
      return false;
    }
    if (!isRecord(value) || !isObject(value)) return false;
    out.objects.push({ manifest: value, line: first.no });
    return true;
  };
  let no = 0;
  let start = 0;
  while (start <= src.length) {
    let nl = src.indexOf('\n', start);
    if (nl < 0) nl = src.length;
    let text = src.slice(start, nl);
    start = nl + 1;
    no++;
    if (text.endsWith('\r')) {
      // A lone \r at the very end is content to the parser, not a line break.
      if (nl === src.length) return undefined;
      text = text.slice(0, -1);
    }
    if (text.includes('\r') || text.includes('\t')) return undefined;
    if (text.startsWith('---') || text.startsWith('...')) {
      // A marker with nothing after it; `--- |` and the like are the general parser's.
      if (text.slice(3).trim() !== '' || text.startsWith('...')) return undefined;
      if (!finish()) return undefined;
      doc = [];
      continue;
    }
    if (text.charCodeAt(0) === 0x25 /* % directive */) return undefined;
    let indent = 0;
    while (text.charCodeAt(indent) === 0x20) indent++;
    // Spaces only: blank, with their count (see literal()). Trailing spaces stay: they are part of
    // a literal scalar's lines; everywhere else the readers trim them.
    doc.push({ indent, text: text.slice(indent), no, ...(nl === src.length ? { last: true } : {}) });
    if (nl === src.length) break;
  }
  return finish() ? out : undefined;
}
