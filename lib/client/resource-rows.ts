import type { ResourceSyncState } from './types';

/**
 * `deployments.apps`; rows about the cluster rather than one resource (`(discovery)`, `(OpenAPI
 * schema)`) name their group-version instead.
 */
export function resourceRowName(r: ResourceSyncState): string {
  if (!r.resource.startsWith('(')) return r.group ? `${r.resource}.${r.group}` : r.resource;
  const gv = [r.group, r.version].filter(Boolean).join('/');
  return gv ? `${r.resource} ${gv}` : r.resource;
}

/** A stable key for a row: two schema rows of one group differ by version only. */
export function resourceRowKey(r: ResourceSyncState): string {
  return `${r.cluster}/${r.group}/${r.version}/${r.resource}`;
}

/**
 * Rows whose failure leaves drift known, only compared with less: an OpenAPI document not read
 * (its kinds compared with the built-in defaults and list keys), the CRD list not readable
 * (custom resources compared without their schemas' defaults).
 */
export function isSchemaRow(r: ResourceSyncState): boolean {
  return r.resource === '(OpenAPI schema)' || (r.group === 'apiextensions.k8s.io' && r.resource === 'customresourcedefinitions' && r.reasons.includes('custom resource schemas'));
}
