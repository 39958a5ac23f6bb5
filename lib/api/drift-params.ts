/** HTTP input of the drift API, validated at the edge. */
import { z } from 'zod';
import { wholeNumberParam } from './query-numbers';
import { parseLabelSelector } from '../drift';
import { DRIFT_STATUSES, type DriftStatus } from '../live/types';

const list = z.array(z.string().min(1).max(253)).min(1).optional();

export const driftListQuery = z
  .object({
    cluster: list,
    namespace: list,
    // A namespace filter cannot name "no namespace" (an empty value is refused as a typo).
    scope: z.enum(['cluster', 'namespaced']).optional(),
    kind: list,
    status: z.array(z.enum(DRIFT_STATUSES as [DriftStatus, ...DriftStatus[]])).min(1).optional(),
    q: z.string().max(200).optional(),
    labelSelector: z
      .string()
      .max(1000)
      .optional()
      .superRefine((s, ctx) => {
        if (!s) return;
        try {
          parseLabelSelector(s);
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
        }
      }),
    limit: wholeNumberParam(1, 1000).default(100),
    // The last object's sort key, its id included (ids run to a few hundred characters).
    cursor: z.string().max(2048).optional(),
  })
  .strict();

export const DRIFT_LIST_ARRAY_KEYS = ['cluster', 'namespace', 'kind', 'status'] as const;

/** One object: by its id, or by its parts (what a shared link carries). */
export const driftObjectQuery = z
  .object({
    id: z.string().min(1).max(1200).optional(),
    cluster: z.string().min(1).max(253).optional(),
    group: z.string().max(253).optional(),
    kind: z.string().min(1).max(253).optional(),
    namespace: z.string().max(253).optional(),
    name: z.string().min(1).max(253).optional(),
    showIgnored: z.enum(['true', 'false']).optional(),
  })
  .strict()
  .refine((q) => q.id !== undefined || (q.cluster !== undefined && q.kind !== undefined && q.name !== undefined), {
    message: 'give id, or cluster, kind and name (plus group and namespace where they apply)',
  })
  // Both would have to agree; the id silently won before.
  .refine((q) => q.id === undefined || [q.cluster, q.group, q.kind, q.namespace, q.name].every((p) => p === undefined), {
    message: 'give either id or cluster, group, kind, namespace and name, not both',
  });

export const streamQuery = z
  .object({
    /** Resume point for clients that cannot set Last-Event-ID (EventSource sets it itself on reconnect). */
    since: z.string().max(64).optional(),
    cluster: list,
  })
  .strict();
