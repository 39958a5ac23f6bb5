/** HTTP input of `GET /api/readyz`, validated at the edge. */
import { z } from 'zod';

/** Longest a readiness request may be held: past the usual proxy idle timeouts it would be cut anyway. */
export const MAX_READY_WAIT_SECONDS = 60;

export const readyzQuery = z
  .object({
    /** Seconds to hold the request until the dashboard is ready (0, the default: answer at once). */
    wait: z.coerce.number().min(0).max(MAX_READY_WAIT_SECONDS).optional(),
  })
  .strict();
