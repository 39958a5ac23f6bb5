/**
 * The audit log: one JSON object per line in `<data dir>/audit.log` for sign-ins (and refused
 * sign-ins) and snapshot creation and revocation. Never a token, cookie or snapshot link: a snapshot is named by
 * the first 16 hex digits of the SHA-256 of its id, as the store keys it.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type AuditEvent =
  | { event: 'sign-in'; user: string; via: string; peer?: string }
  | { event: 'sign-in-refused'; reason: string; via: string; user?: string; peer?: string }
  | { event: 'sign-out'; user: string }
  | { event: 'snapshot-created'; user: string; snapshot: string; object: string; expiresAt?: string }
  | { event: 'snapshot-revoked'; user: string; snapshot: string; object: string };

export function auditLogPath(dataDir: string | undefined, env: Record<string, string | undefined> = process.env): string {
  // A data directory chosen at run time: not a file the build should trace into its output
  // (without the comment, Next's build warns and traces the whole project).
  return join(resolve(/*turbopackIgnore: true*/ dataDir ?? env.DRIFTWATCH_DATA_DIR ?? '.driftwatch'), 'audit.log');
}

let failedOnce = false;

export function audit(dataDir: string | undefined, e: AuditEvent, now: Date = new Date()): void {
  const file = auditLogPath(dataDir);
  try {
    mkdirSync(resolve(file, '..'), { recursive: true });
    appendFileSync(file, `${JSON.stringify({ time: now.toISOString(), ...e })}\n`, { mode: 0o600 });
  } catch (err) {
    // Losing the audit trail must be visible, but must not take the dashboard down.
    if (!failedOnce) console.error(`[driftwatch] cannot write the audit log ${file}: ${err instanceof Error ? err.message : String(err)}`);
    failedOnce = true;
  }
}

const seen = new Map<string, number>();

/** Proxy and bearer identities have no sign-in moment: the first request per user per hour counts as one. */
export function auditFirstSeen(dataDir: string | undefined, user: string, via: string, peer: string | undefined, now: number = Date.now()): void {
  const k = `${via}\u0000${user}`;
  const last = seen.get(k);
  if (last !== undefined && now - last < 3600_000) return;
  if (seen.size > 10_000) seen.clear();
  seen.set(k, now);
  audit(dataDir, { event: 'sign-in', user, via, ...(peer ? { peer } : {}) }, new Date(now));
}
