import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../testing/temp-dirs';
import { DirectoryManifestFeed } from './manifest-feed';

const tempDir = tempDirs('dw-feed-');
const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: shop\ndata:\n  k: "${value}"\n`;

let feed: DirectoryManifestFeed | undefined;
afterEach(async () => {
  await feed?.stop();
  feed = undefined;
});

describe('DirectoryManifestFeed', () => {
  it('uses the first directory\'s declaration of an object declared in two for the same cluster, and says so', async () => {
    const base = tempDir();
    for (const d of ['deploy', 'prod', 'staging']) mkdirSync(join(base, d));
    writeFileSync(join(base, 'deploy', 'cm.yaml'), cm('app', 'shared'));
    writeFileSync(join(base, 'prod', 'cm.yaml'), `# prod's own\n${cm('app', 'prod')}`);
    writeFileSync(join(base, 'staging', 'cm.yaml'), cm('app', 'staging'));
    feed = new DirectoryManifestFeed(
      [{ path: join(base, 'deploy') }, { path: join(base, 'prod'), clusters: ['prod'] }, { path: join(base, 'staging'), clusters: ['staging'] }],
      { gitPollMs: 0, rescanIntervalMs: 0 },
    );
    await feed.start();
    const values = (cluster: string) => feed?.objectsFor(cluster).map((d) => `${d.manifest.metadata.name}=${(d.manifest.data as { k: string }).k}@${d.source.file}`);
    expect(values('prod')).toEqual(['app=shared@cm.yaml']);
    expect(values('dev')).toEqual(['app=shared@cm.yaml']);
    expect(feed.problems()).toEqual([
      {
        root: join(base, 'prod'),
        file: 'cm.yaml',
        line: 2,
        message: `ConfigMap shop/app is also declared in ${join(base, 'deploy')} at cm.yaml:1, for the same clusters; that declaration is used and this one ignored`,
        severity: 'error',
      },
      {
        root: join(base, 'staging'),
        file: 'cm.yaml',
        line: 1,
        message: `ConfigMap shop/app is also declared in ${join(base, 'deploy')} at cm.yaml:1, for the same clusters; that declaration is used and this one ignored`,
        severity: 'error',
      },
    ]);
  });

  it('passes on which problems are about one document\'s identity (docs/api.md: identity)', async () => {
    const base = tempDir();
    writeFileSync(join(base, 'mixed.yaml'), `${cm('ok', '1')}---\napiVersion: apps/v1/extra\nkind: Deployment\nmetadata:\n  name: x\n---\n${cm('broken', '2')}  bad: [\n`);
    feed = new DirectoryManifestFeed([{ path: base }], { gitPollMs: 0, rescanIntervalMs: 0 });
    await feed.start();
    const problems = feed.problems();
    expect(problems.filter((p) => p.identity === true).map((p) => p.message)).toEqual([expect.stringMatching(/^document 2: apiVersion "apps\/v1\/extra"/)]);
    // A syntax error may hide an object: no such mark.
    expect(problems.filter((p) => p.identity !== true)).toHaveLength(1);
  });

  it('lets directories for different clusters declare the same object', async () => {
    const base = tempDir();
    for (const d of ['prod', 'staging']) mkdirSync(join(base, d));
    writeFileSync(join(base, 'prod', 'cm.yaml'), cm('app', 'prod'));
    writeFileSync(join(base, 'staging', 'cm.yaml'), cm('app', 'staging'));
    feed = new DirectoryManifestFeed([{ path: join(base, 'prod'), clusters: ['prod'] }, { path: join(base, 'staging'), clusters: ['staging'] }], { gitPollMs: 0, rescanIntervalMs: 0 });
    await feed.start();
    expect(feed.objectsFor('prod').map((d) => (d.manifest.data as { k: string }).k)).toEqual(['prod']);
    expect(feed.objectsFor('staging').map((d) => (d.manifest.data as { k: string }).k)).toEqual(['staging']);
    expect(feed.problems()).toEqual([]);
  });

  it('names each object\'s directory: the same file name in two directories gives two sources, and a move between them is seen', async () => {
    const base = tempDir();
    for (const d of ['team-a', 'team-b']) mkdirSync(join(base, d));
    writeFileSync(join(base, 'team-a', 'app.yaml'), cm('web', 'a'));
    writeFileSync(join(base, 'team-b', 'app.yaml'), cm('api', 'b'));
    feed = new DirectoryManifestFeed([{ path: join(base, 'team-a') }, { path: join(base, 'team-b') }], { gitPollMs: 0, rescanIntervalMs: 0, debounceMs: 10 });
    await feed.start();
    const sources = () => Object.fromEntries((feed?.objectsFor('c') ?? []).map((d) => [d.manifest.metadata.name, d.source]));
    expect(sources()).toEqual({
      web: { type: 'manifest-dir', root: join(base, 'team-a'), file: 'app.yaml', line: 1 },
      api: { type: 'manifest-dir', root: join(base, 'team-b'), file: 'app.yaml', line: 1 },
    });
    // What the runtime reads at each notification: web must never be missing from it.
    const seen: string[] = [];
    feed.onChange(() => seen.push((feed?.objectsFor('c') ?? []).map((d) => `${d.manifest.metadata.name}@${d.source.root?.endsWith('team-a') ? 'a' : 'b'}`).sort().join(',')));
    // web moves to team-b's app.yaml, at the same line: only its directory tells where it is now.
    rmSync(join(base, 'team-a', 'app.yaml'));
    writeFileSync(join(base, 'team-b', 'app.yaml'), `${cm('web', 'a')}---\n${cm('api', 'b')}`);
    for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 400));
    expect(sources().web).toEqual({ type: 'manifest-dir', root: join(base, 'team-b'), file: 'app.yaml', line: 1 });
    expect(seen).toEqual(['api@b,web@b']);
  });
});
