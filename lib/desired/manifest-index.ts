/**
 * From parsed files to the keyed set of desired objects: namespaces resolved, duplicates reported,
 * content revisions computed; and the difference between two such sets, which is what the
 * directory watcher emits. Pure, so the watcher's incremental reloads and a one-shot load share it.
 */
import { deepFreeze } from '../drift/normalize';
import { contentHash } from './content-hash';
import type { ParsedFile, ParsedManifest } from './manifest-parse';
import { scopeManifest, type ScopeOptions } from './namespace-scope';
import { describeObjectKey, objectKeyString, type ObjectKey } from './object-key';
import type { DesiredObject, ManifestDirSource, ManifestProblem } from './types';

export type ManifestObject = DesiredObject<ManifestDirSource>;

export interface ParsedFileEntry {
  /** Relative path, forward slashes. */
  rel: string;
  parsed: ParsedFile;
}

export interface GitStamp {
  commit?: string;
  /** Relative paths of files that differ from `commit`; undefined when unknown. */
  dirtyFiles?: ReadonlySet<string>;
}

interface Scoped {
  tag: string;
  key: ObjectKey;
  manifest: Readonly<Record<string, unknown>>;
  revision: string;
  warning?: string;
}

/**
 * Parsed manifests are reused across reloads while their file is unchanged, so their scoped form
 * and hash are too (hashing every object on every reload would dominate a reload of a large tree).
 */
const scopedCache = new WeakMap<ParsedManifest, Scoped>();

function scoped(p: ParsedManifest, options: ScopeOptions): Scoped {
  const s = scopeManifest(p.manifest, options);
  // The tag captures everything the scoped result depends on besides the manifest itself.
  const tag = `${s.key.namespace ?? ''}|${s.warning ?? ''}`;
  const hit = scopedCache.get(p);
  if (hit !== undefined && hit.tag === tag) return hit;
  const manifest = deepFreeze(s.manifest);
  // A parse worker hashed the manifest as parsed; scoping that changed it needs a hash of its own.
  const revision = p.revision !== undefined && s.manifest === p.manifest ? p.revision : contentHash(manifest);
  const entry: Scoped = { tag, key: s.key, manifest, revision, ...(s.warning !== undefined ? { warning: s.warning } : {}) };
  scopedCache.set(p, entry);
  return entry;
}

function byPosition(a: ManifestProblem, b: ManifestProblem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || (a.column ?? 0) - (b.column ?? 0);
}

/**
 * Builds the keyed objects of the directory `root`. Files must come sorted by path: of two
 * definitions of the same object the first in path order (then line) wins, so the outcome does not
 * depend on the order files happened to be read in; every later one is an error and is not loaded.
 */
export function buildManifestObjects(
  root: string,
  files: ReadonlyArray<ParsedFileEntry>,
  scope: ScopeOptions,
  git: GitStamp = {},
): { objects: Map<string, ManifestObject>; problems: ManifestProblem[] } {
  const objects = new Map<string, ManifestObject>();
  const problems: ManifestProblem[] = [];
  for (const f of files) {
    problems.push(...f.parsed.problems);
    for (const p of f.parsed.objects) {
      const s = scoped(p, scope);
      const id = objectKeyString(s.key);
      const first = objects.get(id);
      if (first !== undefined) {
        problems.push({
          file: f.rel,
          line: p.line,
          message: `${describeObjectKey(s.key)} is already defined at ${first.source.file}:${first.source.line}; this definition is ignored`,
          severity: 'error',
        });
        continue;
      }
      if (s.warning !== undefined) problems.push({ file: f.rel, line: p.line, message: s.warning, severity: 'warning' });
      const source: ManifestDirSource = { type: 'manifest-dir', root, file: f.rel, line: p.line };
      if (git.commit !== undefined) source.commit = git.commit;
      if (git.dirtyFiles !== undefined) source.dirty = git.dirtyFiles.has(f.rel);
      if (p.stale !== undefined) source.stale = p.stale;
      objects.set(id, { key: s.key, id, manifest: s.manifest, source, revision: s.revision });
    }
  }
  problems.sort(byPosition);
  return { objects, problems };
}

export interface ManifestObjectsDiff {
  added: ManifestObject[];
  /** Same key, different content revision. */
  changed: ManifestObject[];
  /** The objects as they were before they went. */
  removed: ManifestObject[];
  /**
   * Same content, different source (moved to another directory, file or line, new commit, dirty
   * flag): no drift to recompute, only the source shown beside it.
   */
  relocated: ManifestObject[];
}

function sameSource(a: ManifestDirSource, b: ManifestDirSource): boolean {
  return a.root === b.root && a.file === b.file && a.line === b.line && a.commit === b.commit && a.dirty === b.dirty && a.stale === b.stale;
}

export function diffManifestObjects(prev: ReadonlyMap<string, ManifestObject>, next: ReadonlyMap<string, ManifestObject>): ManifestObjectsDiff {
  const d: ManifestObjectsDiff = { added: [], changed: [], removed: [], relocated: [] };
  for (const [id, o] of next) {
    const before = prev.get(id);
    if (before === undefined) d.added.push(o);
    else if (before.revision !== o.revision) d.changed.push(o);
    else if (!sameSource(before.source, o.source)) d.relocated.push(o);
  }
  for (const [id, o] of prev) if (!next.has(id)) d.removed.push(o);
  return d;
}

export function isEmptyDiff(d: ManifestObjectsDiff): boolean {
  return d.added.length === 0 && d.changed.length === 0 && d.removed.length === 0 && d.relocated.length === 0;
}

/** Looks up the desired object of a live object (by group, kind, namespace, name; never version). */
export class ManifestIndex {
  static readonly EMPTY = new ManifestIndex(new Map());

  constructor(private readonly objects: ReadonlyMap<string, ManifestObject>) {}

  get(key: ObjectKey): ManifestObject | undefined {
    return this.objects.get(objectKeyString(key));
  }

  getById(id: string): ManifestObject | undefined {
    return this.objects.get(id);
  }

  get size(): number {
    return this.objects.size;
  }

  values(): IterableIterator<ManifestObject> {
    return this.objects.values();
  }
}
