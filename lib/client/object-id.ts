/** Object ids are `cluster/group/kind/namespace/name` (group and namespace may be empty). */
export interface ObjectIdParts {
  cluster: string;
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Parses from the right: namespaces, names, kinds and groups never hold '/', a cluster name might. */
export function parseObjectId(id: string): ObjectIdParts | undefined {
  const parts = id.split('/');
  if (parts.length < 5) return undefined;
  const name = parts.pop()!;
  const namespace = parts.pop()!;
  const kind = parts.pop()!;
  const group = parts.pop()!;
  const cluster = parts.join('/');
  if (!cluster || !kind || !name) return undefined;
  return { cluster, group, kind, namespace, name };
}

export const formatObjectId = (o: ObjectIdParts) => `${o.cluster}/${o.group}/${o.kind}/${o.namespace}/${o.name}`;

/**
 * The object a page's URL names: `?id=` or its parts (`cluster`, `group`, `kind`, `namespace`,
 * `name`; group and namespace may be absent), the documented forms of an object page's link.
 */
export function objectIdFromSearch(sp: { get(key: string): string | null }): string | undefined {
  const id = sp.get('id');
  if (id) return id;
  const cluster = sp.get('cluster');
  const kind = sp.get('kind');
  const name = sp.get('name');
  if (!cluster || !kind || !name) return undefined;
  return formatObjectId({ cluster, group: sp.get('group') ?? '', kind, namespace: sp.get('namespace') ?? '', name });
}

export const objectHref = (id: string) => `/objects?id=${encodeURIComponent(id)}`;

/** `group/version` → group ('' for core). */
export function groupOfApiVersion(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}
