/**
 * `driftwatch diff <desired-file> <live-file>`: the drift engine on files, like `kubectl diff`:
 * exit 0 in sync, 1 drift, 2 error.
 */
import { readFileSync } from 'node:fs';
import { parseDashboardConfigText } from '../config/dashboard-config';
import { DriftConfigError, diffOptionsFromConfig } from '../config/drift-config';
import { loadRedactionKey, REDACTION_KEY_ENV } from '../auth/redaction-key';
import { parseManifestText } from '../desired/manifest-parse';
import { setRedactionKey } from '../drift/secrets';
import type { ManifestProblem } from '../desired/types';
import { combineSchemaProviders, crdSchemaProvider, diffPrepared, DriftInputError, IgnoreRuleError, prepareDesired, type DiffOptions, type DriftReport, type FieldChange } from '../drift/index';

export const USAGE = `Usage: driftwatch diff <desired-file> <live-file> [options]

Compares desired manifests with live objects (YAML or JSON; multi-document files and
kind: List are matched by apiVersion group, kind, namespace and name). Either file may be
- for standard input: kubectl get deploy web -o yaml | driftwatch diff web.yaml -
Files are read as kubectl reads them (YAML 1.1: yes/no are booleans, 0644 and 0o644 are octal).
CustomResourceDefinitions (apiextensions.k8s.io/v1) in either file give their custom resources'
schemas: defaults the API server fills in and list keys, as the dashboard takes them from the cluster.

Options:
  --json                              print {"drift", "changes", "ignored", "warnings", "objects"}
  --field-manager NAME                field manager of the desired side (server-side apply)
  --no-ignore-aggregated-role-rules   report rules of aggregated ClusterRoles
  --config FILE                       YAML/JSON file with ignoreRules and other options
  -h, --help                          show this help

Secret values are shown as (value hidden, hash …): a keyed hash, of a key made for the run, or
of DRIFTWATCH_REDACTION_KEY when set (the dashboard's, to compare with its markers).

Exit status: 0 in sync, 1 drift, 2 error.`;

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** A mistake in the command line itself: answered with the usage too. */
class UsageError extends CliError {}

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Colour the human-readable output. */
  color: boolean;
  readFile: (path: string) => string;
}

interface Args {
  desired: string;
  live: string;
  json: boolean;
  fieldManager?: string;
  ignoreAggregatedRoleRules: boolean;
  config?: string;
}

type Obj = Record<string, unknown>;

function isRecord(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseArgs(argv: ReadonlyArray<string>): Args | 'help' {
  const positional: string[] = [];
  const args: Omit<Args, 'desired' | 'live'> = { json: false, ignoreAggregatedRoleRules: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '-h':
      case '--help':
        return 'help';
      case '--json':
        args.json = true;
        break;
      case '--field-manager':
        args.fieldManager = value();
        break;
      case '--no-ignore-aggregated-role-rules':
        args.ignoreAggregatedRoleRules = false;
        break;
      case '--config':
        args.config = value();
        break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        positional.push(a);
    }
  }
  if (positional[0] !== 'diff') throw new UsageError(positional.length === 0 ? 'missing command' : `unknown command ${positional[0] ?? ''}`);
  if (positional.length !== 3) throw new UsageError('diff needs exactly two files: <desired-file> <live-file>');
  if (positional[1] === '-' && positional[2] === '-') throw new UsageError('only one of the two files can be standard input (-)');
  return { ...args, desired: positional[1] ?? '', live: positional[2] ?? '' };
}

/**
 * Kubernetes objects in a file, read by the dashboard's own manifest parser (kubectl's YAML 1.1,
 * a byte-order mark, `kind: List`, file:line for every problem): the CLI and the dashboard never
 * disagree about what a file declares. Problems that are warnings go to `warnings`.
 */
export function loadObjects(file: string, io: Pick<CliIo, 'readFile'>, warnings: string[] = []): Obj[] {
  const name = file === '-' ? '(standard input)' : file;
  let text: string;
  try {
    text = io.readFile(file);
  } catch (e) {
    const code = isRecord(e) && typeof e.code === 'string' ? e.code : '';
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory (give one file; the dashboard reads directories)' : e instanceof Error ? e.message : String(e);
    throw new CliError(`cannot read ${name}: ${why}`);
  }
  const { objects, problems } = parseManifestText(text, name);
  const where = (p: ManifestProblem) => `${name}${p.line > 0 ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : ''}`;
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new CliError(errors.map((p) => `${where(p)}: ${p.message}`).join('\n'));
  for (const p of problems) warnings.push(`${where(p)}: ${p.message}`);
  if (objects.length === 0) throw new CliError(`${name}: no Kubernetes objects found`);
  return objects.map((o) => o.manifest);
}

function isCrd(o: Obj): boolean {
  return o.apiVersion === 'apiextensions.k8s.io/v1' && o.kind === 'CustomResourceDefinition';
}

function group(o: Obj): string {
  const v = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const i = v.lastIndexOf('/');
  return i < 0 ? '' : v.slice(0, i);
}

function meta(o: Obj, key: 'name' | 'namespace'): string | undefined {
  const m = o.metadata;
  if (!isRecord(m)) return undefined;
  const v = m[key];
  return typeof v === 'string' ? v : undefined;
}

export function objectRef(o: Obj): string {
  const ns = meta(o, 'namespace');
  const kind = typeof o.kind === 'string' ? o.kind : '?';
  const api = typeof o.apiVersion === 'string' ? o.apiVersion : '?';
  return `${api} ${kind} ${ns !== undefined ? `${ns}/` : ''}${meta(o, 'name') ?? '?'}`;
}

export interface Pair {
  desired: Obj;
  live: Obj | undefined;
}

/** Matches desired and live objects by API group, kind, namespace and name (version may differ). */
export function matchObjects(desired: ReadonlyArray<Obj>, live: ReadonlyArray<Obj>, warnings: string[]): Pair[] {
  if (desired.length === 1 && live.length === 1) {
    const [d, l] = [desired[0] as Obj, live[0] as Obj];
    // One object each: compare them, whatever they are called (a Pod against its template, say).
    if (d.kind !== l.kind || meta(d, 'name') !== meta(l, 'name')) warnings.push(`comparing ${objectRef(d)} with ${objectRef(l)}`);
    return [{ desired: d, live: l }];
  }
  const used = new Set<Obj>();
  const pairs = desired.map((d): Pair => {
    const candidates = live.filter(
      (l) =>
        !used.has(l) &&
        l.kind === d.kind &&
        group(l) === group(d) &&
        meta(l, 'name') === meta(d, 'name') &&
        (meta(d, 'namespace') === undefined || meta(l, 'namespace') === meta(d, 'namespace')),
    );
    if (candidates.length > 1) warnings.push(`${objectRef(d)} has no namespace and matches ${candidates.length} live objects; using the first`);
    const l = candidates[0];
    if (l !== undefined) used.add(l);
    return { desired: d, live: l };
  });
  for (const l of live) if (!used.has(l)) warnings.push(`live object ${objectRef(l)} has no desired manifest; not compared`);
  return pairs;
}

const ANSI = { red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', magenta: '\u001b[35m', dim: '\u001b[2m', bold: '\u001b[1m', reset: '\u001b[0m' };

function formatValue(v: unknown): string {
  // A keyed hash (HMAC-SHA256), not the value's SHA-256: `sha256sum` of the value will not match it.
  if (isRecord(v) && v.redacted === true && typeof v.sha256 === 'string') return `(value hidden, hash ${v.sha256}…)`;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

const OPS: Record<FieldChange['op'], { sign: string; color: string; what: string }> = {
  changed: { sign: '~', color: ANSI.yellow, what: 'changed' },
  missing: { sign: '+', color: ANSI.green, what: 'missing in live' },
  removed: { sign: '-', color: ANSI.red, what: 'applied before, gone from the manifest, still live' },
  added: { sign: '>', color: ANSI.magenta, what: 'added in live by another actor' },
};

function formatChange(c: FieldChange, paint: (color: string, s: string) => string): string[] {
  const op = OPS[c.op];
  const what = c.reason === 'order' ? 'at another position in the list' : op.what;
  const lines = [`  ${paint(op.color, `${op.sign} ${c.path === '' ? '(whole object)' : c.path}`)}  ${paint(ANSI.dim, what)}`];
  if (c.desired !== undefined) lines.push(`      desired: ${formatValue(c.desired)}`);
  if (c.live !== undefined) lines.push(`      live:    ${formatValue(c.live)}`);
  if (c.manager !== undefined) {
    const m = c.manager;
    lines.push(paint(ANSI.dim, `      by ${m.name} (${m.operation}${m.time !== undefined ? `, ${m.time}` : ''})`));
  }
  if (c.ignoredBy !== undefined) lines.push(paint(ANSI.dim, `      ignored: ${c.ignoredBy}`));
  return lines;
}

interface ObjectResult {
  object: string;
  report: DriftReport;
}

export function renderHuman(results: ReadonlyArray<ObjectResult>, warnings: ReadonlyArray<string>, color: boolean): string {
  const paint = (c: string, s: string): string => (color ? `${c}${s}${ANSI.reset}` : s);
  const out: string[] = [];
  let drifted = 0;
  for (const { object, report } of results) {
    if (report.drift) drifted++;
    const status = report.drift ? paint(ANSI.yellow, `${report.changes.length} change${report.changes.length === 1 ? '' : 's'}`) : paint(ANSI.green, 'in sync');
    out.push(`${paint(ANSI.bold, object)}: ${status}`);
    for (const c of report.changes) out.push(...formatChange(c, paint));
    if (report.ignored.length > 0) {
      out.push(paint(ANSI.dim, `  ${report.ignored.length} ignored:`));
      for (const c of report.ignored) out.push(...formatChange(c, (_c, s) => paint(ANSI.dim, s)));
    }
    for (const w of report.warnings) out.push(`  ${paint(ANSI.yellow, 'warning:')} ${w}`);
  }
  for (const w of warnings) out.push(`${paint(ANSI.yellow, 'warning:')} ${w}`);
  out.push(drifted === 0 ? paint(ANSI.green, 'No drift.') : paint(ANSI.yellow, `Drift in ${drifted} of ${results.length} object${results.length === 1 ? '' : 's'}.`));
  return `${out.join('\n')}\n`;
}

/**
 * The drift options of a configuration file: the dashboard's own file (its ignore rules, field
 * manager and the like; clusters, manifests and the rest are validated and left aside), or a file
 * with only those keys.
 */
function loadConfig(file: string, io: Pick<CliIo, 'readFile'>): DiffOptions {
  let text: string;
  try {
    text = io.readFile(file);
  } catch (e) {
    throw new CliError(`cannot read config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return diffOptionsFromConfig(parseDashboardConfigText(text, file));
  } catch (e) {
    if (e instanceof DriftConfigError) throw new CliError(e.message);
    throw e;
  }
}

function diffCommand(args: Args, io: CliIo): number {
  // The dashboard's key, when given, so that markers compare with its own; else one of this run.
  if (process.env[REDACTION_KEY_ENV]) {
    const key = loadRedactionKey(undefined, { [REDACTION_KEY_ENV]: process.env[REDACTION_KEY_ENV] });
    if ('error' in key) throw new CliError(key.error);
    setRedactionKey(key.key);
  }
  const options: DiffOptions = args.config !== undefined ? loadConfig(args.config, io) : {};
  if (args.fieldManager !== undefined) options.fieldManager = args.fieldManager;
  if (!args.ignoreAggregatedRoleRules) options.ignoreAggregatedRoleRules = false;
  const warnings: string[] = [];
  const desired = loadObjects(args.desired, io, warnings);
  const live = loadObjects(args.live, io, warnings);
  // Without its CRD's schema a custom resource's server-filled defaults read as another actor's
  // additions and its keyed lists as atomic. Live CRDs come last: of one CRD in both files, the
  // server's copy (what it defaulted the live objects with) wins. A schema already in the options
  // stays, for kinds no CRD here defines.
  const crds = [...desired, ...live].filter(isCrd);
  if (crds.length > 0) options.schema = combineSchemaProviders(crdSchemaProvider(crds), options.schema);
  const results: ObjectResult[] = matchObjects(desired, live, warnings).map(({ desired: d, live: l }) => ({
    object: objectRef(d),
    report: diffPrepared(prepareDesired(d, options), l ?? null, options),
  }));
  const drift = results.some((r) => r.report.drift);
  if (args.json) {
    const multi = results.length > 1;
    const tag = (r: ObjectResult, cs: FieldChange[]): Array<FieldChange & { object?: string }> => (multi ? cs.map((c) => ({ object: r.object, ...c })) : cs);
    const doc = {
      drift,
      changes: results.flatMap((r) => tag(r, r.report.changes)),
      ignored: results.flatMap((r) => tag(r, r.report.ignored)),
      warnings: [...results.flatMap((r) => r.report.warnings.map((w) => (multi ? `${r.object}: ${w}` : w))), ...warnings],
      objects: results.map((r) => ({ object: r.object, drift: r.report.drift, changes: r.report.changes.length, ignored: r.report.ignored.length })),
    };
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    io.stdout(renderHuman(results, warnings, io.color));
  }
  return drift ? 1 : 0;
}

/** Runs the CLI; returns the exit status. Never throws. */
export function run(argv: ReadonlyArray<string>, ioOverrides: Partial<CliIo> = {}): number {
  const io: CliIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    color: process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '',
    readFile: (p) => readFileSync(p === '-' ? 0 : p, 'utf8'),
    ...ioOverrides,
  };
  try {
    const args = parseArgs(argv);
    if (args === 'help') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    return diffCommand(args, io);
  } catch (e) {
    if (e instanceof CliError || e instanceof DriftInputError || e instanceof IgnoreRuleError) {
      io.stderr(`driftwatch: ${e.message}\n`);
      if (e instanceof UsageError) io.stderr(`\n${USAGE}\n`);
      return 2;
    }
    io.stderr(`driftwatch: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}
