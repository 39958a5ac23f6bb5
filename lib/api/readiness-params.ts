/** HTTP input of `GET /api/readyz`, validated at the edge. */
import { z } from 'zod';

/** Longest a readiness request may be held: past the usual proxy idle timeouts it would be cut anyway. */
export const MAX_READY_WAIT_SECONDS = 60;

export const readyzQuery = z
  .object({
    /** Seconds to hold the request until the dashboard is ready (0, the default: answer at once). */
    wait: z
      .string()
      .regex(/^\d{1,2}(\.\d{1,3})?$/, 'a number of seconds, such as 30 or 2.5')
      .transform(Number)
      .pipe(z.number().max(MAX_READY_WAIT_SECONDS))
      .optional(),
  })
  .strict();
