/** HTTP input of the history API, validated at the edge. */
import { z } from 'zod';
import { wholeNumberParam } from './query-numbers';

const isoDate = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'an ISO 8601 date-time, e.g. 2026-11-26T10:00:00Z' })
  .transform((s) => new Date(s));

const DAY = 86_400_000;

export const chartQuery = z
  .object({
    from: isoDate,
    to: isoDate,
    bucketMs: wholeNumberParam(60_000, DAY).refine((n) => n % 60_000 === 0, { message: 'a multiple of one minute' }),
    groupBy: z.enum(['none', 'cluster', 'namespace', 'kind']).default('none'),
    cluster: z.string().max(253).optional(),
    namespace: z.string().max(253).optional(),
    kind: z.string().max(253).optional(),
  })
  .strict()
  // zod runs object refinements even when a field failed (then still a string): check the types.
  .refine((q) => !(q.to instanceof Date && q.from instanceof Date) || q.to.getTime() > q.from.getTime(), { message: '`to` must be after `from`' })
  .refine((q) => !(q.to instanceof Date && q.from instanceof Date) || (q.to.getTime() - q.from.getTime()) / q.bucketMs <= 2_000, {
    message: 'at most 2,000 buckets: use a larger bucketMs',
  });

export const findingsQuery = z
  .object({
    kind: z.enum(['flapping', 'fight', 'reconcile-loop']).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    cluster: z.string().max(253).optional(),
    namespace: z.string().max(253).optional(),
    limit: wholeNumberParam(1, 1000).default(200),
  })
  .strict();

export const objectHistoryQuery = z
  .object({
    id: z.string().min(1).max(1200),
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .strict();
