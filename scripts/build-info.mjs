// Which commit a build was made from, so that `npm start` after a `git pull` without `npm run
// build` says it serves older code instead of doing so silently. Plain JavaScript: start.mjs
// reads it before anything else is loaded. Git's files are read directly (no `git` process):
// the check runs at every start.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export const BUILD_INFO = 'build-info.json';

/** The commit checked out in `root` (a work tree or a linked worktree), or undefined outside git. */
export function currentCommit(root) {
  const dotGit = join(root, '.git');
  try {
    let gitDir = dotGit;
    // A linked worktree or a submodule: `.git` is a file naming the real directory.
    if (statSync(dotGit).isFile()) {
      const pointer = readFileSync(dotGit, 'utf8').trim();
      if (!pointer.startsWith('gitdir: ')) return undefined;
      gitDir = resolveFrom(root, pointer.slice(8));
    }
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
    const ref = head.slice(5);
    // A linked worktree keeps its own HEAD and shares the refs of the main repository.
    const common = existsSync(join(gitDir, 'commondir')) ? resolveFrom(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    for (const dir of [gitDir, common]) {
      if (existsSync(join(dir, ref))) return readFileSync(join(dir, ref), 'utf8').trim();
    }
    const packed = existsSync(join(common, 'packed-refs')) ? readFileSync(join(common, 'packed-refs'), 'utf8') : '';
    for (const line of packed.split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref && sha) return sha;
    }
    return undefined;
  } catch {
    // No `.git` (an image built from the sources), or one this cannot read: no check.
    return undefined;
  }
}

function resolveFrom(base, p) {
  return isAbsolute(p) ? p : join(base, p);
}

/**
 * Whether the work tree differs from its commit (a changed or an untracked file `git status`
 * shows), or undefined when git cannot tell (no git, not a work tree). A `git` process, so never
 * on `npm start`'s path.
 */
export function workTreeChanged(root) {
  const r = spawnSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  return r.stdout.trim() !== '';
}

/** Written by `npm run build` beside the compiled server. */
export function writeBuildInfo(root, dir) {
  const commit = currentCommit(root);
  const clean = commit !== undefined && workTreeChanged(root) === false;
  writeFileSync(join(dir, BUILD_INFO), `${JSON.stringify({ commit: commit ?? null, clean, builtAt: new Date().toISOString() })}\n`);
}

/** The build-info of the build in `dir`, or undefined without one (no build, or a build from before it was written). */
function readBuildInfo(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, BUILD_INFO), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Whether the build in `dir` is of exactly the code checked out: built from this commit with no
 * change in the work tree, and none since. What lets the demo skip a rebuild of about two minutes.
 */
export function buildIsCurrent(root, dir) {
  const built = readBuildInfo(dir);
  const now = currentCommit(root);
  return now !== undefined && built?.commit === now && built?.clean === true && workTreeChanged(root) === false;
}

/** What `npm start` says when the build is of another commit than the one checked out, or undefined. */
export function staleBuildWarning(root, dir) {
  const built = readBuildInfo(dir);
  const now = currentCommit(root);
  if (typeof built?.commit !== 'string' || now === undefined || now === built.commit) return undefined;
  return `[driftwatch] this build is of commit ${built.commit.slice(0, 12)} (${built.builtAt}), but ${now.slice(0, 12)} is checked out: run \`npm run build\` to serve the code you have`;
}
