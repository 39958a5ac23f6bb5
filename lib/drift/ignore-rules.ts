/**
 * Ignore rules: by path pattern (with list elements by key), by field manager, by operation,
 * scoped by group/kind/namespace/name/labels. Ignored changes are kept in `ignored[]`.
 */
import type { RawChange } from './compare';
import { isEmptyValue } from './normalize';
import { parseJsonPointer, parsePattern, patternMatches, type PatternSegment } from './path';
import type { FieldOp, IgnoreRule, LabelSelector, LabelSelectorRequirement } from './types';

export interface ObjectScope {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface CompiledIgnoreRule {
  label: string;
  pattern: PatternSegment[] | null;
  managers: ReadonlySet<string> | null;
  ops: ReadonlySet<FieldOp> | null;
  group: RegExp | null;
  kind: RegExp | null;
  namespace: RegExp | null;
  name: RegExp | null;
  selector: LabelSelector | null;
  /** Extra condition on the change (built-in rules). */
  when: ((c: RawChange) => boolean) | null;
}

export class IgnoreRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IgnoreRuleError';
  }
}

function glob(s: string | undefined): RegExp | null {
  if (s === undefined || s === '*') return null;
  const body = s
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

// Label syntax as the API server checks it: an optional DNS-subdomain prefix and a name of at most
// 63 characters for keys; values empty or such a name. A selector the API server would refuse is
// refused here too, instead of quietly meaning something else (`app===web`, `!`, `__proto__=x`).
const LABEL_NAME = '[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const LABEL_KEY = new RegExp(`^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?${LABEL_NAME}$`);
const LABEL_VALUE = new RegExp(`^(?:${LABEL_NAME})?$`);

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h,n>1` into a LabelSelector, as kubectl's `-l` reads it. */
export function parseLabelSelector(s: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirement[] = [];
  const bad = (why: string): never => {
    throw new IgnoreRuleError(`invalid label selector ${JSON.stringify(s)}: ${why}`);
  };
  const key = (k: string): string => (LABEL_KEY.test(k) && (k.split('/').pop() ?? '').length <= 63 ? k : bad(`${JSON.stringify(k)} is not a label key`));
  const value = (v: string): string => (LABEL_VALUE.test(v) ? v : bad(`${JSON.stringify(v)} is not a label value`));
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  if (depth !== 0) bad('unbalanced parentheses');
  // "" selects everything; an empty requirement among others is a mistake the API server refuses.
  if (parts.length === 1 && (parts[0] ?? '').trim() === '') return { matchLabels, matchExpressions };
  for (const raw of parts) {
    const p = raw.trim();
    if (p === '') bad('an empty requirement (a comma too many?)');
    let m = /^(\S+?)\s+(in|notin)\s*\(([^()]*)\)$/.exec(p);
    if (m !== null) {
      const values = (m[3] ?? '').split(',').map((v) => value(v.trim()));
      if (values.length === 1 && values[0] === '') bad(`${m[2]} needs at least one value`);
      matchExpressions.push({ key: key(m[1] ?? ''), operator: m[2] === 'in' ? 'In' : 'NotIn', values });
      continue;
    }
    m = /^([^=!<>\s]+)\s*([<>])\s*(\S*)$/.exec(p);
    if (m !== null) {
      // As the API server: `>` and `<` compare a label's value as a whole number.
      if (!/^-?\d+$/.test(m[3] ?? '')) bad(`${m[2]} compares with a whole number, not ${JSON.stringify(m[3] ?? '')}`);
      matchExpressions.push({ key: key(m[1] ?? ''), operator: m[2] === '>' ? 'Gt' : 'Lt', values: [m[3] ?? ''] });
      continue;
    }
    m = /^([^=!\s]+)\s*!=\s*([^=!\s]*)$/.exec(p);
    if (m !== null) {
      matchExpressions.push({ key: key(m[1] ?? ''), operator: 'NotIn', values: [value(m[2] ?? '')] });
      continue;
    }
    m = /^([^=!\s]+)\s*==?\s*([^=!\s]*)$/.exec(p);
    if (m !== null) {
      const k = key(m[1] ?? '');
      // Requirements are ANDed: a second value for the same key must not replace the first.
      if (Object.prototype.hasOwnProperty.call(matchLabels, k)) matchExpressions.push({ key: k, operator: 'In', values: [value(m[2] ?? '')] });
      else matchLabels[k] = value(m[2] ?? '');
      continue;
    }
    m = /^!\s*([^=!\s()]+)$/.exec(p);
    if (m !== null) {
      matchExpressions.push({ key: key(m[1] ?? ''), operator: 'DoesNotExist' });
      continue;
    }
    if (/^[^=!\s()]+$/.test(p)) {
      matchExpressions.push({ key: key(p), operator: 'Exists' });
      continue;
    }
    bad(`cannot read ${JSON.stringify(p)}`);
  }
  return { matchLabels, matchExpressions };
}

export function labelsMatch(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const r of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.operator) {
      case 'In':
        if (!has || !(r.values ?? []).includes(v ?? '')) return false;
        break;
      case 'NotIn':
        if (has && (r.values ?? []).includes(v ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      case 'Gt':
      case 'Lt': {
        // As the API server compares them: both sides integers, a value that is not one never matches.
        const bound = Number(r.values?.[0]);
        if (!has || !/^-?\d+$/.test(v ?? '')) return false;
        if (r.operator === 'Gt' ? !(Number(v) > bound) : !(Number(v) < bound)) return false;
        break;
      }
    }
  }
  return true;
}

function describe(r: IgnoreRule): string {
  if (r.reason !== undefined) return r.reason;
  const parts: string[] = [];
  if (r.path !== undefined) parts.push(`path ${r.path}`);
  if (r.jsonPointer !== undefined) parts.push(`pointer ${r.jsonPointer}`);
  if (r.managers !== undefined) parts.push(`manager ${r.managers.join('|')}`);
  if (r.kind !== undefined) parts.push(`kind ${r.kind}`);
  return `ignore rule (${parts.join(', ') || 'all fields'})`;
}

/**
 * Pod-spec lists the engine names by key (DESIGN: containers by name, ports by port…), by the
 * segment before them: an index into one never matches a change, so a rule written that way
 * (Argo CD's `ignoreDifferences` pointers are: `/spec/template/spec/containers/1`) would hide
 * nothing in silence.
 */
const KEYED_UNDER_SPEC: Record<string, string> = { containers: 'name', initContainers: 'name', ephemeralContainers: 'name', volumes: 'name', imagePullSecrets: 'name', ports: 'port' };
const KEYED_UNDER_CONTAINER: Record<string, string> = { env: 'name', volumeMounts: 'mountPath', ports: 'containerPort' };

function indexIntoKeyedList(pattern: ReadonlyArray<PatternSegment>): string | undefined {
  for (let i = 1; i < pattern.length; i++) {
    if (typeof pattern[i] !== 'number') continue;
    const list = pattern[i - 1];
    const parent = pattern[i - 2];
    if (typeof list !== 'string') continue;
    const key = parent === 'spec' ? KEYED_UNDER_SPEC[list] : typeof parent === 'number' || (typeof parent === 'object' && parent !== null && !Array.isArray(parent)) ? KEYED_UNDER_CONTAINER[list] : undefined;
    if (key !== undefined) return `${list} is a list whose elements are matched by key, not by position, so an index into it never matches: write ${list}[${key}=…] in a path instead`;
  }
  return undefined;
}

export function compileIgnoreRule(r: IgnoreRule): CompiledIgnoreRule {
  let pattern: PatternSegment[] | null = null;
  try {
    if (r.path !== undefined) pattern = parsePattern(r.path);
    else if (r.jsonPointer !== undefined) pattern = parseJsonPointer(r.jsonPointer);
  } catch (e) {
    throw new IgnoreRuleError(e instanceof Error ? e.message : String(e));
  }
  const keyed = pattern !== null ? indexIntoKeyedList(pattern) : undefined;
  if (keyed !== undefined) throw new IgnoreRuleError(`${r.path ?? r.jsonPointer ?? ''}: ${keyed}`);
  let selector: LabelSelector | null = null;
  if (typeof r.labelSelector === 'string') selector = parseLabelSelector(r.labelSelector);
  else if (r.labelSelector !== undefined) selector = r.labelSelector;
  return {
    label: describe(r),
    pattern,
    managers: r.managers !== undefined ? new Set(r.managers) : null,
    ops: r.ops !== undefined ? new Set(r.ops) : null,
    group: r.group === undefined ? null : glob(r.group),
    kind: glob(r.kind),
    namespace: glob(r.namespace),
    name: glob(r.name),
    selector,
    when: null,
  };
}

const compiledCache = new WeakMap<ReadonlyArray<IgnoreRule>, CompiledIgnoreRule[]>();

/** Compiles (and caches per array) rules; throws IgnoreRuleError on a bad pattern. */
export function compileIgnoreRules(rules: ReadonlyArray<IgnoreRule>): CompiledIgnoreRule[] {
  let hit = compiledCache.get(rules);
  if (hit === undefined) {
    hit = rules.map(compileIgnoreRule);
    compiledCache.set(rules, hit);
  }
  return hit;
}

export function inScope(r: CompiledIgnoreRule, s: ObjectScope): boolean {
  if (r.group !== null && !r.group.test(s.group)) return false;
  if (r.kind !== null && !r.kind.test(s.kind)) return false;
  if (r.namespace !== null && !r.namespace.test(s.namespace)) return false;
  if (r.name !== null && !r.name.test(s.name)) return false;
  if (r.selector !== null && !labelsMatch(r.selector, s.labels)) return false;
  return true;
}

export function ruleMatches(r: CompiledIgnoreRule, c: RawChange): boolean {
  if (r.ops !== null && !r.ops.has(c.op)) return false;
  if (r.managers !== null && (c.manager === undefined || !r.managers.has(c.manager.name))) return false;
  if (r.pattern !== null && !patternMatches(r.pattern, c.segs)) return false;
  if (r.when !== null && !r.when(c)) return false;
  return true;
}

function builtin(label: string, path: string, kind: string, when: ((c: RawChange) => boolean) | null): CompiledIgnoreRule {
  const r = compileIgnoreRule({ path, kind });
  r.label = label;
  r.when = when;
  return r;
}

const injected = (c: RawChange): boolean => isEmptyValue(c.desired);
const CA_LABEL = 'caBundle injected by a CA injector (the manifest leaves it empty)';

/** caBundles the manifest leaves empty are filled by cert-manager's cainjector and the like. */
export const CA_BUNDLE_RULES: ReadonlyArray<CompiledIgnoreRule> = [
  builtin(CA_LABEL, 'webhooks[*].clientConfig.caBundle', 'MutatingWebhookConfiguration', injected),
  builtin(CA_LABEL, 'webhooks[*].clientConfig.caBundle', 'ValidatingWebhookConfiguration', injected),
  builtin(CA_LABEL, 'spec.conversion.webhook.clientConfig.caBundle', 'CustomResourceDefinition', injected),
  builtin(CA_LABEL, 'spec.conversion.webhookClientConfig.caBundle', 'CustomResourceDefinition', injected),
  builtin(CA_LABEL, 'spec.caBundle', 'APIService', injected),
];

export const AGGREGATED_RULES_RULE: CompiledIgnoreRule = builtin(
  'rules of an aggregated ClusterRole are written by the aggregation controller',
  'rules',
  'ClusterRole',
  null,
);

/** Rules from the `driftwatch.io/ignore` annotation: one path pattern per line. */
export const IGNORE_ANNOTATION = 'driftwatch.io/ignore';

export function rulesFromAnnotation(value: string, warnings: string[]): CompiledIgnoreRule[] {
  const out: CompiledIgnoreRule[] = [];
  for (const line of value.split('\n')) {
    const path = line.trim();
    if (path === '' || path.startsWith('#')) continue;
    try {
      const r = compileIgnoreRule({ path });
      r.label = `${IGNORE_ANNOTATION} annotation (${path})`;
      out.push(r);
    } catch (e) {
      warnings.push(`${IGNORE_ANNOTATION}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}
