import type { KubeConfig } from '@kubernetes/client-node';

export declare function bareList(
  k8s: typeof import('@kubernetes/client-node'),
  kc: KubeConfig,
  opts: { group: string; plural: string; limit?: number },
): Promise<number>;
