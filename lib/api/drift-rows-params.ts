/** HTTP input of /api/v1/drift/rows, validated at the edge. */
import { z } from 'zod';

export const driftRowsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100_000).default(50_000),
    cursor: z.string().max(2000).optional(),
  })
  .strict();
