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
  if (!isCoreSecret(out)) return out;
  if (isRecord(out.data)) out.data = redactSecret(out.data);
  if (isRecord(out.stringData)) out.stringData = redactSecret(out.stringData, 'text');
  const annotations = isRecord(out.metadata) ? out.metadata.annotations : undefined;
  if (isRecord(annotations) && typeof annotations[LAST_APPLIED_ANNOTATION] === 'string') {
    annotations[LAST_APPLIED_ANNOTATION] = redactSecret(annotations[LAST_APPLIED_ANNOTATION], 'text');
  }
  return out;
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
