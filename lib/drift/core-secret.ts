/** Which objects are core Secrets: pure, for the server's redaction and the browser's diff alike. */

/**
 * A core-group Secret as written in a manifest or returned by the API (apiVersion may be left
 * out). Decided by the group, as objects are matched: a manifest's `v2` or `v1beta1` Secret is
 * still matched with the live Secret, and must be redacted as one.
 */
export function isCoreSecret(o: Record<string, unknown>): boolean {
  if (o.kind !== 'Secret') return false;
  const v = o.apiVersion;
  return v === undefined || (typeof v === 'string' && v.lastIndexOf('/') <= 0);
}
