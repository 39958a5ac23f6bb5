/**
 * Keeps a manifest directory's desired objects current and tells subscribers what changed.
 *
 * Why not `fs.watch(root, { recursive: true })`: on Linux, Node 20 implements it in JavaScript
 * and it throws ENOENT out of its own event handler when files or directories are deleted
 * (nodejs/node#52018, open) and races new subdirectories (#48437). Instead every directory gets
 * its own non-recursive watch, and any event only triggers a debounced re-scan of the tree: the
 * scan is cheap (stat only; files whose stat stamp is unchanged are not read, files whose bytes
 * are unchanged are not re-parsed), and it is correct whatever the event said — which matters
 * for editors' atomic renames, half-written files, and directories that vanish and come back.
 *
 * - A directory that disappears keeps its last loaded objects (a checkout or a symlink swap
 *   should not flip everything to "unmanaged" for a moment) and reports a problem; it is polled
 *   until it exists again, then re-scanned. The parent directory is watched too (events for the
 *   root's own name only), so removal, re-creation and a root that is a swapped symlink
 *   (`ln -sfn release-2 current`) are seen at once.
 * - A periodic re-scan is the safety net for lost events (inotify queue overflow, watch limits).
 * - HEAD is polled (a file read) so a commit that changes no manifest still updates the commit
 *   recorded on each object.
 */
import { watch, type FSWatcher } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { diffManifestObjects, isEmptyDiff, ManifestIndex, type ManifestObjectsDiff } from './manifest-index';
import { ManifestDirectoryLoader, type ManifestDirectoryOptions, type ManifestSnapshot } from './manifest-directory';
import { findGitRepo, readGitHead } from './git-info';
import type { IsNamespaced } from './namespace-scope';
import type { ManifestProblem } from './types';

export interface ManifestWatcherOptions extends ManifestDirectoryOptions {
  /** Quiet time after the last file event before re-scanning. Default 200 ms. */
  debounceMs?: number;
  /** Re-scan at the latest this long after the first of a continuous stream of events. Default 2 s. */
  maxDelayMs?: number;
  /** Full re-scan interval, the net under lost events; 0 disables. Default 60 s. */
  rescanIntervalMs?: number;
  /** How often to look for a missing directory. Default 1 s. */
  missingPollMs?: number;
  /**
   * How often to look for what no directory watch reports: a new commit (HEAD), and the root now
   * resolving to another directory (a symlink above it swapped); 0 disables. Default 5 s.
   */
  gitPollMs?: number;
  /** Listener exceptions and unexpected failures; default console.error. */
  onError?: (err: unknown) => void;
}

export interface ManifestChange extends ManifestObjectsDiff {
  /** The full current problem list (not a diff). */
  problems: ManifestProblem[];
  problemsChanged: boolean;
  /** The state after this change. */
  snapshot: ManifestSnapshot;
}

export type ManifestChangeListener = (change: ManifestChange) => void;

function emptySnapshot(root: string): ManifestSnapshot {
  return { root, exists: false, objects: new Map(), index: ManifestIndex.EMPTY, problems: [], dirs: [] };
}

function problemsKey(p: ReadonlyArray<ManifestProblem>): string {
  return JSON.stringify(p);
}

export class ManifestDirectoryWatcher {
  private readonly loader: ManifestDirectoryLoader;
  private readonly listeners = new Set<ManifestChangeListener>();
  private readonly watchers = new Map<string, { id: string; w: FSWatcher }>();
  private state: ManifestSnapshot | undefined;
  private started = false;
  private closed = false;
  private debounceTimer: NodeJS.Timeout | undefined;
  private firstEventAt = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private idleWaiters: Array<() => void> = [];
  private rescanTimer: NodeJS.Timeout | undefined;
  private missingTimer: NodeJS.Timeout | undefined;
  private gitTimer: NodeJS.Timeout | undefined;
  /** Where the root resolved to at the last scan (its symlinks followed). */
  private realRoot: string | undefined;
  private watchProblems: ManifestProblem[] = [];
  private parentWatcher: FSWatcher | undefined;

  constructor(
    root: string,
    private readonly options: ManifestWatcherOptions = {},
  ) {
    this.loader = new ManifestDirectoryLoader(root, options);
  }

  get root(): string {
    return this.loader.root;
  }

  /** Loads the directory and starts watching; resolves with everything as `added`. */
  async start(): Promise<ManifestChange> {
    if (this.started) throw new Error('ManifestDirectoryWatcher.start() called twice');
    this.started = true;
    const empty = emptySnapshot(this.root);
    this.state = empty;
    // Registered as the running scan, so file events during the first load queue behind it.
    const first = this.runOnce(false);
    this.running = first.then(
      () => undefined,
      () => undefined,
    );
    let change: ManifestChange | undefined;
    try {
      change = await first;
    } finally {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
    this.watchParent();
    const interval = this.options.rescanIntervalMs ?? 60_000;
    if (interval > 0) this.rescanTimer = unref(setInterval(() => this.schedule(0), interval));
    const gitPoll = this.options.gitPollMs ?? 5_000;
    if (gitPoll > 0) this.gitTimer = unref(setInterval(() => void this.poll(), gitPoll));
    return change ?? this.makeChange(empty, this.current(), false);
  }

  /** Called with every change after start(); returns the unsubscribe function. */
  subscribe(listener: ManifestChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  current(): ManifestSnapshot {
    if (this.state === undefined) throw new Error('ManifestDirectoryWatcher: start() first');
    return this.state;
  }

  /** Re-scans now (after any scan in progress) and resolves when done. */
  async reload(): Promise<void> {
    this.schedule(0);
    await this.idle();
  }

  /** Resolves once no re-scan is pending or running. */
  idle(): Promise<void> {
    if (this.debounceTimer === undefined && this.running === undefined) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /**
   * New scope knowledge (discovery found or lost a CRD): objects are keyed again without reading
   * any file, and the difference is emitted like any other change.
   */
  setIsNamespaced(isNamespaced: IsNamespaced): void {
    // The same answers for every kind loaded: nothing to key again.
    if (!this.loader.setIsNamespaced(isNamespaced)) return;
    const prev = this.state;
    if (prev === undefined || !prev.exists || this.closed) return;
    // A scan in flight diffs against the state it started from: let it finish, then scan again
    // (stat only) rather than emit a second diff against the same base.
    if (this.running !== undefined) {
      this.schedule(0);
      return;
    }
    this.commit(prev, this.loader.rebuild(prev), true);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of [this.debounceTimer, this.missingTimer]) if (t !== undefined) clearTimeout(t);
    for (const t of [this.rescanTimer, this.gitTimer]) if (t !== undefined) clearInterval(t);
    this.debounceTimer = this.missingTimer = this.rescanTimer = this.gitTimer = undefined;
    for (const { w } of this.watchers.values()) w.close();
    this.watchers.clear();
    this.parentWatcher?.close();
    this.parentWatcher = undefined;
    this.listeners.clear();
    await this.running;
    this.flushIdle();
  }

  private report(err: unknown): void {
    (this.options.onError ?? ((e: unknown) => console.error('[manifest-watcher]', e)))(err);
  }

  private schedule(delay = this.options.debounceMs ?? 200): void {
    if (this.closed || !this.started) return;
    const now = Date.now();
    if (this.debounceTimer === undefined) this.firstEventAt = now;
    else clearTimeout(this.debounceTimer);
    // A directory written to continuously must still be re-scanned now and then.
    const maxDelay = this.options.maxDelayMs ?? 2_000;
    const wait = Math.max(0, Math.min(delay, this.firstEventAt + maxDelay - now));
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      this.kick();
    }, wait);
  }

  private kick(): void {
    if (this.closed) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.runOnce(true)
      .then(() => undefined)
      .catch((e: unknown) => this.report(e))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          this.schedule();
        } else if (this.debounceTimer === undefined) this.flushIdle();
      });
  }

  private flushIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** One scan: load, keep-last-state when the directory is gone, re-sync watches, emit. */
  private async runOnce(emit: boolean): Promise<ManifestChange | undefined> {
    const prev = this.current();
    // Before the load: a swap between the two makes the next poll scan once more, never miss it.
    this.realRoot = await realpath(this.root).catch(() => undefined);
    let next = await this.loader.load();
    if (this.closed) return undefined;
    if (!next.exists) {
      // Keep what was loaded: a vanished directory is more often a swap in progress than intent.
      const kept = prev.objects.size;
      const problems = next.problems.map((p) => (kept > 0 ? { ...p, message: `${p.message}; keeping the ${kept} objects loaded before` } : p));
      next = { ...prev, exists: false, problems, dirs: [] };
      this.watchMissing();
    } else if (this.missingTimer !== undefined) {
      clearTimeout(this.missingTimer);
      this.missingTimer = undefined;
    }
    // Files created between the listing and a new directory's watch would go unnoticed until the
    // periodic re-scan: one more (stat-only) scan closes that window.
    if (this.syncWatches(next)) this.schedule();
    if (this.watchProblems.length > 0) next = { ...next, problems: [...next.problems, ...this.watchProblems] };
    return this.commit(prev, next, emit);
  }

  private commit(prev: ManifestSnapshot, next: ManifestSnapshot, emit: boolean): ManifestChange | undefined {
    const problemsChanged = problemsKey(prev.problems) !== problemsKey(next.problems);
    const change = this.makeChange(prev, next, problemsChanged);
    this.state = next;
    if (!emit) return change;
    if (isEmptyDiff(change) && !problemsChanged) return undefined;
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch (e) {
        this.report(e);
      }
    }
    return change;
  }

  private makeChange(prev: ManifestSnapshot, next: ManifestSnapshot, problemsChanged: boolean): ManifestChange {
    return { ...diffManifestObjects(prev.objects, next.objects), problems: next.problems, problemsChanged, snapshot: next };
  }

  private watchParent(): void {
    const name = basename(this.root);
    try {
      const w = watch(dirname(this.root), { persistent: false }, (_event, filename) => {
        if (filename !== null && filename.toString() !== name) return;
        this.dropWatch(this.root);
        this.schedule();
      });
      // Best effort: without it, the missing-directory poll and the periodic re-scan still work.
      w.on('error', () => {
        w.close();
        if (this.parentWatcher === w) this.parentWatcher = undefined;
      });
      this.parentWatcher = w;
    } catch {
      this.parentWatcher = undefined;
    }
  }

  private watchMissing(): void {
    if (this.missingTimer !== undefined || this.closed) return;
    const poll = this.options.missingPollMs ?? 1_000;
    this.missingTimer = unref(
      setTimeout(() => {
        this.missingTimer = undefined;
        // The scan itself tells whether it is back; if not, it re-arms this timer.
        this.schedule(0);
      }, poll),
    );
  }

  /**
   * Closes the watch of a directory whose parent saw it renamed, removed or created: the watch of a
   * removed directory stays open but hears nothing, and one re-created at the same path can have
   * the same device and inode (ext4 reuses them at once), so the listing alone would keep the dead
   * watch. The scan that follows watches the directory anew if it is there.
   */
  private dropWatch(abs: string): void {
    const entry = this.watchers.get(abs);
    if (entry === undefined) return;
    entry.w.close();
    this.watchers.delete(abs);
  }

  /** One non-recursive watch per directory of the last listing; a directory replaced at the same path is watched anew. */
  private syncWatches(snap: ManifestSnapshot): boolean {
    if (this.closed) return false;
    let added = false;
    const wanted = new Map(snap.dirs.map((d) => [d.abs, d.id]));
    for (const [abs, entry] of this.watchers) {
      if (wanted.get(abs) !== entry.id) {
        entry.w.close();
        this.watchers.delete(abs);
      }
    }
    const problems: ManifestProblem[] = [];
    for (const [abs, id] of wanted) {
      if (this.watchers.has(abs)) continue;
      try {
        const w = watch(abs, { persistent: false }, (_event, filename) => {
          if (filename !== null) this.dropWatch(join(abs, filename.toString()));
          this.schedule();
        });
        w.on('error', () => {
          // The directory went away (or the watch broke): drop it and let a scan sort it out.
          w.close();
          if (this.watchers.get(abs)?.w === w) this.watchers.delete(abs);
          this.schedule();
        });
        this.watchers.set(abs, { id, w });
        added = true;
      } catch (e) {
        const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
        if (code === 'ENOENT') continue; // removed since the listing; the event that follows re-scans
        const rel = abs === this.root ? '' : abs.slice(this.root.length + 1);
        const hint = code === 'ENOSPC' ? ' (inotify watch limit reached: raise fs.inotify.max_user_watches)' : '';
        problems.push({
          file: rel,
          line: 0,
          message: `cannot watch directory${hint}: ${e instanceof Error ? e.message : String(e)}; changes there are picked up by the periodic re-scan`,
          severity: 'warning',
        });
      }
    }
    this.watchProblems = problems;
    return added;
  }

  /**
   * What no directory watch reports. A root such as /srv/current/k8s, with `current` a symlink that
   * a deploy swaps (ln -sfn, git-sync): the watches are on the old release's directories, and only
   * the parent of the root itself is watched for a swap of the root.
   */
  private async poll(): Promise<void> {
    const snap = this.state;
    if (this.closed || snap === undefined || !snap.exists || this.running !== undefined) return;
    const real = await realpath(this.root).catch(() => undefined);
    if (real !== this.realRoot) {
      this.schedule(0);
      return;
    }
    // The root resolves to nothing now: it is going, which its watches and the parent's report;
    // no repository to ask meanwhile.
    if (this.options.git !== false && real !== undefined) await this.checkHead(real);
  }

  /**
   * `real`: the root with its symlinks followed, as the loader looks for the repository (git
   * reports real paths). From the path as written (/etc/driftwatch/manifests -> /repo/k8s) the
   * search would find another repository or none, never the commit the scan recorded, and every
   * poll would re-scan and run `git status` with nothing changed.
   */
  private async checkHead(real: string): Promise<void> {
    const snap = this.state;
    if (this.closed || snap === undefined || !snap.exists || this.running !== undefined) return;
    try {
      const repo = await findGitRepo(real);
      const commit = repo === undefined ? undefined : (await readGitHead(repo)).commit;
      if (commit !== snap.git?.commit) this.schedule(0);
    } catch (e) {
      this.report(e);
    }
  }
}

function unref<T extends NodeJS.Timeout>(t: T): T {
  t.unref();
  return t;
}
