/**
 * Everything that depends only on the desired revision: normalisation, defaults, schema lookups,
 * compiled key lookups. Done once per revision, reused for every live object it is compared with.
 */
import { compileValue, DNode, type SchemaPair } from './compile';
import { atomicListsOf } from './atomic-extras';
import { applyBuiltinDefaults, applySchemaDefaults, SoftMarks } from './defaults';
import { CA_BUNDLE_RULES, IGNORE_ANNOTATION, rulesFromAnnotation, type CompiledIgnoreRule } from './ignore-rules';
import { builtinSchemaProvider, isBuiltinKind } from './list-keys';
import { cloneJson, deepFreeze, isRecord, setOwn, stripVolatile } from './normalize';
import { splitApiVersion } from './schema';
import { foldStringData } from './secrets';
import type { RemovalCandidate } from './three-way';
import type { DiffOptions } from './types';

export class DriftInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DriftInputError';
  }
}

export interface PreparedDesired {
  readonly apiVersion: string;
  readonly kind: string;
  readonly group: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  /** The desired object after normalisation and API defaults. Shared: do not mutate. */
  readonly object: Readonly<Record<string, unknown>>;
  /** Manifest problems found while preparing (duplicate list keys, bad ignore annotation). */
  readonly warnings: ReadonlyArray<string>;
}

const LAST_APPLIED_CACHE_LIMIT = 16;

export class PreparedDesiredImpl implements PreparedDesired {
  readonly group: string;
  /** The built-in caBundle rules whose group and kind match this object (usually none). */
  readonly caBundleRules: ReadonlyArray<CompiledIgnoreRule>;
  /** Last-applied annotation text -> removal candidates (or the parse error message). */
  private readonly laCache = new Map<string, RemovalCandidate[] | string>();

  constructor(
    readonly apiVersion: string,
    readonly kind: string,
    readonly namespace: string | undefined,
    readonly name: string | undefined,
    private readonly obj: Record<string, unknown>,
    readonly warnings: ReadonlyArray<string>,
    readonly root: DNode,
    readonly secret: boolean,
    readonly annotationRules: ReadonlyArray<CompiledIgnoreRule>,
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.group = splitApiVersion(apiVersion).group;
    const group = this.group;
    this.caBundleRules = CA_BUNDLE_RULES.filter((r) => (r.group === null || r.group.test(group)) && (r.kind === null || r.kind.test(kind)));
  }

  /**
   * Frozen on first read, not when prepared: freezing every object of every manifest was a tenth of
   * preparing one, and most prepared objects (a start-up's) are compared once and never read.
   * Comparisons read the compiled tree; the default values they report are frozen where they
   * leave (diff.ts, managed-fields.ts).
   */
  get object(): Readonly<Record<string, unknown>> {
    return deepFreeze(this.obj);
  }

  private atomicListsCache: DNode[] | undefined = undefined;

  /** The tree's atomic lists of objects, found on first use (atomic-extras.ts). */
  atomicLists(): DNode[] {
    return (this.atomicListsCache ??= atomicListsOf(this.root));
  }

  cachedCandidates(annotation: string, compute: () => RemovalCandidate[] | string): RemovalCandidate[] | string {
    let hit = this.laCache.get(annotation);
    if (hit === undefined) {
      hit = compute();
      // Revisions of the annotation come and go with applies; old ones are not worth keeping.
      if (this.laCache.size >= LAST_APPLIED_CACHE_LIMIT) this.laCache.clear();
      this.laCache.set(annotation, hit);
    }
    return hit;
  }
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') setOwn(out, k, x);
  return out;
}

/** How a prepared object will be used: changes what preparing it costs, never a verdict. */
export interface PrepareHints {
  /**
   * Compared once and dropped (an initial sync, a one-off diff): its strings are not interned.
   * Interning makes every later comparison of an equal string an identity check, which pays over
   * repeated comparisons; for a single one it only costs a table lookup per string (at a
   * 15,000-object start-up, 0.1–0.3 s of the server's one thread).
   */
  once?: boolean;
}

export function prepareDesired(desired: unknown, options: DiffOptions = {}, hints: PrepareHints = {}): PreparedDesired {
  if (!isRecord(desired)) throw new DriftInputError('the desired manifest must be an object');
  const apiVersion = typeof desired.apiVersion === 'string' ? desired.apiVersion : '';
  const kind = typeof desired.kind === 'string' ? desired.kind : '';
  const warnings: string[] = [];
  if (apiVersion === '' || kind === '') warnings.push('the desired manifest has no apiVersion or kind; compared without API defaults');
  const obj = cloneJson(desired) as Record<string, unknown>;
  stripVolatile(obj);
  const { group } = splitApiVersion(apiVersion);
  const secret = kind === 'Secret' && group === '';
  if (secret) foldStringData(obj);
  const marks = new SoftMarks();
  if (isBuiltinKind(apiVersion, kind)) applyBuiltinDefaults(obj, apiVersion, kind, marks);
  const schema: SchemaPair = { p: options.schema?.schemaFor(apiVersion, kind), f: builtinSchemaProvider.schemaFor(apiVersion, kind) };
  applySchemaDefaults(obj, schema.p, marks);
  applySchemaDefaults(obj, schema.f, marks);
  const root = compileValue(obj, schema, null, undefined, '', undefined, false, false, { marks, secret, warnings, internValues: hints.once !== true }, true);
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const annotations = isRecord(meta.annotations) ? meta.annotations : {};
  const ignoreAnn = annotations[IGNORE_ANNOTATION];
  const annotationRules = typeof ignoreAnn === 'string' ? rulesFromAnnotation(ignoreAnn, warnings) : [];
  return new PreparedDesiredImpl(
    apiVersion,
    kind,
    typeof meta.namespace === 'string' ? meta.namespace : undefined,
    typeof meta.name === 'string' ? meta.name : undefined,
    obj,
    warnings,
    root,
    secret,
    annotationRules,
    stringMap(meta.labels),
  );
}
