/**
 * Desired-state source 2: what `kubectl apply` (client-side) last applied, recorded by kubectl in
 * the `kubectl.kubernetes.io/last-applied-configuration` annotation of the live object itself.
 */
import { isCoreSecret } from '../drift/core-secret';
import { jsonParseProblem } from '../drift/secrets';
import { contentHash } from './content-hash';
import { describeObjectKey, objectKeyOf, objectKeyString } from './object-key';
import type { DesiredObject, LastAppliedSource } from './types';
import { isRecord } from '../drift/normalize';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export type LastAppliedResult =
  | { ok: true; desired: DesiredObject<LastAppliedSource> }
  /** The annotation is there but unusable: not JSON, not an object, or about another object. */
  | { ok: false; message: string };

/** The annotation's text, or undefined when the live object has none (or an empty one). */
export function lastAppliedAnnotation(live: unknown): string | undefined {
  if (!isRecord(live) || !isRecord(live.metadata) || !isRecord(live.metadata.annotations)) return undefined;
  const a = live.metadata.annotations[LAST_APPLIED_ANNOTATION];
  return typeof a === 'string' && a.trim() !== '' ? a : undefined;
}

/**
 * The desired manifest recorded on a live object; undefined when it has no annotation. Identity
 * fields the annotation leaves out are taken from the live object (it describes that object by
 * construction); identity fields that contradict it make the annotation unusable — it was copied
 * from another object, and comparing against it would report nonsense.
 */
export function lastAppliedDesired(live: unknown): LastAppliedResult | undefined {
  const text = lastAppliedAnnotation(live);
  if (text === undefined) return undefined;
  const liveKey = objectKeyOf(live);
  if (liveKey === undefined) return { ok: false, message: 'the live object has no apiVersion, kind or name' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `the ${LAST_APPLIED_ANNOTATION} annotation is not valid JSON: ${jsonParseProblem(e, isRecord(live) && isCoreSecret(live))}` };
  }
  if (!isRecord(parsed)) return { ok: false, message: `the ${LAST_APPLIED_ANNOTATION} annotation is not a JSON object` };
  const liveObj = live as Record<string, unknown>;
  const meta: Record<string, unknown> = isRecord(parsed.metadata) ? { ...parsed.metadata } : {};
  // The API server drops a namespace given for a cluster-scoped object; kubectl may still have recorded it.
  if (!liveKey.namespace) delete meta.namespace;
  const manifest: Record<string, unknown> = {
    ...parsed,
    apiVersion: typeof parsed.apiVersion === 'string' && parsed.apiVersion !== '' ? parsed.apiVersion : liveObj.apiVersion,
    kind: typeof parsed.kind === 'string' && parsed.kind !== '' ? parsed.kind : liveObj.kind,
    metadata: {
      ...meta,
      name: typeof meta.name === 'string' && meta.name !== '' ? meta.name : liveKey.name,
      ...(liveKey.namespace ? { namespace: typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : liveKey.namespace } : {}),
    },
  };
  const key = objectKeyOf(manifest);
  if (key === undefined || objectKeyString(key) !== objectKeyString(liveKey)) {
    const what = key === undefined ? 'an object without identity' : describeObjectKey(key);
    return { ok: false, message: `the ${LAST_APPLIED_ANNOTATION} annotation describes ${what}, not this ${describeObjectKey(liveKey)}; ignored` };
  }
  return {
    ok: true,
    desired: { key: liveKey, id: objectKeyString(liveKey), manifest, source: { type: 'last-applied' }, revision: contentHash(manifest) },
  };
}
