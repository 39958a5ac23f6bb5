/**
 * Objects as the API hands them to a browser: Secret values replaced by redaction markers
 * (everywhere they can hide: data, stringData and the last-applied annotation, which kubectl
 * fills with the whole manifest), and the paths the engine never compares listed so the UI can
 * grey them out.
 */
import { formatPath, type PathSegment } from './path';
import { cloneJson, isRecord, LAST_APPLIED_ANNOTATION, VOLATILE_ANNOTATIONS, VOLATILE_METADATA } from './normalize';
import { isCoreSecret, redactSecret } from './secrets';

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

/** Redacts, in place, where a Secret's values are: data, stringData, the last-applied annotation. */
function redactSecretValues(secret: Record<string, unknown>): Record<string, unknown> {
  if (isRecord(secret.data)) secret.data = redactSecret(secret.data);
  if (isRecord(secret.stringData)) secret.stringData = redactSecret(secret.stringData, 'text');
  if (isRecord(secret.metadata)) redactLastApplied(secret.metadata.annotations);
  return secret;
}

function redactLastApplied(annotations: unknown): void {
  if (isRecord(annotations) && typeof annotations[LAST_APPLIED_ANNOTATION] === 'string') {
    annotations[LAST_APPLIED_ANNOTATION] = redactSecret(annotations[LAST_APPLIED_ANNOTATION], 'text');
  }
}

/**
 * A change's value found at `segs` of a Secret, its values redacted: below `data`/`stringData`,
 * and also in a value that holds them — the whole object, its metadata, its annotations or the
 * last-applied annotation itself (kubectl copies the whole manifest there).
 */
export function redactSecretChangeValue(segs: ReadonlyArray<PathSegment>, value: unknown): unknown {
  const [first, second, third] = segs;
  if (first === 'data' || first === 'stringData') return redactSecret(value);
  if (segs.length === 0) return isRecord(value) ? redactSecretValues(cloneJson(value) as Record<string, unknown>) : value;
  if (first !== 'metadata' || segs.length > 3) return value;
  if (segs.length === 3) return second === 'annotations' && third === LAST_APPLIED_ANNOTATION ? redactSecret(value, 'text') : value;
  if (!isRecord(value)) return value;
  const copy = cloneJson(value) as Record<string, unknown>;
  if (segs.length === 1) redactLastApplied(copy.annotations);
  else if (second === 'annotations') redactLastApplied(copy);
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
