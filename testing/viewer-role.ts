/**
 * The test cluster's `viewer` user (its `test-cluster-viewer` context) may do only what a test
 * grants it: a Role in one namespace and the RoleBinding that gives it to the viewer.
 */
const RBAC = 'rbac.authorization.k8s.io/v1';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

interface Namespaced {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
}

export function viewerRole(namespace: string, name: string, rules: PolicyRule[]): { role: Namespaced & { rules: PolicyRule[] }; binding: Namespaced & { roleRef: object; subjects: object[] } } {
  return {
    role: { apiVersion: RBAC, kind: 'Role', metadata: { name, namespace }, rules },
    binding: {
      apiVersion: RBAC,
      kind: 'RoleBinding',
      metadata: { name: `viewer-${name}`, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'viewer' }],
    },
  };
}

/** Read access to ConfigMaps, as most RBAC tests grant it. */
export const READ_CONFIGMAPS: PolicyRule[] = [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }];
