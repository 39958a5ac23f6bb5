import type { SchemaProvider } from './schema';

export type FieldOp = 'changed' | 'missing' | 'removed' | 'added';

export interface ManagerRef {
  name: string;
  operation: string;
  time?: string;
}

/** What a Secret value is replaced with in every report: never the value, only a short hash. */
export interface RedactedValue {
  redacted: true;
  /** First 12 hex digits of the SHA-256 of the decoded bytes. */
  sha256: string;
}

export interface FieldChange {
  /** Field path in DESIGN notation, e.g. `spec.template.spec.containers[name=app].image`. */
  path: string;
  op: FieldOp;
  desired?: unknown;
  live?: unknown;
  /** Owner of the live field in `managedFields`, when it has one. */
  manager?: ManagerRef;
  /** Set when the difference is not the value itself: `order` = element is at another position. */
  reason?: 'order';
  /** On ignored changes: which rule ignored it. */
  ignoredBy?: string;
}

export interface DriftReport {
  drift: boolean;
  changes: FieldChange[];
  ignored: FieldChange[];
  /** Problems of the desired manifest or the input that are not drift (e.g. duplicate env names). */
  warnings: string[];
}

export interface LabelSelectorRequirement {
  key: string;
  /** Gt and Lt (an integer label value against one integer) come from the string syntax only (`replicas>2`), as in kubectl's `-l`. */
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface IgnoreRule {
  /**
   * Path pattern in DESIGN notation. `*` matches one segment (`[*]` one list element), `**` any
   * number of segments, `*` inside a name or key value is a glob. A rule also covers everything
   * below the path it matches.
   */
  path?: string;
  /** RFC 6901 pointer; `*` as a whole token matches any one segment. */
  jsonPointer?: string;
  /** Only changes whose live field is owned by one of these field managers. */
  managers?: string[];
  ops?: FieldOp[];
  /** Scope; each accepts `*` globs. `group` is '' for the core group. */
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  labelSelector?: string | LabelSelector;
  /** Shown in `ignoredBy`. */
  reason?: string;
}

export interface DiffOptions {
  /** Field manager of the desired side (server-side apply), for three-way removal and attribution. */
  fieldManager?: string;
  /** Compiled once per array instance: replace the array rather than mutating it. */
  ignoreRules?: IgnoreRule[];
  /** Rules of a ClusterRole with an aggregationRule belong to the aggregation controller. Default true. */
  ignoreAggregatedRoleRules?: boolean;
  /** Managers whose live-only writes are never `added`; added to the built-in list of cluster controllers. */
  ignoreManagers?: string[];
  /** Schema knowledge published by the cluster (OpenAPI v3, CRDs); used by `prepareDesired`. */
  schema?: SchemaProvider;
  /**
   * Keyed lists: apply (client- and server-side) restores the desired relative order of elements,
   * so by default an element at another position is drift. Set true to match by key only.
   */
  ignoreListOrder?: boolean;
}

export type Scalar = string | number | boolean;
