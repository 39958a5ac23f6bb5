/**
 * The configured manifest directories as one feed for the runtime: each directory is watched by
 * lib/desired's ManifestDirectoryWatcher, and each cluster sees the directories meant for it.
 */
import type { ManifestConfig } from '../config/dashboard-config';
import { describeObjectKey, ManifestDirectoryWatcher, withBuiltinScopes, type ManifestWatcherOptions } from '../desired';
import type { KubeObject } from '../kube/cache-diff';
import type { ManifestFeed, ManifestProblem } from './runtime';
import type { DesiredObject } from './types';

interface Directory {
  config: ManifestConfig;
  watcher: ManifestDirectoryWatcher;
}

/**
 * With several directories, how long a change in one waits for the others before the runtime is
 * told: a manifest moved from one directory to another (`git mv team-a/app.yaml team-b/`) reaches
 * two watchers, and told of one alone the runtime saw the object undeclared, then declared anew (its
 * drift closed and reopened, its `since` reset) instead of moved.
 */
const SETTLE_MS = 150;

export class DirectoryManifestFeed implements ManifestFeed {
  private readonly dirs: Directory[];
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: (() => void)[] = [];
  private settling: Promise<void> | undefined;
  private readonly settleMs: number;
  private stopped = false;

  constructor(configs: ReadonlyArray<ManifestConfig>, options: ManifestWatcherOptions & { settleMs?: number } = {}) {
    this.settleMs = options.settleMs ?? SETTLE_MS;
    this.dirs = configs.map((config) => ({
      config,
      watcher: new ManifestDirectoryWatcher(config.path, { ...options, ...(config.defaultNamespace ? { defaultNamespace: config.defaultNamespace } : {}) }),
    }));
  }

  async start(): Promise<void> {
    await Promise.all(this.dirs.map((d) => d.watcher.start()));
    for (const d of this.dirs) {
      this.unsubscribe.push(
        d.watcher.subscribe((change) => {
          if (change.added.length + change.changed.length + change.removed.length + change.relocated.length === 0 && !change.problemsChanged) return;
          if (this.dirs.length === 1) this.notify();
          else this.settling ??= this.settle();
        }),
      );
    }
  }

  private notify(): void {
    if (this.stopped) return;
    for (const l of this.listeners) l();
  }

  /** One notification once every directory has had time to notice the same change and has scanned. */
  private async settle(): Promise<void> {
    await new Promise((r) => setTimeout(r, this.settleMs));
    await Promise.all(this.dirs.map((d) => d.watcher.idle()));
    this.settling = undefined;
    this.notify();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const u of this.unsubscribe) u();
    await Promise.all(this.dirs.map((d) => d.watcher.close()));
  }

  /**
   * The cluster's desired objects. An object declared in two directories that both apply to it:
   * the one listed first in the configuration is used (as the first file is within a directory),
   * and problems() names the other.
   */
  objectsFor(cluster: string): DesiredObject[] {
    const out: DesiredObject[] = [];
    const seen = new Set<string>();
    for (const d of this.dirs) {
      if (d.config.clusters && !d.config.clusters.includes(cluster)) continue;
      for (const o of d.watcher.current().objects.values()) {
        if (seen.has(o.id)) continue;
        seen.add(o.id);
        out.push({ manifest: o.manifest as unknown as KubeObject, source: o.source, revision: o.revision });
      }
    }
    return out;
  }

  problems(): ManifestProblem[] {
    return [...this.directoryProblems(), ...this.declaredTwice()];
  }

  /** Objects a directory declares that an earlier directory for some of the same clusters declares too. */
  private declaredTwice(): ManifestProblem[] {
    const out: ManifestProblem[] = [];
    this.dirs.forEach((later, j) => {
      const earlier = this.dirs.slice(0, j).filter((d) => sharesClusters(d.config.clusters, later.config.clusters));
      if (earlier.length === 0) return;
      for (const o of later.watcher.current().objects.values()) {
        for (const e of earlier) {
          const first = e.watcher.current().objects.get(o.id);
          if (first === undefined) continue;
          out.push({
            root: later.config.path,
            ...(o.source.file ? { file: o.source.file } : {}),
            ...(o.source.line ? { line: o.source.line } : {}),
            message: `${describeObjectKey(o.key)} is also declared in ${e.config.path} at ${first.source.file}:${first.source.line}, for the same clusters; that declaration is used and this one ignored`,
            severity: 'error',
          });
          break;
        }
      }
    });
    return out;
  }

  private directoryProblems(): ManifestProblem[] {
    return this.dirs.flatMap((d) =>
      d.watcher.current().problems.map((p) => ({
        root: d.config.path,
        ...(p.file ? { file: p.file } : {}),
        ...(p.line ? { line: p.line } : {}),
        ...(p.column ? { column: p.column } : {}),
        message: p.message,
        severity: p.severity,
        ...(p.identity ? { identity: true as const } : {}),
      })),
    );
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setIsNamespaced(isNamespaced: (group: string, kind: string) => boolean | undefined): void {
    for (const d of this.dirs) d.watcher.setIsNamespaced(withBuiltinScopes(isNamespaced));
  }

  /** Resolves once every directory has finished any pending re-scan (tests). */
  async idle(): Promise<void> {
    await Promise.all(this.dirs.map((d) => d.watcher.idle()));
  }
}

/** Whether two directories' cluster lists (undefined: every cluster) have a cluster in common. */
function sharesClusters(a: ReadonlyArray<string> | undefined, b: ReadonlyArray<string> | undefined): boolean {
  return a === undefined || b === undefined || a.some((c) => b.includes(c));
}
