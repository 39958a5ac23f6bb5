import type { Scalar } from './types';

/** Element of a keyed list, identified by its merge keys: `ports[containerPort=80,protocol=TCP]`. */
export interface KeySelector {
  readonly keys: ReadonlyArray<readonly [string, Scalar]>;
}

/** Element of a set-like list of scalars: `finalizers[=kubernetes]`. */
export interface SetValue {
  readonly value: Scalar;
}

/** A field name (string), an index into an atomic list (number), a keyed element or a set value. */
export type PathSegment = string | number | KeySelector | SetValue;

export function isKeySelector(s: PathSegment): s is KeySelector {
  return typeof s === 'object' && 'keys' in s;
}

export function isSetValue(s: PathSegment): s is SetValue {
  return typeof s === 'object' && 'value' in s;
}

const PLAIN_FIELD = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
const PLAIN_VALUE = /^[A-Za-z0-9_.\/:@+~-]+$/;
const NUMBER_TOKEN = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function formatValue(v: Scalar): string {
  if (typeof v !== 'string') return String(v);
  // Quote anything the parser would read back as another type or that holds syntax characters.
  if (PLAIN_VALUE.test(v) && !NUMBER_TOKEN.test(v) && v !== 'true' && v !== 'false' && v !== 'null') return v;
  return JSON.stringify(v);
}

const PLAIN_CACHE_LIMIT = 4096;
const plainCache = new Map<string, boolean>();

/** PLAIN_FIELD.test, remembered: reports name the same few fields over and over. */
function isPlainField(name: string): boolean {
  let hit = plainCache.get(name);
  if (hit === undefined) {
    hit = PLAIN_FIELD.test(name);
    if (plainCache.size >= PLAIN_CACHE_LIMIT) plainCache.clear();
    plainCache.set(name, hit);
  }
  return hit;
}

export function formatSegment(seg: PathSegment, first: boolean): string {
  if (typeof seg === 'number') return `[${seg}]`;
  if (typeof seg === 'string') {
    if (isPlainField(seg)) return first ? seg : `.${seg}`;
    return `[${JSON.stringify(seg)}]`;
  }
  if (isKeySelector(seg)) {
    let out = '[';
    for (let i = 0; i < seg.keys.length; i++) {
      const kv = seg.keys[i];
      if (kv === undefined) continue;
      if (i > 0) out += ',';
      out += `${kv[0]}=${formatValue(kv[1])}`;
    }
    return `${out}]`;
  }
  return `[=${formatValue(seg.value)}]`;
}

export function formatPath(segs: ReadonlyArray<PathSegment>): string {
  let out = '';
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (s !== undefined) out += formatSegment(s, i === 0);
  }
  return out;
}

export class PathSyntaxError extends Error {
  constructor(input: string, at: number, what: string) {
    super(`invalid field path ${JSON.stringify(input)} at ${at}: ${what}`);
    this.name = 'PathSyntaxError';
  }
}

/** Pattern-only segments: one segment of any kind, or any number of segments. */
export const ANY_SEGMENT: unique symbol = Symbol('*');
export const ANY_DEPTH: unique symbol = Symbol('**');

export interface GlobName {
  readonly glob: RegExp;
}
export interface KeyPattern {
  readonly keyPattern: ReadonlyArray<readonly [string, Scalar | RegExp]>;
}
export type PatternSegment = PathSegment | typeof ANY_SEGMENT | typeof ANY_DEPTH | GlobName | KeyPattern;

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

class Parser {
  i = 0;
  constructor(
    readonly s: string,
    readonly pattern: boolean,
  ) {}

  fail(what: string): never {
    throw new PathSyntaxError(this.s, this.i, what);
  }

  quoted(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '\\') this.i += 2;
      else if (c === '"') break;
      else this.i++;
    }
    if (this.i >= this.s.length) this.fail('unterminated string');
    this.i++;
    try {
      const v: unknown = JSON.parse(this.s.slice(start, this.i));
      if (typeof v === 'string') return v;
    } catch {
      // fall through to the error below
    }
    return this.fail('bad string escape');
  }

  bareToken(stops: string): string {
    const start = this.i;
    while (this.i < this.s.length && !stops.includes(this.s[this.i] ?? '')) this.i++;
    return this.s.slice(start, this.i);
  }

  value(): Scalar | RegExp {
    if (this.s[this.i] === '"') {
      const v = this.quoted();
      return v;
    }
    const tok = this.bareToken(',]');
    if (tok === '') this.fail('empty value');
    if (NUMBER_TOKEN.test(tok)) return Number(tok);
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (this.pattern && tok.includes('*')) return globToRegExp(tok);
    return tok;
  }

  bracket(): PatternSegment {
    this.i++; // [
    const c = this.s[this.i];
    let seg: PatternSegment;
    if (c === '"') {
      const name = this.quoted();
      seg = this.pattern && name.includes('*') ? { glob: globToRegExp(name) } : name;
    } else if (c === '*' && this.s[this.i + 1] === ']') {
      if (!this.pattern) this.fail('wildcards are only allowed in patterns');
      this.i++;
      seg = ANY_SEGMENT;
    } else if (c === '=') {
      this.i++;
      const v = this.value();
      if (v instanceof RegExp) this.fail('globs are not supported in set values');
      seg = { value: v };
    } else if (c !== undefined && /[0-9]/.test(c)) {
      const tok = this.bareToken(']');
      if (!/^\d+$/.test(tok)) this.fail('bad index');
      seg = Number(tok);
    } else {
      const keys: Array<[string, Scalar | RegExp]> = [];
      for (;;) {
        const name = this.bareToken('=,]');
        if (!PLAIN_FIELD.test(name)) this.fail('bad key name');
        if (this.s[this.i] !== '=') this.fail('expected =');
        this.i++;
        keys.push([name, this.value()]);
        if (this.s[this.i] === ',') {
          this.i++;
          continue;
        }
        break;
      }
      seg = keys.some((k) => k[1] instanceof RegExp)
        ? { keyPattern: keys }
        : { keys: keys.map(([k, v]) => [k, v as Scalar] as const) };
    }
    if (this.s[this.i] !== ']') this.fail('expected ]');
    this.i++;
    return seg;
  }

  field(): PatternSegment {
    const tok = this.bareToken('.[');
    if (tok === '') this.fail('empty field name');
    if (/[\]"=,\s]/.test(tok)) this.fail('unquoted field name with a special character');
    if (this.pattern) {
      if (tok === '**') return ANY_DEPTH;
      if (tok === '*') return ANY_SEGMENT;
      if (tok.includes('*')) return { glob: globToRegExp(tok) };
    }
    return tok;
  }

  parse(): PatternSegment[] {
    const out: PatternSegment[] = [];
    if (this.s === '') return out;
    let first = true;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '[') out.push(this.bracket());
      else if (c === '.') {
        if (first) this.fail('leading dot');
        this.i++;
        out.push(this.field());
      } else if (first) out.push(this.field());
      else this.fail('expected . or [');
      first = false;
    }
    return out;
  }
}

/** Parses a concrete path (no wildcards). Throws PathSyntaxError. */
export function parsePath(path: string): PathSegment[] {
  return new Parser(path, false).parse() as PathSegment[];
}

/** Parses an ignore-rule pattern: like a path, plus `*`, `**`, `[*]` and globs. */
export function parsePattern(pattern: string): PatternSegment[] {
  return new Parser(pattern, true).parse();
}

/** RFC 6901 pointer to pattern segments; numeric tokens are list indexes, `*` any segment. */
export function parseJsonPointer(pointer: string): PatternSegment[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PathSyntaxError(pointer, 0, 'a JSON pointer starts with /');
  return pointer
    .slice(1)
    .split('/')
    .map((t): PatternSegment => {
      const tok = t.replace(/~1/g, '/').replace(/~0/g, '~');
      if (tok === '*') return ANY_SEGMENT;
      if (tok === '**') return ANY_DEPTH;
      if (/^(0|[1-9]\d*)$/.test(tok)) return Number(tok);
      return tok;
    });
}

function scalarMatches(p: Scalar | RegExp, v: Scalar): boolean {
  if (p instanceof RegExp) return p.test(String(v));
  // Rules are written by hand: `[port=80]` should also match a port kept as the string "80".
  return p === v || String(p) === String(v);
}

function segmentMatches(p: PatternSegment, s: PathSegment): boolean {
  if (p === ANY_SEGMENT) return true;
  if (p === ANY_DEPTH) return true;
  if (typeof p === 'string') return s === p;
  if (typeof p === 'number') return s === p;
  if ('glob' in p) return typeof s === 'string' && p.glob.test(s);
  if ('value' in p) return typeof s === 'object' && isSetValue(s) && scalarMatches(p.value, s.value);
  const pk: ReadonlyArray<readonly [string, Scalar | RegExp]> = 'keyPattern' in p ? p.keyPattern : p.keys;
  if (typeof s !== 'object' || !isKeySelector(s)) return false;
  // Every key named in the pattern must match; a pattern may name a subset of a composite key.
  for (const [name, pv] of pk) {
    const kv = s.keys.find((k) => k[0] === name);
    if (kv === undefined || !scalarMatches(pv, kv[1])) return false;
  }
  return true;
}

/**
 * True when the pattern matches the path or one of its ancestors (a rule on
 * `spec.template.spec.containers[name=istio-proxy]` covers every field of that container).
 */
export function patternMatches(pattern: ReadonlyArray<PatternSegment>, path: ReadonlyArray<PathSegment>): boolean {
  return matchFrom(pattern, 0, path, 0);
}

function matchFrom(p: ReadonlyArray<PatternSegment>, pi: number, s: ReadonlyArray<PathSegment>, si: number): boolean {
  for (;;) {
    if (pi === p.length) return true; // pattern exhausted: matched this path or an ancestor
    const ps = p[pi];
    if (ps === undefined) return false;
    if (ps === ANY_DEPTH) {
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi + 1, s, k)) return true;
      return false;
    }
    const ss = s[si];
    if (ss === undefined || !segmentMatches(ps, ss)) return false;
    pi++;
    si++;
  }
}
