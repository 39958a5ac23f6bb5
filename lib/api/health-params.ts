/** HTTP input of the crash-correlation API (/api/v1/health/*), validated at the edge. */
import { z } from 'zod';

const name = z.string().min(1).max(253);

export const healthObjectQuery = z.object({ id: z.string().min(1).max(1200) }).strict();

export const healthPodQuery = z
  .object({
    cluster: name,
    namespace: name,
    name,
  })
  .strict();
