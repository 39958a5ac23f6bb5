/**
 * Kinds whose group the API server stopped serving altogether, with where they live now. Objects
 * are matched by group (never by version), so a manifest still written for one of these groups
 * matches nothing: kubectl apply would refuse it too ("no matches for kind"). Saying where the
 * kind went turns "does not serve" into the fix.
 */
const MOVED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  extensions: {
    Deployment: 'apps/v1 (extensions/v1beta1 was removed in Kubernetes 1.16)',
    DaemonSet: 'apps/v1 (extensions/v1beta1 was removed in Kubernetes 1.16)',
    ReplicaSet: 'apps/v1 (extensions/v1beta1 was removed in Kubernetes 1.16)',
    NetworkPolicy: 'networking.k8s.io/v1 (extensions/v1beta1 was removed in Kubernetes 1.16)',
    Ingress: 'networking.k8s.io/v1 (extensions/v1beta1 was removed in Kubernetes 1.22)',
    PodSecurityPolicy: 'nothing: PodSecurityPolicy was removed in Kubernetes 1.25 (Pod Security Admission replaces it)',
  },
};

/** Where a kind of a group the cluster no longer serves went (`apps/v1 (…)`), or undefined. */
export function movedKind(group: string, kind: string): string | undefined {
  return MOVED[group]?.[kind];
}
