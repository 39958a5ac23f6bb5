/**
 * Kubernetes resource quantities (`500m`, `1Gi`, `1e3`) compared by value: the API server stores
 * them in canonical form, so `1000m` comes back as `1`, `0.1` as `100m`, `1024Mi` as `1Gi`.
 */

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/;

const BINARY_EXP: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * Canonical key of a quantity: equal keys iff equal values. Accepts numbers (YAML `cpu: 1`).
 * Returns undefined when the input is not a quantity.
 */
export function canonicalQuantity(input: unknown): string | undefined {
  let s: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    s = String(input);
    // String(1e21) is "1e+21", which the grammar accepts; tiny numbers become "1e-7", also fine.
  } else if (typeof input === 'string') s = input.trim();
  else return undefined;
  const m = QUANTITY.exec(s);
  if (m === null) return undefined;
  const sign = m[1] === '-' ? '-' : '';
  const num = m[2] ?? '0';
  const dot = num.indexOf('.');
  let digits = dot < 0 ? num : num.slice(0, dot) + num.slice(dot + 1);
  let exp10 = dot < 0 ? 0 : -(num.length - dot - 1);
  let exp2 = 0;
  if (m[3] !== undefined) exp2 = BINARY_EXP[m[3]] ?? 0;
  else if (m[4] !== undefined) exp10 += DECIMAL_EXP[m[4]] ?? 0;
  else if (m[5] !== undefined) exp10 += Number(m[5]);
  digits = digits.replace(/^0+/, '');
  if (digits === '') return '0';
  let n = BigInt(digits);
  if (exp2 > 0) n <<= BigInt(exp2);
  // Strip trailing decimal zeros so 1000e-3 and 1e0 share a key.
  while (n % 10n === 0n) {
    n /= 10n;
    exp10++;
  }
  return `${sign}${n.toString()}e${exp10}`;
}

const CANONICAL_CACHE_LIMIT = 4096;
const canonicalCache = new Map<string, string | null>();

/**
 * canonicalQuantity for the hot path: live objects repeat the same few quantity strings (`100m`,
 * `512Mi`) on every object, and parsing one costs a regex and BigInt arithmetic.
 */
export function canonicalQuantityCached(input: unknown): string | undefined {
  if (typeof input !== 'string') return canonicalQuantity(input);
  const hit = canonicalCache.get(input);
  if (hit !== undefined) return hit === null ? undefined : hit;
  const c = canonicalQuantity(input);
  if (canonicalCache.size >= CANONICAL_CACHE_LIMIT) canonicalCache.clear();
  canonicalCache.set(input, c === undefined ? null : c);
  return c;
}

export function isQuantity(input: unknown): boolean {
  return canonicalQuantity(input) !== undefined;
}

export function quantitiesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ca = canonicalQuantity(a);
  return ca !== undefined && ca === canonicalQuantity(b);
}
