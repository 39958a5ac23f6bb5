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

export const objectHref = (id: string) => `/objects?id=${encodeURIComponent(id)}`;

/** `group/version` → group ('' for core). */
export function groupOfApiVersion(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}
