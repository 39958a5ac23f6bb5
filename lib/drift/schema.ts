/**
 * Schema knowledge the engine needs: how lists merge (keys, sets, atomic), which maps are atomic,
 * where quantities live, and `default:` values. The live system fills a SchemaProvider from the
 * cluster's OpenAPI v3 documents and CRDs; the built-in table in list-keys.ts is the offline fallback.
 */
import { isRecord } from './normalize';

/** A resolved structural schema node (no `$ref`), the subset of OpenAPI v3 the engine reads. */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  default?: unknown;
  format?: string;
  pattern?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  /**
   * Driftwatch extension for lists the API treats as atomic but whose order carries no meaning
   * (HPA metrics, Endpoints addresses): compared as sets of whole elements.
   */
  'x-driftwatch-unordered'?: boolean;
  /** Driftwatch extension: the built-in table's list semantics win over the cluster's schema here. */
  'x-driftwatch-override'?: boolean;
  /**
   * Driftwatch extension for pointer fields with no server default, whose false or 0 means
   * something other than leaving them out (`allowPrivilegeEscalation`, `runAsUser`): the API keeps
   * such a value, so a manifest's false or 0 here must be there live. Elsewhere the API drops
   * false and 0 (omitempty), and a manifest's false or 0 matches an absent field.
   */
  'x-driftwatch-keeps-empty'?: boolean;
}

export interface SchemaProvider {
  /** Schema of the whole object for this apiVersion and kind, or undefined when unknown. */
  schemaFor(apiVersion: string, kind: string): SchemaNode | undefined;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

const QUANTITY_PATTERN_HINT = '[KMGTPE]i';

/** True when a schema node describes a Kubernetes quantity. */
export function isQuantitySchema(s: SchemaNode | undefined): boolean {
  if (s === undefined) return false;
  if (s.format === 'quantity') return true;
  return s['x-kubernetes-int-or-string'] === true && typeof s.pattern === 'string' && s.pattern.includes(QUANTITY_PATTERN_HINT);
}

export function childSchema(s: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (s === undefined) return undefined;
  const p = s.properties?.[key];
  if (p !== undefined) return p;
  return typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
}

/**
 * Converts a raw (JSON) schema into a SchemaNode, following `$ref` and `allOf` through `resolveRef`.
 * Memoised per referenced name, so recursive schemas (JSONSchemaProps) become cyclic graphs
 * instead of infinite trees.
 */
function convertSchema(raw: unknown, resolveRef: (ref: string) => SchemaNode | undefined): SchemaNode {
  if (isRecord(raw)) {
    // A bare reference shares the target node, which keeps recursive schemas intact.
    const ref = soleRef(raw);
    const target = ref === undefined ? undefined : resolveRef(ref);
    if (target !== undefined) return target;
  }
  const out: SchemaNode = {};
  fill(out, raw, resolveRef);
  return out;
}

function soleRef(raw: Record<string, unknown>): string | undefined {
  let ref: unknown = raw.$ref;
  if (ref === undefined && Array.isArray(raw.allOf) && raw.allOf.length === 1) {
    const only: unknown = raw.allOf[0];
    if (isRecord(only)) ref = only.$ref;
  }
  if (typeof ref !== 'string') return undefined;
  for (const k of Object.keys(raw)) if (k !== '$ref' && k !== 'allOf' && k !== 'description') return undefined;
  return ref;
}

function fill(out: SchemaNode, raw: unknown, resolveRef: (ref: string) => SchemaNode | undefined): void {
  if (!isRecord(raw)) return;
  const ref = raw.$ref;
  if (typeof ref === 'string') {
    const target = resolveRef(ref);
    if (target !== undefined) Object.assign(out, target);
  }
  const allOf = raw.allOf;
  if (Array.isArray(allOf)) for (const part of allOf) fill(out, part, resolveRef);
  if (typeof raw.type === 'string') out.type = raw.type;
  if (typeof raw.format === 'string') out.format = raw.format;
  if (typeof raw.pattern === 'string') out.pattern = raw.pattern;
  if ('default' in raw) out.default = raw.default;
  const lt = raw['x-kubernetes-list-type'];
  if (lt === 'atomic' || lt === 'set' || lt === 'map') out['x-kubernetes-list-type'] = lt;
  const lk = raw['x-kubernetes-list-map-keys'];
  if (Array.isArray(lk) && lk.every((k) => typeof k === 'string')) out['x-kubernetes-list-map-keys'] = lk as string[];
  const mt = raw['x-kubernetes-map-type'];
  if (mt === 'atomic' || mt === 'granular') out['x-kubernetes-map-type'] = mt;
  if (raw['x-kubernetes-int-or-string'] === true) out['x-kubernetes-int-or-string'] = true;
  if (raw['x-kubernetes-preserve-unknown-fields'] === true) out['x-kubernetes-preserve-unknown-fields'] = true;
  if (isRecord(raw.properties)) {
    const props: Record<string, SchemaNode> = { ...(out.properties ?? {}) };
    for (const [k, v] of Object.entries(raw.properties)) props[k] = convertSchema(v, resolveRef);
    out.properties = props;
  }
  if (isRecord(raw.additionalProperties)) out.additionalProperties = convertSchema(raw.additionalProperties, resolveRef);
  else if (typeof raw.additionalProperties === 'boolean') out.additionalProperties = raw.additionalProperties;
  if (isRecord(raw.items)) out.items = convertSchema(raw.items, resolveRef);
}

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

class MapProvider implements SchemaProvider {
  constructor(private readonly byGvk: Map<string, SchemaNode>) {}
  schemaFor(apiVersion: string, kind: string): SchemaNode | undefined {
    const { group, version } = splitApiVersion(apiVersion);
    return this.byGvk.get(gvkKey(group, version, kind));
  }
}

/**
 * Schemas of custom resources from CustomResourceDefinition objects (as read from the cluster):
 * `spec.versions[].schema.openAPIV3Schema` is already structural, with defaults and list types.
 */
export function crdSchemaProvider(crds: ReadonlyArray<unknown>): SchemaProvider {
  const byGvk = new Map<string, SchemaNode>();
  const noRefs = (): undefined => undefined;
  for (const crd of crds) {
    if (!isRecord(crd) || !isRecord(crd.spec)) continue;
    const { group, names, versions } = crd.spec;
    if (typeof group !== 'string' || !isRecord(names) || typeof names.kind !== 'string' || !Array.isArray(versions)) continue;
    // Pre-1.16 CRDs put one schema at spec.validation for all versions.
    const shared = isRecord(crd.spec.validation) ? crd.spec.validation.openAPIV3Schema : undefined;
    for (const v of versions) {
      if (!isRecord(v) || typeof v.name !== 'string') continue;
      const raw = isRecord(v.schema) ? v.schema.openAPIV3Schema : shared;
      if (!isRecord(raw)) continue;
      byGvk.set(gvkKey(group, v.name, names.kind), convertSchema(raw, noRefs));
    }
  }
  return new MapProvider(byGvk);
}

const WELL_KNOWN_REFS: Record<string, SchemaNode> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string', format: 'quantity' },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { 'x-kubernetes-int-or-string': true },
};

/**
 * Schemas of any kind from the API server's OpenAPI v3 documents (`/openapi/v3/<group-version>`
 * responses, parsed). Kinds are found through `x-kubernetes-group-version-kind`.
 */
export function openApiV3SchemaProvider(documents: ReadonlyArray<unknown>): SchemaProvider {
  const rawByName = new Map<string, unknown>();
  for (const doc of documents) {
    if (!isRecord(doc) || !isRecord(doc.components) || !isRecord(doc.components.schemas)) continue;
    for (const [name, s] of Object.entries(doc.components.schemas)) rawByName.set(name, s);
  }
  const resolved = new Map<string, SchemaNode>();
  const resolveRef = (ref: string): SchemaNode | undefined => {
    const name = ref.slice(ref.lastIndexOf('/') + 1);
    const known = WELL_KNOWN_REFS[name];
    if (known !== undefined) return known;
    const hit = resolved.get(name);
    if (hit !== undefined) return hit;
    const raw = rawByName.get(name);
    if (raw === undefined) return undefined;
    const node: SchemaNode = {};
    resolved.set(name, node); // before filling, so self-references terminate
    fill(node, raw, resolveRef);
    return node;
  };
  const byGvk = new Map<string, SchemaNode>();
  for (const [name, raw] of rawByName) {
    if (!isRecord(raw)) continue;
    const gvks = raw['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    for (const g of gvks) {
      if (!isRecord(g) || typeof g.kind !== 'string' || typeof g.version !== 'string') continue;
      const node = resolveRef(`#/components/schemas/${name}`);
      if (node !== undefined) byGvk.set(gvkKey(typeof g.group === 'string' ? g.group : '', g.version, g.kind), node);
    }
  }
  return new MapProvider(byGvk);
}

/** First provider that knows the kind wins. */
export function combineSchemaProviders(...providers: ReadonlyArray<SchemaProvider | undefined>): SchemaProvider {
  return {
    schemaFor(apiVersion, kind) {
      for (const p of providers) {
        const s = p?.schemaFor(apiVersion, kind);
        if (s !== undefined) return s;
      }
      return undefined;
    },
  };
}
