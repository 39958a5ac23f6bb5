/**
 * A drift report for one (prepared desired, live) pair: the walk, then three-way removal from
 * last-applied and managedFields, `added` fields from other actors, attribution, ignore rules and
 * Secret redaction — the last four only when there is something to report.
 */
import { appliedHoldsExtras, atomicListExtras } from './atomic-extras';
import type { DNode } from './compile';
import { diffNode, equalsNode, type RawChange, type WalkContext } from './compare';
import {
  AGGREGATED_RULES_RULE,
  compileIgnoreRules,
  inScope,
  ruleMatches,
  type CompiledIgnoreRule,
  type ObjectScope,
} from './ignore-rules';
import { newSegStack, ownerOf, ownsLastApplied, walkFieldset, Z_ROOT, type FieldsetWalk } from './managed-fields';
import { deepFreeze, isEmptyValue, isRecord, isServerPopulated, LAST_APPLIED_ANNOTATION } from './normalize';
import { formatPath } from './path';
import { DriftInputError, PreparedDesiredImpl, prepareDesired, type PreparedDesired } from './prepare';
import { redactSecretChangeValue } from './display';
import { isCoreSecret } from './core-secret';
import { jsonParseProblem } from './secrets';
import { lastAppliedCandidates, valueAt, type RemovalCandidate } from './three-way';
import type { DiffOptions, DriftReport, FieldChange } from './types';

/** The cluster's own controllers: their live-only writes are the system working, not drift. */
export const DEFAULT_IGNORED_MANAGERS: ReadonlyArray<string> = [
  'kube-controller-manager',
  'kube-scheduler',
  'kube-apiserver',
  'kubelet',
  'cloud-controller-manager',
];

const DEFAULT_IGNORED = new Set(DEFAULT_IGNORED_MANAGERS);
const NO_OPTIONS: DiffOptions = {};
const NO_COMPILED: CompiledIgnoreRule[] = [];

function isIgnoredManager(name: string, o: DiffOptions): boolean {
  return DEFAULT_IGNORED.has(name) || (o.ignoreManagers?.includes(name) ?? false);
}

function impl(p: PreparedDesired): PreparedDesiredImpl {
  if (!(p instanceof PreparedDesiredImpl)) throw new DriftInputError('diffPrepared needs the result of prepareDesired');
  return p;
}

/** What the annotation applied that the manifest leaves out (cached per annotation text); a warning when it is not JSON. */
function leftOutOfManifest(p: PreparedDesiredImpl, annotation: string, warnings: string[]): RemovalCandidate[] {
  const cands = p.cachedCandidates(annotation, () => {
    try {
      return lastAppliedCandidates(p.root, annotation, p.secret);
    } catch (e) {
      return `the ${LAST_APPLIED_ANNOTATION} annotation is not valid JSON (${jsonParseProblem(e, p.secret)}); three-way removal skipped`;
    }
  });
  if (typeof cands !== 'string') return cands;
  warnings.push(cands);
  return [];
}

function lastAppliedRemovals(p: PreparedDesiredImpl, annotation: string, live: Record<string, unknown>, out: RawChange[], warnings: string[]): void {
  for (const c of leftOutOfManifest(p, annotation, warnings)) addRemoval(p, c, live, out);
}

const LAST_APPLIED_SEGS = ['metadata', 'annotations', LAST_APPLIED_ANNOTATION];

/**
 * The annotation on an object the desired manager applies server-side without keeping it (Argo CD
 * moved to server-side apply, say): an earlier `kubectl apply`'s record, not the manifest's, so
 * what it holds beyond the manifest is no removal the manifest's apply would make. Where that
 * client-side applier still owns such a field, it is its live-only write — `added`, as it would
 * be without the annotation; fields it gave up (replicas to the HPA) are someone else's.
 */
function staleLastAppliedAdditions(p: PreparedDesiredImpl, annotation: string, live: Record<string, unknown>, mf: ReadonlyArray<unknown>, o: DiffOptions, out: RawChange[], warnings: string[]): void {
  const applier = ownerOf(mf, LAST_APPLIED_SEGS);
  if (applier === undefined || isIgnoredManager(applier.name, o)) return;
  for (const c of leftOutOfManifest(p, annotation, warnings)) {
    const v = valueAt(live, c.segs);
    if (v === undefined || isEmptyValue(v)) continue;
    if (c.soft !== null && equalsNode(c.soft, v)) continue;
    if (isServerPopulated(p.kind, c.segs, v)) continue;
    const owner = ownerOf(mf, c.segs);
    if (owner?.name === applier.name) out.push({ op: 'added', segs: c.segs, desired: undefined, live: v, manager: owner });
  }
}

function addRemoval(p: PreparedDesiredImpl, c: RemovalCandidate, live: Record<string, unknown>, out: RawChange[]): void {
  const v = valueAt(live, c.segs);
  if (v === undefined || (isEmptyValue(v) && !(c.mapValue === true && v === ''))) return;
  if (c.soft !== null && equalsNode(c.soft, v)) return;
  if (isServerPopulated(p.kind, c.segs, v)) return;
  out.push({ op: 'removed', segs: c.segs, desired: deepFreeze(c.soft?.value), live: v });
}

/** An already reported change at, above or below this path. */
function reportedNear(raw: ReadonlyArray<RawChange>, path: string): boolean {
  for (const c of raw) {
    const q = pathOf(c);
    const [short, long] = q.length <= path.length ? [q, path] : [path, q];
    if (short === '' || long === short || long.startsWith(`${short}.`) || long.startsWith(`${short}[`)) return true;
  }
  return false;
}

/**
 * Atomic lists whose live elements hold fields the manifest's have not (atomic-extras.ts), as a
 * change of the list, attributed to its owner (the rules are there). Without managedFields, only
 * what the last-applied annotation shows the previous apply wrote.
 */
function atomicExtraChanges(lists: ReadonlyArray<DNode>, live: Record<string, unknown>, mf: unknown, o: DiffOptions, lastApplied: string | undefined, raw: RawChange[]): void {
  const open = lists.filter((l) => !reportedNear(raw, l.path()));
  const found = open.length > 0 ? atomicListExtras(open, live) : [];
  if (found.length === 0) return;
  // Read only when some list holds extras: the common case never parses the annotation again.
  let applied: unknown;
  if (lastApplied !== undefined) {
    try {
      applied = JSON.parse(lastApplied);
    } catch {
      // Reported as a warning by the three-way removal already.
    }
  }
  const laApplier = ownerOf(mf, LAST_APPLIED_SEGS)?.name;
  for (const x of found) {
    const appliedBefore = appliedHoldsExtras(applied, x);
    const owner = ownerOf(mf, x.list.segs);
    const written = owner !== undefined && !isIgnoredManager(owner.name, o) && (owner.name === laApplier ? appliedBefore : true);
    if (!written && !(owner === undefined && appliedBefore)) continue;
    const c: RawChange = { op: 'changed', segs: x.list.segs, node: x.list, desired: x.list.explicit(), live: x.live };
    if (owner !== undefined) c.manager = owner;
    raw.push(c);
  }
}

const CROSS_VERSION_TAIL = "; fields renamed between versions may show as drift — read live in the manifest's version";

/** The warning diffPrepared gives when desired and live are of two versions (a caller that says it its own way drops it). */
export function isCrossVersionWarning(warning: string): boolean {
  return warning.startsWith('compared ') && warning.endsWith(CROSS_VERSION_TAIL);
}

/** The first entry managedFieldsChanges walks for removals: the desired manager's Apply. */
function ownApplyEntry(mf: ReadonlyArray<unknown>, o: DiffOptions): { fieldsV1: Record<string, unknown> } | null {
  if (o.fieldManager === undefined) return null;
  for (let i = 0; i < mf.length; i++) {
    const e = mf[i];
    if (!isRecord(e) || e.subresource === 'status' || !isRecord(e.fieldsV1)) continue;
    if (e.manager === o.fieldManager && e.operation === 'Apply') return e as { fieldsV1: Record<string, unknown> };
  }
  return null;
}

function managedFieldsChanges(
  p: PreparedDesiredImpl,
  mf: ReadonlyArray<unknown>,
  live: Record<string, unknown>,
  hasLastApplied: boolean,
  o: DiffOptions,
  out: RawChange[],
  silent: object | null,
): number {
  let producing = 0;
  let w: FieldsetWalk | null = null;
  for (let i = 0; i < mf.length; i++) {
    const e = mf[i];
    // Checked along the comparison: its walk would report nothing.
    if (e === silent) continue;
    if (!isRecord(e) || e.subresource === 'status') continue;
    const fields = e.fieldsV1;
    if (!isRecord(fields)) continue;
    const manager = typeof e.manager === 'string' ? e.manager : '';
    let mode: FieldsetWalk['mode'];
    if (o.fieldManager !== undefined && manager === o.fieldManager) {
      // Only an Apply records intent. An Update entry of the same manager also holds whatever
      // defaulting and mutating admission added to its request, so it proves nothing.
      if (e.operation !== 'Apply') continue;
      mode = 'removed';
    } else {
      if (isIgnoredManager(manager, o)) continue;
      // The client-side applier: what it applied is in last-applied, the rest of its entry is
      // defaults it happened to write on create.
      if (hasLastApplied && ownsLastApplied(fields)) continue;
      mode = 'added';
    }
    const before = out.length;
    if (w === null) w = { mode, entry: e, manager: null, kind: p.kind, out, segs: newSegStack() };
    else {
      w.mode = mode;
      w.entry = e;
      w.manager = null;
    }
    walkFieldset(fields, p.root, live, Z_ROOT, w);
    if (out.length > before) producing++;
  }
  return producing;
}

function scopeOf(p: PreparedDesiredImpl, live: Record<string, unknown>): ObjectScope {
  const meta = isRecord(live.metadata) ? live.metadata : {};
  const labels: Record<string, string> = {};
  if (isRecord(meta.labels)) for (const [k, v] of Object.entries(meta.labels)) if (typeof v === 'string') labels[k] = v;
  Object.assign(labels, p.labels);
  return {
    group: p.group,
    kind: p.kind,
    namespace: p.namespace ?? (typeof meta.namespace === 'string' ? meta.namespace : ''),
    name: p.name ?? (typeof meta.name === 'string' ? meta.name : ''),
    labels,
  };
}

function pathOf(c: RawChange): string {
  return c.node !== undefined ? c.node.path() : formatPath(c.segs);
}

function toFieldChange(c: RawChange, secret: boolean): FieldChange {
  const out: FieldChange = { path: pathOf(c), op: c.op };
  if (c.desired !== undefined) out.desired = secret ? redactSecretChangeValue(c.segs, c.desired) : c.desired;
  if (c.live !== undefined) out.live = secret ? redactSecretChangeValue(c.segs, c.live) : c.live;
  if (c.manager !== undefined) out.manager = c.manager;
  if (c.reason !== undefined) out.reason = c.reason;
  return out;
}

function dedupe(raw: RawChange[]): RawChange[] {
  const seen = new Set<string>();
  const out: RawChange[] = [];
  for (const c of raw) {
    const k = pathOf(c);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(c);
  }
  return out;
}

function finish(
  p: PreparedDesiredImpl,
  live: Record<string, unknown>,
  raw: RawChange[],
  mf: unknown,
  o: DiffOptions,
  warnings: string[],
): DriftReport {
  for (const c of raw) if (c.manager === undefined && c.op !== 'missing') c.manager = ownerOf(mf, c.segs);
  const rules: CompiledIgnoreRule[] = [];
  if (o.ignoreAggregatedRoleRules !== false && p.kind === 'ClusterRole' && (isRecord(p.object.aggregationRule) || isRecord(live.aggregationRule))) {
    rules.push(AGGREGATED_RULES_RULE);
  }
  // Compiled once per rules array (see IgnoreRule): options are usually built once and reused.
  const userRules = o.ignoreRules !== undefined ? compileIgnoreRules(o.ignoreRules) : NO_COMPILED;
  if (p.caBundleRules.length > 0 || userRules.length > 0) {
    const scope = scopeOf(p, live);
    for (const r of p.caBundleRules) if (inScope(r, scope)) rules.push(r);
    for (const r of userRules) if (inScope(r, scope)) rules.push(r);
  }
  for (const r of p.annotationRules) rules.push(r);
  const changes: FieldChange[] = [];
  const ignored: FieldChange[] = [];
  // Either side being a Secret hides values: a manifest of another kind (or of none) compared with
  // a live Secret would otherwise print the live one's data.
  const secret = p.secret || isCoreSecret(live);
  for (const c of raw) {
    let rule: CompiledIgnoreRule | undefined;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i] as CompiledIgnoreRule;
      if (ruleMatches(r, c)) {
        rule = r;
        break;
      }
    }
    const fc = toFieldChange(c, secret);
    if (rule === undefined) changes.push(fc);
    else {
      fc.ignoredBy = rule.label;
      ignored.push(fc);
    }
  }
  return { drift: changes.length > 0, changes, ignored, warnings };
}

export function diffPrepared(prepared: PreparedDesired, live: unknown, options: DiffOptions = NO_OPTIONS): DriftReport {
  const p = impl(prepared);
  const o = options;
  // Invalid rules should fail every call, not only calls that happen to find drift.
  if (o.ignoreRules !== undefined) compileIgnoreRules(o.ignoreRules);
  const warnings = p.warnings.length > 0 ? p.warnings.slice() : [];
  if (live === undefined || live === null) {
    return { drift: true, changes: [{ path: '', op: 'missing' }], ignored: [], warnings };
  }
  if (!isRecord(live)) throw new DriftInputError('the live object must be an object');
  const raw: RawChange[] = [];
  const meta = live.metadata;
  const mf = isRecord(meta) ? meta.managedFields : undefined;
  // The comparison checks the desired manager's own applied field set along the way; when it
  // holds nothing the manifest does not set, walking it for removals is skipped below.
  const own = Array.isArray(mf) ? ownApplyEntry(mf, o) : null;
  const cx: WalkContext = { out: raw, orderMatters: o.ignoreListOrder !== true, fsSilent: own !== null };
  diffNode(p.root, live, cx, own !== null ? own.fieldsV1 : undefined);
  if (p.kind !== '' && typeof live.kind === 'string' && live.kind !== p.kind) {
    raw.unshift({ op: 'changed', segs: ['kind'], desired: p.kind, live: live.kind });
  }
  if (p.apiVersion !== '' && typeof live.apiVersion === 'string' && live.apiVersion !== p.apiVersion) {
    warnings.push(`compared ${p.apiVersion} (desired) with ${live.apiVersion} (live)${CROSS_VERSION_TAIL}`);
  }
  const annotations = isRecord(meta) ? meta.annotations : undefined;
  const lastApplied = isRecord(annotations) ? annotations[LAST_APPLIED_ANNOTATION] : undefined;
  const hasLastApplied = typeof lastApplied === 'string' && lastApplied !== '';
  const walked = raw.length;
  let sources = 0;
  if (hasLastApplied) {
    // The annotation is the desired side's record unless that side applies server-side and
    // leaves the annotation to someone else (kubectl --server-side keeps it, and owns it then).
    if (own === null || ownsLastApplied(own.fieldsV1)) lastAppliedRemovals(p, lastApplied, live, raw, warnings);
    else staleLastAppliedAdditions(p, lastApplied, live, mf as ReadonlyArray<unknown>, o, raw, warnings);
    if (raw.length > walked) sources++;
  }
  if (Array.isArray(mf) && mf.length > 0) sources += managedFieldsChanges(p, mf, live, hasLastApplied, o, raw, cx.fsSilent ? own : null);
  const lists = p.atomicLists();
  if (lists.length > 0 && (hasLastApplied || Array.isArray(mf))) {
    const before = raw.length;
    const laIsManifests = hasLastApplied && (own === null || ownsLastApplied(own.fieldsV1));
    atomicExtraChanges(lists, live, mf, o, laIsManifests ? lastApplied : undefined, raw);
    if (raw.length > before) sources++;
  }
  if (raw.length === 0) return { drift: false, changes: [], ignored: [], warnings };
  // Last-applied and managedFields, or two appliers sharing a field, can name the same field.
  const all = sources > 1 ? dedupe(raw) : raw;
  return finish(p, live, all, mf, o, warnings);
}

export function diffObjects(desired: unknown, live: unknown, options: DiffOptions = NO_OPTIONS): DriftReport {
  return diffPrepared(prepareDesired(desired, options, { once: true }), live, options);
}
