/**
 * A namespaced `Dial` custom resource whose CRD can serve several versions, for tests that move
 * the served version under a running dashboard.
 */
export function crdVersion(name: string, served: boolean, storage: boolean): Record<string, unknown> {
  return { name, served, storage, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } };
}

export function dialCrd(group: string, versions: ReadonlyArray<Record<string, unknown>>): { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> } {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `dials.${group}` },
    spec: { group, scope: 'Namespaced', names: { plural: 'dials', singular: 'dial', kind: 'Dial', listKind: 'DialList' }, versions },
  };
}
