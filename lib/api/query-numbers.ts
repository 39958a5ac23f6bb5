/** Whole-number query parameters, written as people write them: digits only. */
import { z } from 'zod';

/**
 * `?limit=50`. `z.coerce.number()` took anything `Number()` does — `0x10`, ` 1e1`, `2.` — so a
 * client's mistake got an answer it did not ask for instead of a 400.
 */
export function wholeNumberParam(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, `a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `at least ${min}`).max(max, `at most ${max}`));
}
