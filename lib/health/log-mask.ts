/**
 * Masks what looks like a credential in log text before any of it leaves the server: bearer
 * tokens, JWTs, `password=…`-style pairs, credentials in URLs, private key blocks and well-known
 * token formats. It errs on the side of masking; a hash or an id that survives is harmless, a
 * token that survives is not.
 */

export const MASK = '[masked]';

const KEY_WORDS = String.raw`(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?|secret[_-]?key|private[_-]?key|account[_-]?key|shared[_-]?access[_-]?key|client[_-]?secret|auth(?:orization)?|credentials?|session[_-]?id|cookie)`;

/**
 * Word characters around a key word, bounded, and the key starting where a word does: otherwise a
 * long run without a key word (a hex dump, a line of one word) made the engine try every start
 * against every length, time growing with the square of the line (32 KB took 2 s, a 64 KiB panic
 * value 21 s of the server's thread). Every repetition below is bounded or anchored alike.
 */
const KEY_AFFIX = String.raw`[\w.-]{0,64}`;

const RULES: ReadonlyArray<[RegExp, (m: string, ...groups: string[]) => string]> = [
  // A whole PEM private key, even cut off by the log's end.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, () => `-----BEGIN PRIVATE KEY----- ${MASK}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, (_m, scheme) => `${scheme} ${MASK}`],
  // Other schemes of an Authorization header: `token <hex>` (GitHub), `ApiKey …`, `Digest …`.
  [/\b(token|ApiKey|Digest|Negotiate)\s+[A-Za-z0-9._~+/=-]{16,}/gi, (_m, scheme) => `${scheme} ${MASK}`],
  // Token formats start where a run of their own characters does: a word boundary alone let them
  // start after every '-' of a long run (`eyJ-eyJ-…`), each start scanning to its end.
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, () => MASK],
  // scheme://user:password@host, the user possibly empty (redis://:pw@…); up to the last @ near it,
  // since passwords hold '@' and '/' unescaped in logs more often than hosts do.
  [/\b([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@"'<>]{0,256}):[^\s"'<>]{0,256}@/gi, (_m, prefix) => `${prefix}:${MASK}@`],
  // password=…, "token": "…", api_key: …, X-Api-Key=…, and JSON inside a JSON string (\"password\":\"…\").
  [
    new RegExp(String.raw`(?<![\w.-])(${KEY_AFFIX}${KEY_WORDS}${KEY_AFFIX}(?:\\?["'])?\s*[:=]\s*)(\\"(?:[^"\\]|\\[^"])*\\"|"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&"'}\]]+)`, 'gi'),
    (_m, key, value) => `${key}${quotedMask(value)}`,
  ],
  // A command line's flag and its value: `--password hunter2`, `--db-token=…` (the latter above).
  [new RegExp(String.raw`(\s--?${KEY_AFFIX}${KEY_WORDS}${KEY_AFFIX}\s+)(?!-)("[^"]*"|'[^']*'|\S+)`, 'gi'), (_m, flag, value) => `${flag}${quotedMask(value)}`],
  // Go's MySQL DSN: user:password@tcp(host:port)/db.
  [/(?<![\w.-])([\w.-]{1,64}):[^\s@"']{1,256}@(tcp|unix)\(/g, (_m, user, net) => `${user}:${MASK}@${net}(`],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, () => MASK],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, () => MASK],
  [/\bgithub_pat_[A-Za-z0-9_]{30,}\b/g, () => MASK],
  [/(?<![A-Za-z0-9-])xox[abprs]-[A-Za-z0-9-]{10,}\b/g, () => MASK],
  [/\bsk_(?:live|test)_[A-Za-z0-9]{16,}\b/g, () => MASK],
  [/(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}\b/g, () => MASK],
  [/\bnpm_[A-Za-z0-9]{36}\b/g, () => MASK],
  [/\bhv[sbr]\.[A-Za-z0-9_-]{20,}/g, () => MASK],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, () => MASK],
  // Long base64-looking runs with upper case, lower case and digits: random secrets rather than
  // words, hashes (hex) or UIDs (hex with dashes), which stay readable. File paths (a stack
  // frame's /tmp/build-Xy12…/main) look alike: a run that starts with '/' or has three or more
  // slashes is kept.
  [
    /(?<![A-Za-z0-9+/=_-])(?=[A-Za-z0-9+/_-]*[A-Z])(?=[A-Za-z0-9+/_-]*[a-z])(?=[A-Za-z0-9+/_-]*[0-9])[A-Za-z0-9+/_-]{40,}={0,2}(?![A-Za-z0-9+/=_-])/g,
    (m) => (m.startsWith('/') || (m.match(/\//g)?.length ?? 0) >= 3 ? m : MASK),
  ],
];

/** A masked value in the quotes it had. */
function quotedMask(value: string): string {
  if (value.startsWith('\\"')) return `\\"${MASK}\\"`;
  if (value.startsWith('"')) return `"${MASK}"`;
  if (value.startsWith("'")) return `'${MASK}'`;
  return MASK;
}

/** The text with every Secret-looking token replaced by `[masked]`. */
export function maskSecrets(text: string): string {
  let out = text;
  for (const [re, replace] of RULES) out = out.replace(re, replace as (m: string, ...g: string[]) => string);
  return out;
}

/** Of a termination message, what is kept or shown. */
export const MAX_TERMINATION_MESSAGE = 500;

/**
 * A termination message is the container's /dev/termination-log or, under
 * FallbackToLogsOnError, the tail of its log (up to 4 KiB): masked as logs are, and cut to its
 * first MAX_TERMINATION_MESSAGE characters, as a crash summary is, before the API shows it or the
 * history keeps it.
 */
export function maskedTerminationMessage(message: string): string {
  const masked = maskSecrets(message);
  return masked.length > MAX_TERMINATION_MESSAGE ? `${masked.slice(0, MAX_TERMINATION_MESSAGE - 1)}…` : masked;
}
