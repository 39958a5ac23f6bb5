/** Small display helpers shared by the views. */
import type { ManifestProblem } from './types';

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
