/** The `crashes` section of the configuration file: crash correlation (docs/crash-correlation.md). */
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** `90s`, `15m`, `2h`, `1d`, or a number of seconds; the result is milliseconds. */
export const durationMs = z.union([
  z.number().positive().transform((s) => s * 1000),
  z
    .string()
    .regex(DURATION, { message: 'a duration such as `90s`, `15m`, `2h` or `1d`' })
    .transform((s) => {
      const m = DURATION.exec(s)!;
      return Number(m[1]) * UNIT_MS[m[2]!]!;
    })
    // As the number form: `0s` is no window either.
    .refine((ms) => ms > 0, { message: 'a duration longer than zero' }),
]);

export const CRASHES_DEFAULTS = { driftWindow: 15 * 60_000, tailLines: 500, limitBytes: 256 * 1024, maxPods: 10, maxLogFetches: 4 } as const;

export const crashesSchema = z
  .object({
    /** A pod-template or Pod field that changed at most this long before the first crash gets the "drift before crash" hint. */
    driftWindow: durationMs.default(CRASHES_DEFAULTS.driftWindow),
    /** Lines from the end of a crashed container's log (the kubelet reads only the tail). */
    tailLines: z.number().int().min(10).max(10_000).default(CRASHES_DEFAULTS.tailLines),
    /** Bytes at most per log fetch. */
    limitBytes: z.number().int().min(4096).max(4 * 1024 * 1024).default(CRASHES_DEFAULTS.limitBytes),
    /** Pods examined per object (those with problems first). */
    maxPods: z.number().int().min(1).max(100).default(CRASHES_DEFAULTS.maxPods),
    /** Logs read per request; crashed containers beyond it are reported from their status alone. */
    maxLogFetches: z.number().int().min(0).max(20).default(CRASHES_DEFAULTS.maxLogFetches),
  })
  .strict();

export type CrashesConfig = z.infer<typeof crashesSchema>;
