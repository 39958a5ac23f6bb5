/** HTTP input of the snapshot API, validated at the edge. */
import { z } from 'zod';
import { isoDateTime } from './history-params';

export const MAX_SNAPSHOT_LIFETIME_SECONDS = 366 * 86_400;

export const createSnapshotBody = z
  .object({
    /** The object, `cluster/group/kind/namespace/name` as in /api/v1/drift/object. */
    id: z.string().min(5).max(1024),
    mode: z.enum(['split', 'unified']).default('split'),
    showAll: z.boolean().default(false),
    /** The timeline range the page showed; `to` defaults to now. */
    from: isoDateTime.optional(),
    to: isoDateTime.optional(),
    /** Lifetime in seconds; without it the snapshot does not expire. */
    expiresInSeconds: z.number().int().min(1).max(MAX_SNAPSHOT_LIFETIME_SECONDS).optional(),
  })
  .strict()
  .refine((b) => !(b.from instanceof Date && b.to instanceof Date) || b.to.getTime() > b.from.getTime(), { message: '`to` must be after `from`' });

export type CreateSnapshotBody = z.infer<typeof createSnapshotBody>;
