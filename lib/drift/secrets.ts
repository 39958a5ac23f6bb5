/**
 * Secret values never leave the engine: they are compared as decoded bytes and reported as a
 * redaction marker with a short hash, so "changed" is visible and the value is not.
 */
import { randomBytes } from 'node:crypto';
import { setOwn } from './normalize';
import { hmacSha256Hex } from './hash';
import type { RedactedValue } from './types';

/**
 * Markers carry a keyed hash (HMAC-SHA256, 12 hex digits), not a plain SHA-256: a plain hash of a
 * short or common value (`hunter2`, `admin`) is undone with a dictionary by anyone who can read a
 * marker — in the API, a shared snapshot, an embed or the history database. The key is the
 * server's (setRedactionKey: DRIFTWATCH_REDACTION_KEY or a file in the data directory), so that
 * markers stay comparable across restarts; without one, a key of this process's own. It lives on
 * globalThis because Next evaluates this module once per route bundle.
 */
const KEY = Symbol.for('driftwatch.redaction.key');
type KeyHolder = { [KEY]?: Uint8Array };

export const REDACTION_KEY_MIN_BYTES = 32;

export function setRedactionKey(key: Uint8Array): void {
  if (key.length < REDACTION_KEY_MIN_BYTES) throw new Error(`a redaction key needs at least ${REDACTION_KEY_MIN_BYTES} bytes`);
  (globalThis as KeyHolder)[KEY] = key;
}

/** The keyed digest of a Secret value's bytes (a string: its UTF-8 bytes), as markers and Secret revisions show it. */
export function redactionDigest(value: Uint8Array | string): string {
  const holder = globalThis as KeyHolder;
  holder[KEY] ??= randomBytes(REDACTION_KEY_MIN_BYTES);
  return hmacSha256Hex(holder[KEY], typeof value === 'string' ? encoder.encode(value) : value).slice(0, 12);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
// The URL-safe alphabet too: only "same bytes or not" matters here, never validity.
DECODE['-'.charCodeAt(0)] = 62;
DECODE['_'.charCodeAt(0)] = 63;

const encoder = new TextEncoder();

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET.charAt((n >> 18) & 63) + ALPHABET.charAt((n >> 12) & 63) + ALPHABET.charAt((n >> 6) & 63) + ALPHABET.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] ?? 0) << 16;
    out += `${ALPHABET.charAt((n >> 18) & 63)}${ALPHABET.charAt((n >> 12) & 63)}==`;
  } else if (rest === 2) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += `${ALPHABET.charAt((n >> 18) & 63)}${ALPHABET.charAt((n >> 12) & 63)}${ALPHABET.charAt((n >> 6) & 63)}=`;
  }
  return out;
}

/** Decodes base64, ignoring whitespace and padding; undefined when it is not base64. */
export function base64Decode(s: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4) + 3);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61 /* = */ || c === 32 || c === 10 || c === 13 || c === 9) continue;
    const v = c < 128 ? (DECODE[c] ?? -1) : -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

export function utf8ToBase64(s: string): string {
  return base64Encode(encoder.encode(s));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Secret `data` values: equal when they decode to the same bytes (padding, line breaks). */
export function secretValuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const da = base64Decode(a);
  const db = base64Decode(b);
  return da !== undefined && db !== undefined && bytesEqual(da, db);
}

/**
 * How a Secret's strings are written: `data` values in base64 (the marker hashes the bytes they
 * decode to), `stringData` values and other text as they are (the marker hashes their UTF-8
 * bytes). Equal values then get equal markers on either side: `stringData: {user: shop}` and
 * `data: {user: c2hvcA==}` are the same value, though `shop` happens to be valid base64 too.
 */
export type SecretEncoding = 'base64' | 'text';

function bytesOf(value: string, encoding: SecretEncoding): Uint8Array {
  return (encoding === 'base64' ? base64Decode(value) : undefined) ?? encoder.encode(value);
}

/** Replaces a Secret value (or a map/list of them) by redaction markers. */
export function redactSecret(value: unknown, encoding: SecretEncoding = 'base64'): unknown {
  if (typeof value === 'string') {
    const marker: RedactedValue = { redacted: true, sha256: redactionDigest(bytesOf(value, encoding)) };
    return marker;
  }
  if (Array.isArray(value)) return value.map((v) => redactSecret(v, encoding));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, redactSecret(v, encoding));
    return out;
  }
  // null, numbers and booleans carry no secret (and an invalid Secret may hold them): keep the type visible.
  return value === undefined || value === null ? value : { redacted: true, sha256: redactionDigest(String(value)) };
}

/**
 * The API server merges `stringData` into `data` (stringData wins) and never stores stringData;
 * doing the same on the desired side makes them comparable.
 */
export function foldStringData(secret: Record<string, unknown>): void {
  const sd = secret.stringData;
  if (typeof sd !== 'object' || sd === null || Array.isArray(sd)) {
    if (sd === null) delete secret.stringData;
    return;
  }
  const existing = secret.data;
  const data: Record<string, unknown> =
    typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? { ...(existing as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(sd)) {
    if (v === null || v === undefined) continue;
    data[k] = utf8ToBase64(typeof v === 'string' ? v : String(v));
  }
  secret.data = data;
  delete secret.stringData;
}

/**
 * Why a JSON text did not parse, for a warning. V8's messages quote the text around the error
 * (`Unexpected token 'c', ..."password": canary-sec"... is not valid JSON`): for a Secret's
 * last-applied annotation that would be its value in a warning, the API and the history, so only
 * the position is kept there.
 */
export function jsonParseProblem(err: unknown, secret: boolean): string {
  const message = err instanceof Error ? err.message : String(err);
  if (!secret) return message;
  const position = /position (\d+)/.exec(message)?.[1];
  return position === undefined ? 'a syntax error (the text is a Secret: not shown)' : `a syntax error at position ${position} (the text is a Secret: not shown)`;
}
