/**
 * Desired-state source 1: a directory of manifests. A loader keeps each file's parse keyed by its
 * stat stamp, so a reload re-reads and re-parses only files that changed; one bad file becomes
 * problems and never stops the others. When the directory is in a git work tree, each object
 * records the HEAD commit and whether its file differs from it.
 */
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { findGitRepo, readDirtyFiles, readGitHead, type GitRepo } from './git-info';
import { readManifestFile } from './manifest-file-read';
import { errorCode, listManifestFiles, type ManifestDirEntry, type ManifestFileEntry } from './manifest-files';
import { buildManifestObjects, ManifestIndex, type GitStamp, type ManifestObject, type ParsedFileEntry } from './manifest-index';
import { hidesNoDocument, parseJsonManifests, parseSimpleYamlManifests, parseYamlManifests, type ParsedFile } from './manifest-parse';
import { DEFAULT_PARSE_WORKER_MIN_CHARS, ManifestParsePool, NoParseThreadsLeft, type ParseWorkerOptions } from './manifest-parse-pool';
import { builtinIsNamespaced, withBuiltinScopes, type IsNamespaced } from './namespace-scope';
import { objectKeyOf, objectKeyString } from './object-key';
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
  /** Parse large loads (the first one, a checkout) on worker threads; without it, or for small loads, on the caller's. */
  parseWorker?: ParseWorkerOptions;
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
  /**
   * The scope answers the last build keyed its objects with ("group|kind" → answer). Compared with
   * these, not with the previous callback: a callback that reads live discovery state answers
   * differently from one moment to the next while staying the same function.
   */
  private scopesUsed = new Map<string, { group: string; kind: string; namespaced: boolean | undefined }>();
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
    this.isNamespaced = withBuiltinScopes(isNamespaced);
    for (const used of this.scopesUsed.values()) if (used.namespaced !== this.isNamespaced(used.group, used.kind)) return true;
    return false;
  }

  async load(): Promise<ManifestSnapshot> {
    this.parsedLastLoad = [];
    let listing: Awaited<ReturnType<typeof listManifestFiles>>;
    try {
      listing = await listManifestFiles(this.root);
    } catch (e) {
      this.cache.clear();
      this.lastFiles = [];
      this.lastGit = {};
      this.lastExtraProblems = [{ file: '', line: 0, message: describeRootError(e), severity: 'error' }];
      return this.snapshot(false, [], undefined);
    }
    const extra = listing.problems.slice();
    const seen = new Set<string>();
    // Read in path order; YAML beyond the first parseWorker.minChars characters goes to the worker
    // threads, all of it before any answer is awaited, and the parses are collected in that order.
    const parses: Array<{ rel: string; parsed: ParsedFile | { later: Promise<ParsedFile> } }> = [];
    const files: ParsedFileEntry[] = [];
    const pool = new LazyPool(this.options.parseWorker);
    try {
      for (const f of listing.files) {
        seen.add(f.rel);
        const parsed = await this.parseFile(f, extra, pool);
        if (parsed !== undefined) parses.push({ rel: f.rel, parsed });
      }
      for (const { rel, parsed } of parses) files.push({ rel, parsed: 'later' in parsed ? await parsed.later : parsed });
    } finally {
      await pool.close();
    }
    for (const rel of this.cache.keys()) if (!seen.has(rel)) this.cache.delete(rel);
    const git = this.options.git === false ? undefined : await this.readGit();
    this.lastFiles = files;
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
    const scopes = new Map<string, { group: string; kind: string; namespaced: boolean | undefined }>();
    const isNamespaced = this.isNamespaced;
    const recorded: IsNamespaced = (group, kind) => {
      const namespaced = isNamespaced(group, kind);
      const key = `${group}|${kind}`;
      if (!scopes.has(key)) scopes.set(key, { group, kind, namespaced });
      return namespaced;
    };
    const built = buildManifestObjects(this.root, this.lastFiles, { isNamespaced: recorded, defaultNamespace: this.options.defaultNamespace }, this.lastGit);
    this.scopesUsed = scopes;
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

  /** The file's parse, or the promise of a worker's (wrapped: an async function would wait for it). */
  private async parseFile(f: ManifestFileEntry, problems: ManifestProblem[], pool: LazyPool): Promise<ParsedFile | { later: Promise<ParsedFile> } | undefined> {
    const cached = this.cache.get(f.rel);
    if (cached !== undefined && cached.stamp === f.stamp) return cached.parsed;
    const read = await readManifestFile({
      abs: f.abs,
      maxBytes: this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      ...(cached !== undefined ? { knownTextHash: cached.textHash } : {}),
    });
    switch (read.kind) {
      case 'gone':
        this.cache.delete(f.rel);
        return undefined;
      case 'unreadable':
        this.cache.delete(f.rel);
        problems.push({ file: f.rel, line: 0, message: read.message, severity: 'error' });
        return undefined;
      case 'unchanged':
        this.cache.set(f.rel, { ...(cached as CachedFile), stamp: f.stamp });
        return (cached as CachedFile).parsed;
      case 'text': {
        this.parsedLastLoad.push(f.rel);
        const keep = (next: ParsedFile) => {
          const parsed = cached === undefined ? next : withLastLoaded(next, cached.parsed, f.rel);
          this.cache.set(f.rel, { stamp: f.stamp, textHash: read.textHash, parsed });
          return parsed;
        };
        // Plain JSON documents cost less here (JSON.parse) than the trip to a worker and back;
        // YAML, even on its fast path, costs more, and leaves garbage behind (bench:live --yaml:
        // complete 5.4–6.2 s against 6.1–7.4 s with the fast path here, peak 348–369 against
        // 390–474 MiB).
        const json = parseJsonManifests(read.text);
        if (json !== undefined) return keep(json);
        // A .json file that is not JSON (a trailing comma) is still read, as YAML, which takes it; said.
        const asYaml = f.rel.toLowerCase().endsWith('.json') ? (p: ParsedFile) => keep(notJson(p, read.text, f.rel)) : keep;
        const workers = pool.forYaml(read.text.length);
        const here = () => asYaml(parseSimpleYamlManifests(read.text) ?? parseYamlManifests(read.text, f.rel));
        if (workers === undefined) return here();
        return { later: workers.parse(read.text, f.rel).then(asYaml, here) };
      }
    }
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

/**
 * Whether a text is JSON: one document, or documents on their own between bare `---` / `...` lines
 * (what the JSON fast path reads too). A byte-order mark is not JSON's, but every parser here skips it.
 */
function isJsonText(text: string): boolean {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const docs = body.split(/^(?:---|\.\.\.)[ \t]*\r?$/m);
  try {
    for (const doc of docs) if (doc.trim() !== '') JSON.parse(doc);
    return true;
  } catch {
    return false;
  }
}

/**
 * A warning that a .json file read as YAML is not JSON, where JSON.parse says why (unless YAML
 * refused it too). Valid JSON the fast path leaves to the YAML parser — a `kind: List`, which every
 * `kubectl get -o json` export is, duplicate keys, a document without a name — gets none.
 */
function notJson(parsed: ParsedFile, text: string, rel: string): ParsedFile {
  if (parsed.problems.some((p) => p.severity === 'error') || isJsonText(text)) return parsed;
  let why = 'not one JSON document';
  try {
    JSON.parse(text);
  } catch (e) {
    // V8 quotes the text around an unexpected token (`Unexpected token 'c', ..."password": canary"...
    // is not valid JSON`): in a Secret's file that is its value, in a warning the API, the page and
    // the server's log show. Its other messages give a position and no text.
    why = (e instanceof Error ? e.message : String(e)).replace(/^Unexpected token .*? is not valid JSON$/s, 'an unexpected token');
  }
  // Node 20 gives an offset ("at position 9"); later versions add "(line 1 column 10)".
  const offset = /at position (\d+)/.exec(why);
  const before = offset ? text.slice(0, Number(offset[1])) : undefined;
  const where = before === undefined ? {} : { line: before.split('\n').length, column: before.length - before.lastIndexOf('\n') };
  const problem: ManifestProblem = { file: rel, line: 0, ...where, message: `not valid JSON (${why}); read as YAML, which accepts it`, severity: 'warning' };
  return { objects: parsed.objects, problems: [...parsed.problems, problem] };
}

/** The object a document declares (group, not version: apps/v1beta2 and apps/v1 are one object), its namespace as written. */
function declared(m: Record<string, unknown>): string | undefined {
  const key = objectKeyOf(m);
  return key && objectKeyString(key);
}

/**
 * A file re-read with an error that may hide documents (a half-written save, a stray comma): the
 * documents that no longer load keep their last loaded form, marked stale, instead of turning
 * their objects unmanaged and their drift invisible until the file is fixed. (A document removed
 * in the same edit as the error stays until the file loads again.) Errors about one document's
 * identity (a generateName Job, `foo: bar`, an invalid name) hide nothing: the rest of the file
 * loaded, and such errors often last — carrying objects forward for them would keep a deliberately
 * deleted or renamed object declared for as long as the file has one. Without an error that may
 * hide documents, the file is what it now says.
 */
function withLastLoaded(next: ParsedFile, previous: ParsedFile, rel: string): ParsedFile {
  // A per-document error hides no other document, except one after every document that loaded and
  // new since the last load: a file caught half-written (`helm template > f`) ends in a document cut
  // at a line, which reads as one without a name. A lasting one (a generateName Job) keeps nothing.
  const before = new Set(previous.problems.map((p) => withoutDocumentIndex(p.message)));
  const lastLine = next.objects.reduce((m, o) => Math.max(m, o.line), 0);
  const cutShort = (p: ManifestProblem) => p.line > lastLine && !before.has(withoutDocumentIndex(p.message));
  const error = next.problems.find((p) => p.severity === 'error' && (!hidesNoDocument(p) || cutShort(p)));
  if (error === undefined) return next;
  const loaded = new Set(next.objects.map((o) => declared(o.manifest)));
  const stale = `${rel} has an error at line ${error.line} (${error.message}): compared with this document as it was last loaded`;
  const kept = previous.objects.filter((o) => !loaded.has(declared(o.manifest))).map((o) => ({ manifest: o.manifest, line: o.line, ...(o.revision !== undefined ? { revision: o.revision } : {}), stale }));
  return kept.length === 0 ? next : { objects: [...next.objects, ...kept].sort((a, b) => a.line - b.line), problems: next.problems };
}

/** A document's problem as it reads wherever the document is in its file. */
function withoutDocumentIndex(message: string): string {
  return message.replace(/^document \d+/, 'document');
}

/** A load's parse workers: started once the YAML it has read passes parseWorker.minChars characters. */
class LazyPool {
  private yamlChars = 0;
  private pool: ManifestParsePool | undefined;
  private failed = false;

  constructor(private readonly options: ParseWorkerOptions | undefined) {}

  forYaml(chars: number): ManifestParsePool | undefined {
    if (this.options === undefined || this.failed) return undefined;
    this.yamlChars += chars;
    if (this.pool === undefined && this.yamlChars >= (this.options.minChars ?? DEFAULT_PARSE_WORKER_MIN_CHARS)) {
      try {
        this.pool = new ManifestParsePool(this.options);
      } catch (err) {
        // Other loads hold every thread: this file inline, and try again with the next.
        if (err instanceof NoParseThreadsLeft) return undefined;
        this.failed = true;
        this.options.onError?.(err);
      }
    }
    return this.pool;
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

function mergeProblems(a: ManifestProblem[], b: ManifestProblem[]): ManifestProblem[] {
  return [...a, ...b].sort((x, y) => (x.file !== y.file ? (x.file < y.file ? -1 : 1) : x.line - y.line || (x.column ?? 0) - (y.column ?? 0)));
}

/** One-shot load of a manifest directory. */
export function loadManifestDirectory(root: string, options: ManifestDirectoryOptions = {}): Promise<ManifestSnapshot> {
  return new ManifestDirectoryLoader(root, options).load();
}
