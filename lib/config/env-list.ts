/** List-valued environment variables (`DRIFTWATCH_CONTEXTS=a,b`), read one way everywhere. */
import { DriftConfigError } from './drift-config';

/** Comma or whitespace: how every list variable of the dashboard separates its entries. */
const LIST_SEPARATOR = /[\s,]+/;

const entriesOf = (v: string | undefined, sep: RegExp) =>
  (v ?? '')
    .split(sep)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * A list variable's entries, or undefined when it is unset or empty (`FOO=` is how compose files
 * and shells leave one out). Separators with nothing between them are a mistake that would
 * otherwise fall back to the default in silence — or, for an allow-list such as
 * DRIFTWATCH_ALLOWED_GROUPS, replace it with an empty one that allows everybody — so they are refused.
 */
export function listVariable(env: Record<string, string | undefined>, name: string, what: string, sep: RegExp = LIST_SEPARATOR): string[] | undefined {
  const raw = env[name] ?? '';
  const entries = entriesOf(raw, sep);
  if (entries.length > 0) return entries;
  if (raw.trim() !== '') throw new DriftConfigError(`environment (${name}): "${raw}" names no ${what}; leave it unset (or empty) for the default`);
  return undefined;
}
