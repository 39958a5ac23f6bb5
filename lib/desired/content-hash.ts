/**
 * A content revision for desired manifests: the same object always hashes the same, whatever the
 * key order of the file it came from or the process that loaded it, so the live pipeline can skip
 * recomputing drift when a reload produced an identical object.
 */
import { createHash } from 'node:crypto';
import { setOwn } from '../drift/normalize';

/**
 * JSON with object keys sorted at every level; `undefined` members are left out as JSON.stringify
 * does. Numbers keep JSON's formatting (1.0 and 1 are the same number).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((e) => (e === undefined ? null : sortKeys(e)));
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const c = (v as Record<string, unknown>)[k];
    if (c !== undefined) setOwn(out, k, sortKeys(c));
  }
  return out;
}

/** 128 bits of SHA-256 over the canonical JSON, hex: plenty to tell revisions apart. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}
