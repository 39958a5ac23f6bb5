/**
 * Whether a kind is namespaced decides two things for a manifest: whether a missing
 * metadata.namespace means the default namespace (as `kubectl apply` does) and whether a given one
 * is ignored (the API server clears it on cluster-scoped objects). Only discovery knows for sure
 * (CRDs declare their scope), so callers pass it in; the built-in table below covers the kinds
 * Kubernetes ships, for offline use and for the moment before discovery has answered.
 */
import type { ObjectKey } from './object-key';
import { groupOf } from './object-key';

/** true / false from discovery; undefined for a kind discovery does not (yet) know. */
export type IsNamespaced = (group: string, kind: string) => boolean | undefined;

const CLUSTER_SCOPED: Record<string, string[]> = {
  '': ['Namespace', 'Node', 'PersistentVolume', 'ComponentStatus'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'apiregistration.k8s.io': ['APIService'],
  'storage.k8s.io': ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'VolumeAttributesClass'],
  'scheduling.k8s.io': ['PriorityClass'],
  'admissionregistration.k8s.io': [
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
    'MutatingAdmissionPolicy',
    'MutatingAdmissionPolicyBinding',
  ],
  'node.k8s.io': ['RuntimeClass'],
  'networking.k8s.io': ['IngressClass', 'IPAddress', 'ServiceCIDR'],
  'certificates.k8s.io': ['CertificateSigningRequest', 'ClusterTrustBundle'],
  'flowcontrol.apiserver.k8s.io': ['FlowSchema', 'PriorityLevelConfiguration'],
  'resource.k8s.io': ['DeviceClass', 'ResourceSlice'],
  'internal.apiserver.k8s.io': ['StorageVersion'],
  'storagemigration.k8s.io': ['StorageVersionMigration'],
};

const NAMESPACED: Record<string, string[]> = {
  '': [
    'Pod',
    'Service',
    'ConfigMap',
    'Secret',
    'ServiceAccount',
    'PersistentVolumeClaim',
    'ReplicationController',
    'Endpoints',
    'LimitRange',
    'ResourceQuota',
    'PodTemplate',
    'Event',
    'Binding',
  ],
  apps: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision'],
  batch: ['Job', 'CronJob'],
  autoscaling: ['HorizontalPodAutoscaler'],
  policy: ['PodDisruptionBudget'],
  'networking.k8s.io': ['Ingress', 'NetworkPolicy'],
  'rbac.authorization.k8s.io': ['Role', 'RoleBinding'],
  'discovery.k8s.io': ['EndpointSlice'],
  'coordination.k8s.io': ['Lease'],
  'events.k8s.io': ['Event'],
  'storage.k8s.io': ['CSIStorageCapacity'],
  'resource.k8s.io': ['ResourceClaim', 'ResourceClaimTemplate'],
};

function table(t: Record<string, string[]>): Set<string> {
  const s = new Set<string>();
  for (const [group, kinds] of Object.entries(t)) for (const k of kinds) s.add(`${group}/${k}`);
  return s;
}

const CLUSTER_SET = table(CLUSTER_SCOPED);
const NAMESPACED_SET = table(NAMESPACED);

/** Scope of the kinds Kubernetes itself serves; undefined for everything else (CRDs, aggregated APIs). */
export const builtinIsNamespaced: IsNamespaced = (group, kind) => {
  const k = `${group}/${kind}`;
  if (NAMESPACED_SET.has(k)) return true;
  if (CLUSTER_SET.has(k)) return false;
  return undefined;
};

/** Discovery first, the built-in table for what discovery does not know. */
export function withBuiltinScopes(isNamespaced: IsNamespaced): IsNamespaced {
  return (group, kind) => isNamespaced(group, kind) ?? builtinIsNamespaced(group, kind);
}

export interface ScopeOptions {
  isNamespaced: IsNamespaced;
  /** Namespace of namespaced manifests that name none. Default 'default'. */
  defaultNamespace?: string;
}

export interface ScopedManifest {
  key: ObjectKey;
  /** The manifest with its namespace as the cluster would store it (a copy when that changed it). */
  manifest: Record<string, unknown>;
  /** Set when the scope is unknown or the manifest's namespace was dropped. */
  warning?: string;
}

/**
 * Resolves a manifest's namespace the way `kubectl apply` and the API server would, and its key.
 * The manifest must have apiVersion, kind and metadata.name (validated by the caller).
 */
export function scopeManifest(manifest: Record<string, unknown>, options: ScopeOptions): ScopedManifest {
  const apiVersion = manifest.apiVersion as string;
  const kind = manifest.kind as string;
  const metadata = manifest.metadata as Record<string, unknown>;
  const name = metadata.name as string;
  const group = groupOf(apiVersion);
  const given = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
  const namespaced = options.isNamespaced(group, kind);
  if (namespaced === true) {
    if (given !== undefined) return { key: { group, kind, namespace: given, name }, manifest };
    const namespace = options.defaultNamespace ?? 'default';
    return { key: { group, kind, namespace, name }, manifest: { ...manifest, metadata: { ...metadata, namespace } } };
  }
  if (namespaced === false) {
    if (given === undefined) return { key: { group, kind, namespace: '', name }, manifest };
    const rest = { ...metadata };
    delete rest.namespace;
    return {
      key: { group, kind, namespace: '', name },
      manifest: { ...manifest, metadata: rest },
      warning: `${kind} is cluster-scoped: metadata.namespace "${given}" is ignored`,
    };
  }
  const where = given === undefined ? 'treated as cluster-scoped' : `kept in namespace "${given}"`;
  return {
    key: { group, kind, namespace: given ?? '', name },
    manifest,
    warning: `the cluster does not serve ${kind}${group === '' ? '' : `.${group}`} (yet): scope unknown, ${where}`,
  };
}
