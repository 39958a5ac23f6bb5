/**
 * Configuration problems in words a user can act on. zod says `Unrecognized key: "kubeConfig"` and,
 * for a value that fits no branch of a union, only `Invalid input`; here an unknown key gets the
 * keys allowed at its place (and the likely one it was meant to be), and a union the problem inside
 * the branch the value had the shape of, or else the types it may have.
 */
import type { z } from 'zod';

interface SchemaDef {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  element?: Schema;
  options?: Schema[];
}
interface Schema {
  _zod: { def: SchemaDef };
}

type Issue = z.core.$ZodIssue;

/** The object schemas a value at `path` may be checked against (several under a union). */
function objectsAt(schema: Schema, path: ReadonlyArray<PropertyKey>): Schema[] {
  let def = schema._zod.def;
  // Wrappers: optional, default, prefault, nullable, readonly, catch (innerType); pipe (its input).
  while (def.innerType !== undefined || (def.type === 'pipe' && def.in !== undefined)) {
    const next: Schema | undefined = def.innerType ?? def.in;
    if (next === undefined) break;
    def = next._zod.def;
  }
  if (def.type === 'union') return (def.options ?? []).flatMap((o) => objectsAt(o, path));
  if (path.length === 0) return def.type === 'object' ? [{ _zod: { def } }] : [];
  const [head, ...rest] = path;
  if (def.type === 'array' && typeof head === 'number' && def.element) return objectsAt(def.element, rest);
  if (def.type === 'object' && typeof head === 'string' && def.shape?.[head]) return objectsAt(def.shape[head], rest);
  return [];
}

/** Keys an object at `path` may have, sorted. */
function keysAllowedAt(schema: Schema, path: ReadonlyArray<PropertyKey>): string[] {
  const keys = new Set<string>();
  for (const o of objectsAt(schema, path)) for (const k of Object.keys(o._zod.def.shape ?? {})) keys.add(k);
  return [...keys].sort();
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}

/** The allowed key a misspelt one most likely meant: same letters in another case, or two edits away. */
function likelyKey(key: string, allowed: ReadonlyArray<string>): string | undefined {
  const lower = key.toLowerCase();
  const sameCase = allowed.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: { key: string; d: number } | undefined;
  for (const k of allowed) {
    const d = editDistance(lower, k.toLowerCase());
    if (d <= 2 && d < key.length && (!best || d < best.d)) best = { key: k, d };
  }
  return best?.key;
}

const TYPE_WORDS: Record<string, string> = { string: 'a string', number: 'a number', object: 'a mapping', array: 'a list', boolean: 'true or false' };

/**
 * `spec.rules[2].path` style location of a zod issue, for error messages. A key that is not a
 * plain name (a label key, a map key with dots or spaces) is quoted, as DESIGN's field paths quote
 * one: `matchLabels["app.kubernetes.io/name"]`.
 */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && !/^[A-Za-z_$][\w$-]*$/.test(p)) out += `[${JSON.stringify(p)}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** One problem, where it is. */
interface IssueProblem {
  path: ReadonlyArray<PropertyKey>;
  text: string;
}

/**
 * The problems an issue of `schema` stands for, each at its own path. A union's issue holds one
 * list per branch, with paths relative to the union's value: an issue inside the value (a non-empty
 * path) means it had that branch's shape and something in it is wrong, which is what to report,
 * there (`manifests[0].clusters: expected a list`), rather than the types of branches the value
 * never resembled.
 */
function issueProblems(schema: z.ZodType, issue: Issue): IssueProblem[] {
  if (issue.code === 'invalid_union') {
    const branches = issue.errors.flat();
    const nested = branches.filter((b) => b.path.length > 0);
    if (nested.length > 0) {
      return uniqueProblems(
        nested.flatMap((b): IssueProblem[] => {
          const path = [...issue.path, ...b.path];
          // In the words used for the union's own types (zod's says `Invalid input: expected array, received string`).
          if (b.code === 'invalid_type') return [{ path, text: `expected ${TYPE_WORDS[b.expected] ?? b.expected}` }];
          return issueProblems(schema, { ...b, path });
        }),
      );
    }
    // A branch of the right type that refused the value as a whole says why.
    const reasons = branches.filter((b) => b.code !== 'invalid_type');
    if (reasons.length > 0) {
      const texts = uniqueProblems(reasons.flatMap((b) => issueProblems(schema, { ...b, path: issue.path }))).map((p) => p.text);
      return [{ path: issue.path, text: texts.join('; ') }];
    }
    // The value fits no branch's type: name the types allowed.
    const types = branches.flatMap((b) => (b.code === 'invalid_type' ? [TYPE_WORDS[b.expected] ?? b.expected] : []));
    if (types.length > 0) return [{ path: issue.path, text: `expected ${[...new Set(types)].join(' or ')}` }];
  }
  return [{ path: issue.path, text: singleIssueText(schema, issue) }];
}

function uniqueProblems(problems: IssueProblem[]): IssueProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${issuePath(p.path)}\u0000${p.text}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** `  path: problem` lines for every issue, as configuration errors print them. */
export function issueLines(schema: z.ZodType, issues: ReadonlyArray<Issue>): string[] {
  return uniqueProblems(issues.flatMap((i) => issueProblems(schema, i))).map((p) => `  ${issuePath(p.path)}: ${p.text}`);
}

/**
 * One line for an issue of `schema` at the issue's own path (the path is the caller's to print);
 * problems found deeper inside a union's value name their place relative to it.
 */
export function issueText(schema: z.ZodType, issue: Issue): string {
  return issueProblems(schema, issue)
    .map((p) => (p.path.length === issue.path.length ? p.text : `${issuePath(p.path.slice(issue.path.length))}: ${p.text}`))
    .join('; ');
}

function singleIssueText(schema: z.ZodType, issue: Issue): string {
  if (issue.code === 'unrecognized_keys') {
    // Only the definitions' structure is read (zod's own types are too precise to walk generically).
    const allowed = keysAllowedAt(schema as unknown as Schema, issue.path);
    const each = issue.keys.map((k) => {
      const meant = likelyKey(k, allowed);
      return `unknown key "${k}"${meant ? ` (did you mean "${meant}"?)` : ''}`;
    });
    // An object that takes no keys at all (an endpoint without parameters) says so.
    const none = allowed.length === 0 && objectsAt(schema as unknown as Schema, issue.path).length > 0;
    return `${each.join(', ')}${allowed.length > 0 ? `; allowed here: ${allowed.join(', ')}` : none ? '; none is taken here' : ''}`;
  }
  // zod says only `Invalid key in record`: what the key's own schema said is the reason.
  if (issue.code === 'invalid_key' && issue.issues.length > 0) return [...new Set(issue.issues.map((i) => i.message))].join('; ');
  return issue.message;
}
