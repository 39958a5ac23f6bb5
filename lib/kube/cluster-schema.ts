import type { KubeConfig } from '@kubernetes/client-node';
import { combineSchemaProviders, crdSchemaProvider, openApiV3SchemaProvider, type SchemaProvider } from '../drift';
import { getJson, KubeApiError } from './http';

interface OpenApiIndex {
  paths?: Record<string, { serverRelativeURL?: string }>;
}

interface CrdList {
  items?: unknown[];
}

export interface ClusterSchemaOptions {
  /**
   * Group-versions to fetch OpenAPI v3 documents for, as the index names them (`api/v1`,
   * `apis/apps/v1`). Each document is large, so only those the desired manifests use are worth it.
   * Undefined fetches every document the server publishes.
   */
  groupVersions?: ReadonlyArray<string>;
  timeoutMs?: number;
  /** Also list the CustomResourceDefinitions (default true); false when an informer has them. */
  crds?: boolean;
}

export interface ClusterSchema {
  provider: SchemaProvider;
  /** Documents or CRDs that could not be read; the engine then falls back to its built-in table. */
  warnings: string[];
}

/** Whether a failed request may work when asked again. */
function mayPass(err: unknown): boolean {
  return !(err instanceof KubeApiError) || err.status === 0 || err.status === 429 || err.status >= 500;
}

/** OpenAPI v3 path of an apiVersion: `v1` → `api/v1`, `apps/v1` → `apis/apps/v1`. */
export function openApiPathOf(apiVersion: string): string {
  return apiVersion.includes('/') ? `apis/${apiVersion}` : `api/${apiVersion}`;
}

/** The apiVersion of an OpenAPI v3 path (openApiPathOf's inverse): `api/v1` → `v1`, `apis/apps/v1` → `apps/v1`. */
export function apiVersionOfOpenApiPath(path: string): string {
  return path.slice(path.indexOf('/') + 1);
}

export interface ClusterSchemaDocuments {
  /** OpenAPI v3 documents, one per group-version fetched. */
  documents: unknown[];
  /** CustomResourceDefinition objects as the API serves them. */
  crds: unknown[];
  /** Documents or CRDs that could not be read. */
  warnings: string[];
  /**
   * Requested group-versions whose document could not be read for a reason that may pass (a
   * timeout, a dropped connection, 429, a 5xx), each with why: worth asking again. Not here: a
   * group-version the index does not list (the server publishes nothing for it) or one refused
   * (403, 404), which asking again would not change; those are warnings only.
   */
  unread: Map<string, string>;
}

/** The schema provider for documents and CRDs read by `loadClusterSchemaDocuments` (or saved from it). */
export function clusterSchemaProvider(documents: ReadonlyArray<unknown>, crds: ReadonlyArray<unknown>): SchemaProvider {
  return combineSchemaProviders(crdSchemaProvider([...crds]), openApiV3SchemaProvider([...documents]));
}

/**
 * The raw documents behind `loadClusterSchema`: for tools that keep them (the engine benchmark
 * saves them with its pairs so it can run without a cluster).
 */
export async function loadClusterSchemaDocuments(kc: KubeConfig, opts: ClusterSchemaOptions = {}): Promise<ClusterSchemaDocuments> {
  const warnings: string[] = [];
  const unread = new Map<string, string>();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const documents: unknown[] = [];
  try {
    const index = await getJson<OpenApiIndex>(kc, '/openapi/v3', { timeoutMs });
    const wanted = opts.groupVersions ? new Set(opts.groupVersions) : undefined;
    const entries = Object.entries(index.paths ?? {}).filter(([p]) => !wanted || wanted.has(p));
    const fetched = await Promise.all(
      entries.map(async ([p, { serverRelativeURL }]) => {
        try {
          return await getJson<unknown>(kc, serverRelativeURL ?? `/openapi/v3/${p}`, { timeoutMs });
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          warnings.push(`OpenAPI v3 document ${p}: ${why}`);
          if (mayPass(err)) unread.set(p, why);
          return undefined;
        }
      }),
    );
    for (const d of fetched) if (d !== undefined) documents.push(d);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    warnings.push(`OpenAPI v3 index: ${why}`);
    if (mayPass(err)) for (const gv of opts.groupVersions ?? []) unread.set(gv, `OpenAPI v3 index: ${why}`);
  }
  let crds: unknown[] = [];
  if (opts.crds !== false) {
    try {
      const list = await getJson<CrdList>(kc, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { timeoutMs });
      crds = list.items ?? [];
    } catch (err) {
      // Without permission to read CRDs, their OpenAPI rendering is the next best thing.
      const why = err instanceof KubeApiError && err.forbidden ? 'forbidden' : err instanceof Error ? err.message : String(err);
      warnings.push(`CustomResourceDefinitions: ${why}`);
    }
  }
  return { documents, crds, warnings, unread };
}

/**
 * What the cluster itself publishes about object shapes: OpenAPI v3 (list keys, defaults of the
 * built-in kinds as this server version has them) and CRD structural schemas (defaults of custom
 * resources). CRD schemas win for custom resources because they carry defaults the OpenAPI
 * rendering may drop. A forbidden or missing document is a warning, not a failure: the engine
 * still has its built-in fallback.
 */
export async function loadClusterSchema(kc: KubeConfig, opts: ClusterSchemaOptions = {}): Promise<ClusterSchema> {
  const { documents, crds, warnings } = await loadClusterSchemaDocuments(kc, opts);
  return { provider: clusterSchemaProvider(documents, crds), warnings };
}
