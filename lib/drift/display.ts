/**
 * Objects as the API hands them to a browser: Secret values replaced by redaction markers
 * (everywhere they can hide: data, stringData and the annotations, which kubectl and other tools
 * fill with the whole manifest), and the paths the engine never compares listed so the UI can
 * grey them out.
 */
import { formatPath, type PathSegment } from './path';
import { cloneJson, isRecord, VOLATILE_ANNOTATIONS, VOLATILE_METADATA } from './normalize';
import { isCoreSecret } from './core-secret';
import { redactSecret } from './secrets';

export interface DisplayObject {
  object: Record<string, unknown>;
  /** Paths (DESIGN notation) that never count as drift: status, server-written metadata. */
  volatilePaths: string[];
}

/** A deep copy safe to show: Secret values redacted, nothing else changed. */
export function redactForDisplay(obj: unknown): Record<string, unknown> {
  if (!isRecord(obj)) return {};
  const out = cloneJson(obj) as Record<string, unknown>;
  return isCoreSecret(out) ? redactSecretValues(out) : out;
}

/** Redacts, in place, where a Secret's values are: data, stringData and its annotations. */
function redactSecretValues(secret: Record<string, unknown>): Record<string, unknown> {
  if (isRecord(secret.data)) secret.data = redactSecret(secret.data);
  if (isRecord(secret.stringData)) secret.stringData = redactSecret(secret.stringData, 'text');
  if (isRecord(secret.metadata)) redactAnnotations(secret.metadata.annotations);
  return secret;
}

/**
 * Every annotation of a Secret, not only kubectl's last-applied: tools copy the whole Secret into
 * one of their own (kapp's `kapp.k14s.io/original`), and no list of them is complete. A marker
 * still tells whether an annotation changed.
 */
function redactAnnotations(annotations: unknown): void {
  if (!isRecord(annotations)) return;
  for (const k of Object.keys(annotations)) {
    const v = annotations[k];
    if (typeof v === 'string') annotations[k] = redactSecret(v, 'text');
  }
}

/**
 * A change's value found at `segs` of a Secret, its values redacted: below `data`/`stringData`,
 * in its annotations, and in a value that holds them — the whole object, its metadata, its
 * annotations map.
 */
export function redactSecretChangeValue(segs: ReadonlyArray<PathSegment>, value: unknown): unknown {
  const [first, second] = segs;
  if (first === 'data' || first === 'stringData') return redactSecret(value);
  if (segs.length === 0) return isRecord(value) ? redactSecretValues(cloneJson(value) as Record<string, unknown>) : value;
  if (first !== 'metadata' || (segs.length > 1 && second !== 'annotations')) return value;
  if (segs.length >= 3) return typeof value === 'string' ? redactSecret(value, 'text') : value;
  if (!isRecord(value)) return value;
  const copy = cloneJson(value) as Record<string, unknown>;
  redactAnnotations(segs.length === 1 ? copy.annotations : copy);
  return copy;
}

/** Redacted copy plus the volatile paths present in it. */
export function toDisplayObject(obj: unknown): DisplayObject {
  const object = redactForDisplay(obj);
  const volatilePaths: string[] = [];
  const at = (...segs: PathSegment[]) => volatilePaths.push(formatPath(segs));
  if ('status' in object) at('status');
  const meta = object.metadata;
  if (isRecord(meta)) {
    for (const k of Object.keys(meta)) if (VOLATILE_METADATA.has(k)) at('metadata', k);
    if (isRecord(meta.annotations)) {
      for (const k of Object.keys(meta.annotations)) if (VOLATILE_ANNOTATIONS.has(k)) at('metadata', 'annotations', k);
    }
  }
  return { object, volatilePaths };
}
