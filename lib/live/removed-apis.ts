/**
 * Kinds of groups the API server stopped serving, with what to do instead. Objects are matched by
 * group (never by version), so a manifest still written for such a group matches nothing: kubectl
 * apply would refuse it too ("no matches for kind"). Saying where the kind went turns "does not
 * serve" into the fix.
 */
const apps = 'write it as apps/v1 (extensions/v1beta1 was removed in Kubernetes 1.16)';
const PSP = 'PodSecurityPolicy was removed in Kubernetes 1.25 (Pod Security Admission replaces it; before 1.25 it is policy/v1beta1)';
const MOVED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  extensions: {
    Deployment: apps,
    DaemonSet: apps,
    ReplicaSet: apps,
    NetworkPolicy: 'write it as networking.k8s.io/v1 (extensions/v1beta1 was removed in Kubernetes 1.16)',
    Ingress: 'write it as networking.k8s.io/v1 (extensions/v1beta1 was removed in Kubernetes 1.22)',
    PodSecurityPolicy: PSP,
  },
  policy: { PodSecurityPolicy: PSP },
};

/** What to do about a kind of a group the cluster does not serve (`write it as apps/v1 (…)`), or undefined. */
export function movedKindHint(group: string, kind: string): string | undefined {
  return MOVED[group]?.[kind];
}
