/**
 * Desired-state source 1: a directory of manifests. A loader keeps each file's parse keyed by its
 * stat stamp, so a reload re-reads and re-parses only files that changed; one bad file becomes
 * problems and never stops the others. When the directory is in a git work tree, each object
 * records the HEAD commit and whether its file differs from it.
 */
import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { findGitRepo, readDirtyFiles, readGitHead, type GitRepo } from './git-info';
import { listManifestFiles, type ManifestDirEntry } from './manifest-files';
import { buildManifestObjects, ManifestIndex, type GitStamp, type ManifestObject, type ParsedFileEntry } from './manifest-index';
import { parseManifestText, type ParsedFile } from './manifest-parse';
import { builtinIsNamespaced, withBuiltinScopes, type IsNamespaced } from './namespace-scope';
import type { ManifestProblem } from './types';

export interface ManifestDirectoryOptions {
  /**
   * Scope of kinds, from discovery; the built-in table answers for kinds it returns undefined for
   * (discovery not complete yet). Default: the built-in kinds only (others warn).
   */
  isNamespaced?: IsNamespaced;
  /** Namespace of namespaced manifests that name none. Default 'default'. */
  defaultNamespace?: string;
  /** Record the HEAD commit when the directory is in a git work tree. Default true. */
  git?: boolean;
  /** Also ask `git status` which files differ from HEAD. Default true. */
  gitDirty?: boolean;
  /** Limit for each spawned git command. Default 5 s. */
  gitTimeoutMs?: number;
  /** Larger files are reported, not parsed. Default 16 MiB. */
  maxFileBytes?: number;
}

export interface ManifestGitState {
  workTree: string;
  commit?: string;
  branch?: string;
  /** Some manifest file differs from `commit`; undefined when git could not tell. */
  dirty?: boolean;
}

export interface ManifestSnapshot {
  /** The directory as given, resolved to an absolute path. */
  root: string;
  /** False when the directory could not be read at all (see problems). */
  exists: boolean;
  objects: ReadonlyMap<string, ManifestObject>;
  index: ManifestIndex;
  /** Sorted by file and line. */
  problems: ManifestProblem[];
  git?: ManifestGitState;
  /** Directories the listing visited: what a watcher needs to watch. */
  dirs: ManifestDirEntry[];
}

interface CachedFile {
  stamp: string;
  textHash: string;
  parsed: ParsedFile;
}

const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

function describeRootError(e: unknown): string {
  switch (errorCode(e)) {
    case 'ENOENT':
      return 'the manifest directory does not exist';
    case 'ENOTDIR':
      return 'the manifest path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'the manifest directory cannot be read: permission denied';
    default:
      return `the manifest directory cannot be read: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Loads one directory repeatedly, re-parsing only what changed since the previous load. Not
 * re-entrant: await one load() before starting the next (the watcher serialises them).
 */
export class ManifestDirectoryLoader {
  readonly root: string;
  private readonly cache = new Map<string, CachedFile>();
  private isNamespaced: IsNamespaced;
  private lastFiles: ParsedFileEntry[] = [];
  private kindsOfLastFiles: [string, string][] | undefined;
  private lastGit: GitStamp = {};
  private lastExtraProblems: ManifestProblem[] = [];
  /** Files parsed (not taken from the cache) by the last load; for tests and metrics. */
  parsedLastLoad: string[] = [];

  constructor(
    root: string,
    private readonly options: ManifestDirectoryOptions = {},
  ) {
    this.root = resolve(root);
    this.isNamespaced = options.isNamespaced === undefined ? builtinIsNamespaced : withBuiltinScopes(options.isNamespaced);
  }

  /**
   * Replaces the scope callback (discovery learnt new kinds); takes effect on the next build.
   * Returns whether it answers differently for a kind in the last load's files: when not, a
   * rebuild would produce the same objects (discovery runs again and again with the same answers).
   */
  setIsNamespaced(isNamespaced: IsNamespaced): boolean {
    const before = this.isNamespaced;
    this.isNamespaced = withBuiltinScopes(isNamespaced);
    for (const [group, kind] of this.loadedKinds()) if (before(group, kind) !== this.isNamespaced(group, kind)) return true;
    return false;
  }

  /** Group and kind of every object in the last load's files. */
  private loadedKinds(): [string, string][] {
    if (this.kindsOfLastFiles !== undefined) return this.kindsOfLastFiles;
    const seen = new Map<string, [string, string]>();
    for (const f of this.lastFiles) {
      for (const o of f.parsed.objects) {
        const apiVersion = String(o.manifest.apiVersion);
        const kind = String(o.manifest.kind);
        const key = `${apiVersion}|${kind}`;
        if (!seen.has(key)) seen.set(key, [apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '', kind]);
      }
    }
    this.kindsOfLastFiles = [...seen.values()];
    return this.kindsOfLastFiles;
  }

  async load(): Promise<ManifestSnapshot> {
    this.parsedLastLoad = [];
    let listing: Awaited<ReturnType<typeof listManifestFiles>>;
    try {
      listing = await listManifestFiles(this.root);
    } catch (e) {
      this.cache.clear();
      this.lastFiles = [];
      this.kindsOfLastFiles = undefined;
      this.lastGit = {};
      this.lastExtraProblems = [{ file: '', line: 0, message: describeRootError(e), severity: 'error' }];
      return this.snapshot(false, [], undefined);
    }
    const files: ParsedFileEntry[] = [];
    const extra = listing.problems.slice();
    const seen = new Set<string>();
    for (const f of listing.files) {
      seen.add(f.rel);
      const parsed = await this.parseFile(f.rel, f.abs, f.stamp, extra);
      if (parsed !== undefined) files.push({ rel: f.rel, parsed });
    }
    for (const rel of this.cache.keys()) if (!seen.has(rel)) this.cache.delete(rel);
    const git = this.options.git === false ? undefined : await this.readGit();
    this.lastFiles = files;
    this.kindsOfLastFiles = undefined;
    this.lastGit = git === undefined ? {} : { commit: git.state.commit, dirtyFiles: git.dirtyFiles };
    this.lastExtraProblems = extra;
    return this.snapshot(true, listing.dirs, git?.state);
  }

  /**
   * The last load's files keyed again with the current scope callback, without touching the file
   * system: for when discovery learns a CRD that manifests were waiting for.
   */
  rebuild(previous: ManifestSnapshot): ManifestSnapshot {
    return this.snapshot(previous.exists, previous.dirs, previous.git);
  }

  private snapshot(exists: boolean, dirs: ManifestDirEntry[], git: ManifestGitState | undefined): ManifestSnapshot {
    const built = buildManifestObjects(
      this.lastFiles,
      { isNamespaced: this.isNamespaced, defaultNamespace: this.options.defaultNamespace },
      this.lastGit,
    );
    const problems = this.lastExtraProblems.length === 0 ? built.problems : mergeProblems(built.problems, this.lastExtraProblems);
    return {
      root: this.root,
      exists,
      objects: built.objects,
      index: new ManifestIndex(built.objects),
      problems,
      ...(git !== undefined ? { git } : {}),
      dirs,
    };
  }

  private async parseFile(rel: string, abs: string, stamp: string, problems: ManifestProblem[]): Promise<ParsedFile | undefined> {
    const cached = this.cache.get(rel);
    if (cached !== undefined && cached.stamp === stamp) return cached.parsed;
    let bytes: Buffer;
    try {
      bytes = await readFile(abs);
    } catch (e) {
      this.cache.delete(rel);
      // Deleted between listing and reading: the next scan will not list it.
      if (errorCode(e) === 'ENOENT') return undefined;
      const reason = errorCode(e) === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e);
      problems.push({ file: rel, line: 0, message: `cannot read: ${reason}`, severity: 'error' });
      return undefined;
    }
    const max = this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (bytes.length > max) {
      this.cache.delete(rel);
      problems.push({ file: rel, line: 0, message: `file is ${bytes.length} bytes, more than the ${max} bytes read per manifest file`, severity: 'error' });
      return undefined;
    }
    const textHash = createHash('sha256').update(bytes).digest('hex');
    // Touched but not changed (editors, git checkout of the same content): keep the parse, and
    // with it the objects' identity, so nothing downstream sees a change.
    if (cached !== undefined && cached.textHash === textHash) {
      this.cache.set(rel, { ...cached, stamp });
      return cached.parsed;
    }
    const parsed = parseManifestText(bytes.toString('utf8'), rel);
    this.parsedLastLoad.push(rel);
    this.cache.set(rel, { stamp, textHash, parsed });
    return parsed;
  }

  private async readGit(): Promise<{ state: ManifestGitState; dirtyFiles?: Set<string> } | undefined> {
    let repo: GitRepo | undefined;
    let dir: string;
    try {
      // git reports real paths; a symlinked root would otherwise match no file.
      dir = await realpath(this.root);
      repo = await findGitRepo(dir);
    } catch {
      return undefined;
    }
    if (repo === undefined) return undefined;
    const timeout = this.options.gitTimeoutMs ?? 5_000;
    const head = await readGitHead(repo, timeout);
    const state: ManifestGitState = { workTree: repo.workTree, ...head };
    if (this.options.gitDirty === false || head.commit === undefined) return { state };
    const dirtyFiles = await readDirtyFiles(repo, dir, timeout);
    if (dirtyFiles === undefined) return { state };
    state.dirty = dirtyFiles.size > 0;
    return { state, dirtyFiles };
  }
}

function mergeProblems(a: ManifestProblem[], b: ManifestProblem[]): ManifestProblem[] {
  return [...a, ...b].sort((x, y) => (x.file !== y.file ? (x.file < y.file ? -1 : 1) : x.line - y.line || (x.column ?? 0) - (y.column ?? 0)));
}

/** One-shot load of a manifest directory. */
export function loadManifestDirectory(root: string, options: ManifestDirectoryOptions = {}): Promise<ManifestSnapshot> {
  return new ManifestDirectoryLoader(root, options).load();
}
