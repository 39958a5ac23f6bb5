/**
 * Which commit a manifest directory stands for, when it sits in a git work tree. HEAD is read from
 * the repository files (no process per reload, and it works where `git` refuses a repository owned
 * by another user); `git` itself is only spawned, with a timeout, for what the files cannot answer
 * cheaply: refs in reftable storage, and which files differ from HEAD.
 */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export interface GitRepo {
  /** Top of the work tree (the directory holding `.git`). */
  workTree: string;
  /** The work tree's git directory (`.git`, or `.git/worktrees/<name>` for a linked worktree). */
  gitDir: string;
  /** Where branches and packed-refs live: the main repository's git directory. */
  commonDir: string;
}

export interface GitHead {
  /** Full object name of HEAD; undefined on an unborn branch (no commit yet). */
  commit?: string;
  /** Branch HEAD points at; undefined when detached. */
  branch?: string;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function readText(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** The repository whose work tree contains `dir`, or undefined when there is none. */
export async function findGitRepo(dir: string): Promise<GitRepo | undefined> {
  let cur = resolve(dir);
  for (;;) {
    const dotGit = join(cur, '.git');
    let gitDir: string | undefined;
    if (await isDirectory(dotGit)) gitDir = dotGit;
    else {
      // A linked worktree or a submodule: `.git` is a file saying where the git directory is.
      const text = await readText(dotGit);
      const m = text === undefined ? null : /^gitdir:\s*(.+?)\s*$/m.exec(text);
      if (m?.[1] !== undefined) gitDir = isAbsolute(m[1]) ? m[1] : resolve(cur, m[1]);
    }
    if (gitDir !== undefined && (await readText(join(gitDir, 'HEAD'))) !== undefined) {
      const common = (await readText(join(gitDir, 'commondir')))?.trim();
      const commonDir = common ? (isAbsolute(common) ? common : resolve(gitDir, common)) : gitDir;
      return { workTree: cur, gitDir, commonDir };
    }
    const parent = dirname(cur);
    if (parent === cur) return undefined;
    cur = parent;
  }
}

async function resolveRef(repo: GitRepo, ref: string): Promise<string | undefined> {
  // Per-worktree refs live in gitDir, shared ones (branches, tags) in commonDir.
  for (const base of repo.gitDir === repo.commonDir ? [repo.gitDir] : [repo.gitDir, repo.commonDir]) {
    const loose = (await readText(join(base, ref)))?.trim();
    if (loose !== undefined && SHA.test(loose)) return loose;
  }
  const packed = await readText(join(repo.commonDir, 'packed-refs'));
  if (packed === undefined) return undefined;
  for (const line of packed.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const sp = line.indexOf(' ');
    if (sp > 0 && line.slice(sp + 1).trim() === ref) {
      const sha = line.slice(0, sp);
      if (SHA.test(sha)) return sha;
    }
  }
  return undefined;
}

function runGit(args: string[], cwd: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((done) => {
    execFile('git', args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout) => {
      done(err ? undefined : stdout);
    });
  });
}

/** HEAD of the repository: from its files, falling back to `git rev-parse` (reftable, odd layouts). */
export async function readGitHead(repo: GitRepo, timeoutMs = 5_000): Promise<GitHead> {
  const head = (await readText(join(repo.gitDir, 'HEAD')))?.trim() ?? '';
  if (SHA.test(head)) return { commit: head };
  const m = /^ref:\s*(\S+)$/.exec(head);
  if (m?.[1] === undefined) return {};
  const ref = m[1];
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const commit = await resolveRef(repo, ref);
  if (commit !== undefined) return { commit, branch };
  // Nothing in the files: an unborn branch, or refs in a format we do not read. git knows.
  const out = (await runGit(['rev-parse', '--verify', '--quiet', 'HEAD'], repo.workTree, timeoutMs))?.trim();
  return out !== undefined && SHA.test(out) ? { commit: out, branch } : { branch };
}

/**
 * Files under `dir` that differ from HEAD (modified, staged, deleted, untracked or ignored: a
 * manifest rendered into a git-ignored folder is in no commit either), as paths
 * relative to `dir` with forward slashes; undefined when git cannot tell (not installed, timeout,
 * a repository it refuses).
 */
export async function readDirtyFiles(repo: GitRepo, dir: string, timeoutMs = 5_000): Promise<Set<string> | undefined> {
  const relDir = relative(repo.workTree, dir) || '.';
  const out = await runGit(
    // With --untracked-files=all, ignored files are listed one by one, not as their directory.
    ['-c', 'core.quotePath=false', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored=traditional', '--', relDir],
    repo.workTree,
    timeoutMs,
  );
  if (out === undefined) return undefined;
  const dirty = new Set<string>();
  const fields = out.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as string;
    if (f.length < 4) continue;
    const xy = f.slice(0, 2);
    // Porcelain paths are relative to the work tree top, whatever the cwd.
    const rel = relative(dir, join(repo.workTree, f.slice(3)));
    if (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) dirty.add(rel.split(sep).join('/'));
    if (xy.includes('R') || xy.includes('C')) i++; // the rename's source path follows
  }
  return dirty;
}
