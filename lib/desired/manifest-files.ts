/**
 * The files a manifest directory consists of: `*.yaml`, `*.yml`, `*.json` (the extensions
 * `kubectl apply -R -f` reads, case-sensitive like kubectl), recursively, skipping dot entries
 * (`.git`, editors' swap and backup files) and `node_modules`. Symbolic links are followed —
 * ConfigMap volumes are made of them — with a guard against directory cycles.
 */
import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManifestProblem } from './types';

export const MANIFEST_EXTENSIONS: ReadonlyArray<string> = ['.yaml', '.yml', '.json'];

export interface ManifestFileEntry {
  /** Relative to the root, forward slashes. */
  rel: string;
  abs: string;
  /** Changes whenever the content may have changed (size, mtime, ctime, inode). */
  stamp: string;
}

export interface ManifestDirEntry {
  abs: string;
  /** device:inode, so a watcher can tell a directory from a new one at the same path. */
  id: string;
}

export interface ManifestListing {
  files: ManifestFileEntry[];
  /** Every directory visited, root first: what a watcher has to watch. */
  dirs: ManifestDirEntry[];
  problems: ManifestProblem[];
}

export function isManifestFileName(name: string): boolean {
  return MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext) && name.length > ext.length);
}

/** Entries nobody means as manifests: dot files and directories, dependencies. */
export function isSkippedName(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

function stampOf(s: Stats): string {
  return `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
}

/** A Node.js system error's code (`ENOENT`, `EACCES`, …), if it has one. */
export function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

function describeError(e: unknown): string {
  const code = errorCode(e);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

/**
 * Lists the manifest files under `root`. Throws only when `root` itself cannot be read (ENOENT,
 * ENOTDIR, EACCES); anything below it is reported as a problem and skipped.
 */
export async function listManifestFiles(root: string): Promise<ManifestListing> {
  const out: ManifestListing = { files: [], dirs: [], problems: [] };
  const rootStat = await stat(root);
  if (!rootStat.isDirectory()) {
    throw Object.assign(new Error(`${root} is not a directory`), { code: 'ENOTDIR' });
  }
  const rootId = `${rootStat.dev}:${rootStat.ino}`;
  await walk(root, rootId, '', out, new Set([rootId]), true);
  out.files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}

async function walk(abs: string, id: string, rel: string, out: ManifestListing, seen: Set<string>, isRoot: boolean): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(abs, { withFileTypes: true });
  } catch (e) {
    if (isRoot) throw e;
    // Removed while we were listing: the next scan sees it gone. Anything else is worth saying.
    if (errorCode(e) !== 'ENOENT') out.problems.push({ file: rel, line: 0, message: `cannot read directory: ${describeError(e)}`, severity: 'error' });
    return;
  }
  out.dirs.push({ abs, id });
  const dirs: Array<{ childAbs: string; childId: string; childRel: string; viaLink: boolean }> = [];
  await Promise.all(
    entries.map(async (d) => {
      if (isSkippedName(d.name)) return;
      const childAbs = join(abs, d.name);
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      const wantFile = isManifestFileName(d.name);
      if (!d.isDirectory() && !d.isSymbolicLink() && !(d.isFile() && wantFile)) return;
      let s: Stats;
      try {
        s = await stat(childAbs);
      } catch (e) {
        // A dangling symlink or a file deleted mid-scan: nothing to load, nothing to report.
        if (errorCode(e) !== 'ENOENT') out.problems.push({ file: childRel, line: 0, message: `cannot read: ${describeError(e)}`, severity: 'error' });
        return;
      }
      if (s.isDirectory()) dirs.push({ childAbs, childId: `${s.dev}:${s.ino}`, childRel, viaLink: d.isSymbolicLink() });
      else if (s.isFile() && wantFile) out.files.push({ rel: childRel, abs: childAbs, stamp: stampOf(s) });
    }),
  );
  // One directory reachable twice (itself and a symlink to it, or two symlinks) is read once, under
  // one path that does not depend on which stat answered first: a directory before a symlink to
  // it, then by name. Otherwise its objects would move from one path to the other between scans.
  dirs.sort((a, b) => Number(a.viaLink) - Number(b.viaLink) || (a.childRel < b.childRel ? -1 : a.childRel > b.childRel ? 1 : 0));
  const subdirs: typeof dirs = [];
  for (const dir of dirs) {
    if (seen.has(dir.childId)) continue; // read under another path, or a symlink back up the tree
    seen.add(dir.childId);
    subdirs.push(dir);
  }
  for (const { childAbs, childId, childRel } of subdirs) await walk(childAbs, childId, childRel, out, seen, false);
}
