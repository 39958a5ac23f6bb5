/**
 * How field values are stored: a short canonical JSON plus a 53-bit hash of the full canonical
 * JSON. The engine's redaction marker `{ redacted: true, sha256 }` is stored as that marker only,
 * and a value under a Secret's `data`/`stringData` that is not a marker is redacted here (the
 * engine should already have done it; this is the last line of defence).
 */
import { redactionDigest } from '../drift/secrets';

export interface StoredValue {
  /** Canonical JSON, or a `$truncated` summary when longer than the limit; null when absent. */
  json: string | null;
  /** Hash of the full canonical JSON (0 when absent). */
  hash: number;
  /** True when this function replaced a Secret value by a marker. */
  redactedHere: boolean;
}

export interface RedactionMarker {
  redacted: true;
  sha256: string;
}

const ABSENT: StoredValue = { json: null, hash: 0, redactedHere: false };

export function isRedactionMarker(v: unknown): v is RedactionMarker {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as { redacted?: unknown; sha256?: unknown };
  return o.redacted === true && typeof o.sha256 === 'string';
}

/** JSON with object keys sorted, no whitespace; `undefined` members are left out as JSON does. */
export function canonicalJson(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = v[i];
          out += item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 'null' : canonicalJson(item);
        }
        return `${out}]`;
      }
      const withJson = v as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return canonicalJson(withJson.toJSON());
      const rec = v as Record<string, unknown>;
      const keys = Object.keys(rec).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const item = rec[k];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return 'null';
  }
}

/** cyrb53: a fast 53-bit string hash (not cryptographic: it detects changes, it protects nothing). */
export function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const h = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  // 0 means "absent".
  return h === 0 ? 1 : h;
}

export function hashToHex(h: number): string {
  return h.toString(16).padStart(14, '0');
}

/** The engine's marker: the keyed digest of the value's text (lib/drift/secrets.ts says why keyed). */
export function redactionMarkerFor(value: unknown): RedactionMarker {
  const text = typeof value === 'string' ? value : canonicalJson(value);
  return { redacted: true, sha256: redactionDigest(text) };
}

/**
 * True for a path of a core-group Secret where its values are: under `data` or `stringData`, and in
 * its annotations (tools copy the whole Secret into one: kubectl's last-applied, kapp's original),
 * including the metadata and the whole object that hold them.
 */
export function isSecretValuePath(group: string, kind: string, path: string): boolean {
  if (group !== '' || kind !== 'Secret') return false;
  return path === '' || /^(data|stringData)(?:$|[.[])/.test(path) || /^metadata(?:$|\.annotations(?:$|[.[]))/.test(path);
}

/** Replaces every non-marker leaf by a marker; counts replacements in `count.n`. */
function redactDeep(v: unknown, count: { n: number }): unknown {
  if (v === undefined || v === null) return v;
  if (isRedactionMarker(v)) return { redacted: true, sha256: v.sha256 };
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, count));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = redactDeep(x, count);
    return out;
  }
  count.n++;
  return redactionMarkerFor(v);
}

/**
 * Turns a field value into what is stored. `secret` says the value sits under Secret data, where
 * anything that is not already a redaction marker is redacted.
 */
export function storeValue(v: unknown, secret: boolean, maxChars: number): StoredValue {
  return storeValueInto({ json: null, hash: 0, redactedHere: false }, v, secret, maxChars);
}

/** `storeValue` writing into `out` (no allocation on the write path); returns `out`. */
export function storeValueInto(out: StoredValue, v: unknown, secret: boolean, maxChars: number): StoredValue {
  if (v === undefined) {
    out.json = ABSENT.json;
    out.hash = ABSENT.hash;
    out.redactedHere = false;
    return out;
  }
  let redactedHere = false;
  let json: string;
  if (isRedactionMarker(v)) {
    json = `{"redacted":true,"sha256":${JSON.stringify(v.sha256)}}`;
  } else if (secret) {
    const count = { n: 0 };
    json = canonicalJson(redactDeep(v, count));
    redactedHere = count.n > 0;
  } else if (typeof v === 'string') {
    json = JSON.stringify(v);
  } else if (typeof v === 'number') {
    json = Number.isFinite(v) ? String(v) : 'null';
  } else {
    json = canonicalJson(v);
  }
  const hash = hash53(json);
  if (json.length > maxChars) {
    json = canonicalJson({ $truncated: true, length: json.length, preview: json.slice(0, Math.min(256, maxChars)) });
  }
  out.json = json;
  out.hash = hash;
  out.redactedHere = redactedHere;
  return out;
}

/** Parses a stored JSON value for the API. */
export function parseStored(json: string | null | undefined): unknown {
  if (json === null || json === undefined) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}
