/** HTTP input of the history API, validated at the edge. */
import { z } from 'zod';
import { wholeNumberParam } from './query-numbers';

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * An ISO 8601 date-time with its offset (`2026-11-26T10:00:00Z`, `…T11:00+01:00`) as a Date, or
 * undefined. Not Date.parse: it also takes `March 7 2026`, and reads a time without an offset in
 * the server's own time zone, so one link would mean another moment on each server.
 */
export function parseIsoDateTime(s: string): Date | undefined {
  const m = ISO_DATE_TIME.exec(s);
  if (m === null) return undefined;
  const n = (i: number) => Number(m[i] ?? '0');
  const [y, mo, d, h, mi, sec, offH, offM] = [n(1), n(2), n(3), n(4), n(5), n(6), n(10), n(11)];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59 || offH > 23 || offM > 59) return undefined;
  const ms = Number(((m[7] ?? '') + '000').slice(0, 3));
  // setUTCFullYear, not Date.UTC, which reads years 0 to 99 as 1900 to 1999.
  const utc = new Date(0);
  utc.setUTCFullYear(y, mo - 1, d);
  utc.setUTCHours(h, mi, sec, ms);
  // A day the month does not have (2026-02-30) rolls over into the next: a mistake, not March 2.
  if (utc.getUTCDate() !== d || utc.getUTCMonth() !== mo - 1) return undefined;
  const sign = m[9] === '-' ? -1 : 1;
  return new Date(utc.getTime() - sign * (offH * 60 + offM) * 60_000);
}

/** Query and body date-times: ISO 8601 with `Z` or an offset, as the dashboard itself sends them. */
export const isoDateTime = z
  .string()
  .max(40)
  // A refinement, not an issue raised in the transform: a value refused stays a string, which the
  // range refinements below tell apart from a Date.
  .refine((s) => parseIsoDateTime(s) !== undefined, { message: 'an ISO 8601 date-time with `Z` or an offset, e.g. 2026-11-26T10:00:00Z or 2026-11-26T11:00:00+01:00' })
  .transform((s) => parseIsoDateTime(s) ?? new Date(Number.NaN));

const DAY = 86_400_000;

export const chartQuery = z
  .object({
    from: isoDateTime,
    to: isoDateTime,
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
    from: isoDateTime.optional(),
    to: isoDateTime.optional(),
    cluster: z.string().max(253).optional(),
    namespace: z.string().max(253).optional(),
    limit: wholeNumberParam(1, 1000).default(200),
  })
  .strict();

export const objectHistoryQuery = z
  .object({
    id: z.string().min(1).max(1200),
    from: isoDateTime.optional(),
    to: isoDateTime.optional(),
  })
  .strict();
