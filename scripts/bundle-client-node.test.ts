import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleClientNode } from './bundle-client-node';

const root = resolve(__dirname, '..');
const installed = JSON.parse(readFileSync(join(root, 'node_modules', '@kubernetes', 'client-node', 'package.json'), 'utf8')) as { version: string };

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c1, cluster: { server: 'https://127.0.0.1:6443' } }]
users: [{ name: u1, user: { token: abc } }]
contexts: [{ name: ctx1, context: { cluster: c1, user: u1, namespace: team-a } }]
current-context: ctx1
`;

describe('bundleClientNode (npm run build)', () => {
  const dist = mkdtempSync(join(tmpdir(), 'driftwatch-bundle-'));
  afterAll(() => rmSync(dist, { recursive: true, force: true }));
  const links = join(dist, 'node_modules', '@kubernetes');

  it('replaces the link Next writes with one bundled file that a server chunk imports by the same name', async () => {
    mkdirSync(links, { recursive: true });
    symlinkSync(join(root, 'node_modules', '@kubernetes', 'client-node'), join(links, 'client-node-0123abcd'));
    // Not a link and not ours: left alone.
    mkdirSync(join(links, 'client-node-foreign'));
    writeFileSync(join(links, 'client-node-foreign', 'keep.txt'), 'x');

    const written = await bundleClientNode(root, dist);
    const dir = join(links, 'client-node-0123abcd');
    expect(written).toEqual([dir]);
    expect(lstatSync(dir).isDirectory()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toMatchObject({ version: installed.version, type: 'module', main: 'index.mjs' });
    expect(readFileSync(join(links, 'client-node-foreign', 'keep.txt'), 'utf8')).toBe('x');

    // As Next's runtime does from .next/server/chunks: import() by the link's name.
    mkdirSync(join(dist, 'server', 'chunks'), { recursive: true });
    const chunk = join(dist, 'server', 'chunks', 'probe.mjs');
    writeFileSync(
      chunk,
      `const k8s = await import('@kubernetes/client-node-0123abcd');
const kc = new k8s.KubeConfig();
kc.loadFromString(${JSON.stringify(KUBECONFIG)});
console.log(JSON.stringify({ context: kc.getCurrentContext(), server: kc.getCurrentCluster().server, api: typeof kc.makeApiClient(k8s.CoreV1Api).listNamespace }));
`,
    );
    const res = spawnSync(process.execPath, [chunk], { encoding: 'utf8', timeout: 60_000 });
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toEqual({ context: 'ctx1', server: 'https://127.0.0.1:6443', api: 'function' });
  });

  it('is safe to run again on its own output, and does nothing without links', async () => {
    expect(await bundleClientNode(root, dist)).toEqual([join(links, 'client-node-0123abcd')]);
    const empty = mkdtempSync(join(tmpdir(), 'driftwatch-bundle-none-'));
    try {
      expect(await bundleClientNode(root, empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
