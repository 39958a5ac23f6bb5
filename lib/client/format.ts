/** Small display helpers shared by the views. */
import { manifestPath } from '../desired/manifest-path';
import type { DesiredSource, ManifestProblem } from './types';

/** "3 min ago" style, coarse; `now` injectable for tests. */
export function timeAgo(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

export const kindLabel = (kind: string, group: string) => (group ? `${kind}.${group}` : kind);

/** Where a manifest problem is: `file:line[:column]`, or the directory when no file is named. */
export function problemLocation(p: Pick<ManifestProblem, 'root' | 'file' | 'line' | 'column'>, { column = true } = {}): string {
  if (p.file === undefined) return p.root;
  if (p.line === undefined) return p.file;
  return `${p.file}:${p.line}${column && p.column !== undefined ? `:${p.column}` : ''}`;
}

/**
 * Where an object's desired state came from, as the object and snapshot pages print it. A manifest
 * shows its file within its directory, which is all a single directory needs;
 * desiredSourceTitle() names the directory too.
 */
export function desiredSourceText(s: DesiredSource): string {
  if (s.type === 'manifest-dir') return `${s.file ?? 'manifest'}${s.line !== undefined ? `:${s.line}` : ''}${s.commit ? ` @ ${s.commit.slice(0, 10)}` : ''}`;
  if (s.type === 'owner-template') return `pod template of ${s.owner?.kind ?? 'owner'} ${s.owner?.name ?? ''}`;
  return 'last-applied-configuration annotation';
}

/**
 * A manifest's full path, `<root>/<file>:<line>`, for a tooltip: with several manifest directories
 * two teams' `app.yaml` print the same. Undefined for other sources, and for states and snapshots
 * from before sources named their directory.
 */
export function desiredSourceTitle(s: DesiredSource): string | undefined {
  if (s.type !== 'manifest-dir' || s.root === undefined) return undefined;
  return `${manifestPath(s.root, s.file ?? '')}${s.line !== undefined ? `:${s.line}` : ''}`;
}

/**
 * An absolute time the same on every machine: `2026-11-28 14:30:58 UTC`. What a server-rendered
 * view shows until it hydrates (the server's zone and locale are not the reader's). `t`: ISO 8601
 * or epoch ms; what cannot be read is returned as given.
 */
export function utcTimeText(t: string | number): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * timeAgo() counted back from a fixed moment instead of now: "3 min before the snapshot" when
 * `label` is "the snapshot". The same on the server and in every browser, whenever it is read.
 */
export function timeBefore(iso: string | undefined, ref: number, label: string): string {
  const ago = timeAgo(iso, ref);
  return ago.endsWith(' ago') ? `${ago.slice(0, -' ago'.length)} before ${label}` : ago;
}
