/** HTTP input of /api/v1/drift/rows, validated at the edge. */
import { z } from 'zod';
import { wholeNumberParam } from './query-numbers';

export const driftRowsQuery = z
  .object({
    limit: wholeNumberParam(1, 100_000).default(50_000),
    cursor: z.string().max(2000).optional(),
  })
  .strict();
