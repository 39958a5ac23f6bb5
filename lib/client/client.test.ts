import { describe, expect, it } from 'vitest';
import { addPage, applyEvents, EMPTY_INDEX } from './drift-index';
import { problemLocation } from './format';
import { objectIdFromSearch, parseObjectId } from './object-id';
import { rowTuple } from '../live/table-rows';
import { driftApiQuery, facets, filterAndSort, parseTableQuery, rowFromState, rowFromTuple, tableQueryToParams, writerUnknown } from './table-query';
import type { ObjectDriftState } from './types';
import { diffLines, diffObject, diffTexts, toBlocks, toSplitRows } from './yaml-diff';

const state = (name: string, over: Partial<ObjectDriftState> = {}): ObjectDriftState => ({
  id: `c1//ConfigMap/ns/${name}`,
  cluster: 'c1',
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  namespace: 'ns',
  name,
  status: 'drifted',
  changes: [{ path: 'data.mode', op: 'changed', desired: 'a', live: 'b', manager: { name: 'kubectl-edit', operation: 'Update', time: '2026-01-01T00:00:00Z' } }],
  ignored: [],
  warnings: [],
  labels: { app: name },
  since: '2026-01-01T00:00:00Z',
  ...over,
});

describe('table query', () => {
  it('round-trips through the URL, omitting defaults', () => {
    const q = parseTableQuery(new URLSearchParams('namespace=a,b&manager=kubectl-edit&labels=app%3Dweb&sort=fields&dir=desc&q=x'));
    expect(q).toMatchObject({ namespace: ['a', 'b'], manager: ['kubectl-edit'], labelSelector: 'app=web', sort: 'fields', dir: 'desc', q: 'x', status: ['drifted', 'missing', 'error'] });
    expect(tableQueryToParams(q).toString()).toBe('q=x&namespace=a%2Cb&manager=kubectl-edit&labels=app%3Dweb&sort=fields&dir=desc');
    expect(parseTableQuery(new URLSearchParams('status=all')).status).toEqual(['drifted', 'missing', 'error', 'in-sync', 'unmanaged']);
    expect(tableQueryToParams(parseTableQuery(new URLSearchParams('status=all'))).toString()).toBe('status=all');
    expect(tableQueryToParams(parseTableQuery(new URLSearchParams(''))).toString()).toBe('');
  });

  it('filters by manager, labels and text, counts statuses, sorts', () => {
    const a = state('alpha');
    const b = state('beta', { changes: [...a.changes, { path: 'data.x', op: 'added', live: 1, manager: { name: 'bot', operation: 'Apply', time: '2026-01-02T00:00:00Z' } }] });
    const c = state('gamma', { status: 'in-sync', changes: [] });
    const all = [a, b, c].map(rowFromState);
    expect(filterAndSort(all, parseTableQuery(new URLSearchParams('manager=bot'))).rows.map((r) => r.name)).toEqual(['beta']);
    expect(filterAndSort(all, parseTableQuery(new URLSearchParams('labels=app%3Dalpha'))).rows.map((r) => r.name)).toEqual(['alpha']);
    // Text search covers every changed path and manager, not only the first.
    expect(filterAndSort(all, parseTableQuery(new URLSearchParams('q=data.x'))).rows.map((r) => r.name)).toEqual(['beta']);
    const r = filterAndSort(all, parseTableQuery(new URLSearchParams('sort=fields&dir=desc')));
    expect(r.rows.map((x) => [x.name, x.fields, x.manager])).toEqual([
      ['beta', 2, 'bot'],
      ['alpha', 1, 'kubectl-edit'],
    ]);
    expect(r.counts).toMatchObject({ drifted: 2, 'in-sync': 1 });
    expect(filterAndSort(all, parseTableQuery(new URLSearchParams('labels=a+in+(b'))).selectorError).toBeDefined();
  });

  it('offers "(unknown)" in the manager filter for rows whose drifted fields name no manager, and sorts them after the names', () => {
    const named = state('alpha');
    const removed = state('beta', { changes: [{ path: 'metadata.labels.tier', op: 'removed', desired: 'web' }] });
    const missing = state('gamma', { status: 'missing', changes: [{ path: '', op: 'missing' }] });
    const inSync = state('delta', { status: 'in-sync', changes: [] });
    const all = [named, removed, missing, inSync].map(rowFromState);
    expect(all.map(writerUnknown)).toEqual([false, true, false, false]);
    expect(facets(all).manager).toEqual(['(unknown)', 'kubectl-edit']);
    // Without such a row there is nothing to offer.
    expect(facets([named, missing].map(rowFromState)).manager).toEqual(['kubectl-edit']);
    const shown = (qs: string) => filterAndSort(all, parseTableQuery(new URLSearchParams(qs))).rows.map((r) => r.name);
    expect(shown('status=all&manager=(unknown)')).toEqual(['beta']);
    expect(shown('status=all&manager=kubectl-edit,(unknown)').sort()).toEqual(['alpha', 'beta']);
    expect(shown('status=all&manager=kubectl-edit')).toEqual(['alpha']);
    // Named, then unknown, then nothing to attribute (ties in the table's default order).
    expect(shown('status=all&sort=manager')).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    expect(shown('status=all&sort=manager&dir=desc')).toEqual(['gamma', 'delta', 'beta', 'alpha']);
  });

  it('names cluster-scoped objects in the namespace filter, in the table and in an embed', () => {
    const ns = state('shop', { id: 'c1//Namespace//shop', kind: 'Namespace', namespace: '' });
    const all = [state('alpha'), ns].map(rowFromState);
    expect(facets(all).namespace).toEqual(['(cluster-scoped)', 'ns']);
    expect(filterAndSort(all, parseTableQuery(new URLSearchParams('namespace=(cluster-scoped)'))).rows.map((r) => r.name)).toEqual(['shop']);
    expect(filterAndSort(all, parseTableQuery(new URLSearchParams('namespace=ns,(cluster-scoped)'))).rows).toHaveLength(2);
    expect(driftApiQuery(new URLSearchParams('namespace=(cluster-scoped)'))).toMatchObject({ query: expect.stringContaining('scope=cluster'), namespaces: [] });
    expect(driftApiQuery(new URLSearchParams('namespace=ns')).query).toContain('namespace=ns');
    // Both at once cannot be one API filter: the embed filters its rows itself.
    const mixed = driftApiQuery(new URLSearchParams('namespace=ns,(cluster-scoped)'));
    expect(mixed.query).not.toMatch(/namespace=|scope=/);
    expect(mixed.namespaces).toEqual(['ns', '(cluster-scoped)']);
  });
});

describe('drift index', () => {
  it('loads pages and applies stream events', () => {
    let idx = addPage(EMPTY_INDEX, { columns: [], rows: [rowTuple(state('a'))], total: 2, next: 'x', ready: true, lastEventId: 7, streamId: 'e.7' });
    expect(idx.complete).toBe(false);
    idx = addPage(idx, { columns: [], rows: [rowTuple(state('b'))], total: 2, ready: true, lastEventId: 9, streamId: 'e.9' });
    expect(idx).toMatchObject({ complete: true, baseSeq: 7 });
    idx = applyEvents(idx, [
      { seq: 8, type: 'upsert', state: state('a', { status: 'in-sync', changes: [] }), at: '' },
      { seq: 10, type: 'delete', id: state('b').id, cluster: 'c1', at: '' },
    ]);
    expect([...idx.rows.values()].map((s) => `${s.name}=${s.status}`)).toEqual(['a=in-sync']);
  });

  it('turns a state into the row the server sends, and back into what the table shows', () => {
    const s = state('web', {
      kind: 'Deployment',
      group: 'apps',
      id: 'c1/apps/Deployment/ns/web',
      changes: [
        { path: 'spec.replicas', op: 'changed', desired: 2, live: 5, manager: { name: 'kubectl-edit', operation: 'Update', time: '2026-01-01T00:00:00Z' } },
        { path: 'spec.template.spec.containers[name=app].env[name=MODE].value', op: 'changed', desired: 'a', live: 'b', manager: { name: 'operator', operation: 'Update', time: '2026-01-03T00:00:00Z' } },
        { path: 'metadata.labels.tier', op: 'added', live: 'x', manager: { name: 'kubectl-edit', operation: 'Update', time: '2026-01-02T00:00:00Z' } },
      ],
    });
    const t = rowTuple(s);
    expect(t).toEqual([s.id, 'drifted', s.since, ['spec.replicas', 'spec.template.spec.containers[name=app].env[name=MODE].value', 'metadata.labels.tier'], ['kubectl-edit', 'operator'], 'operator', { app: 'web' }]);
    expect(rowFromTuple(JSON.parse(JSON.stringify(t)))).toMatchObject({ cluster: 'c1', group: 'apps', kind: 'Deployment', kindLabel: 'Deployment.apps', namespace: 'ns', name: 'web', fields: 3, firstPath: 'spec.replicas', manager: 'operator' });
    expect(rowFromTuple(JSON.parse(JSON.stringify(t))).error).toBeUndefined();
    // An object that could not be compared carries why, for the table to say.
    const failed = rowTuple({ ...s, status: 'error', changes: [], error: 'the cluster does not serve Widget.nothere.example.com' });
    expect(failed).toHaveLength(8);
    expect(rowFromTuple(JSON.parse(JSON.stringify(failed)))).toMatchObject({ status: 'error', fields: 0, error: 'the cluster does not serve Widget.nothere.example.com' });
  });
});

describe('object ids', () => {
  it('parses from the right', () => {
    expect(parseObjectId('kind-dev/apps/Deployment/shop/web')).toEqual({ cluster: 'kind-dev', group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' });
    expect(parseObjectId('arn:aws:eks/x/cluster/prod//Namespace//shop')).toMatchObject({ cluster: 'arn:aws:eks/x/cluster/prod', group: '', kind: 'Namespace', namespace: '', name: 'shop' });
    expect(parseObjectId('nope')).toBeUndefined();
  });

  it('reads an object page URL by id or by parts', () => {
    const sp = (q: string) => new URLSearchParams(q);
    expect(objectIdFromSearch(sp('id=c1%2Fapps%2FDeployment%2Fshop%2Fweb&mode=unified'))).toBe('c1/apps/Deployment/shop/web');
    expect(objectIdFromSearch(sp('cluster=test-cluster&group=apps&kind=Deployment&namespace=shop&name=shop'))).toBe('test-cluster/apps/Deployment/shop/shop');
    // Core group and cluster-scoped objects leave those parts out.
    expect(objectIdFromSearch(sp('cluster=c1&kind=Namespace&name=shop'))).toBe('c1//Namespace//shop');
    expect(objectIdFromSearch(sp('cluster=c1&kind=ConfigMap'))).toBeUndefined();
    expect(objectIdFromSearch(sp('mode=unified'))).toBeUndefined();
  });
});

describe('yaml diff', () => {
  it('diffs lines minimally and pairs them side by side', () => {
    const lines = diffLines(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e']);
    expect(lines.map((l) => `${l.op}:${l.text}`)).toEqual(['same:a', 'del:b', 'add:x', 'same:c', 'same:d', 'add:e']);
    expect(toSplitRows(lines)[1]).toMatchObject({ left: { text: 'b' }, right: { text: 'x' } });
    expect(diffLines([], [])).toEqual([]);
    expect(diffLines(['a'], []).map((l) => l.op)).toEqual(['del']);
  });

  it('folds long unchanged runs, keeping context', () => {
    const a = Array.from({ length: 30 }, (_, i) => `l${i}`);
    const b = [...a];
    b[15] = 'changed';
    const blocks = toBlocks(diffLines(a, b), 3);
    expect(blocks.map((x) => x.type)).toEqual(['collapsed', 'lines', 'collapsed']);
    expect(blocks[0]!.lines).toHaveLength(12);
  });

  it('hides volatile and defaulted fields, keeps drifted ones, never prints a Secret value', () => {
    const desired = { object: { kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: '1' } }, volatilePaths: [] };
    const live = {
      object: { kind: 'ConfigMap', metadata: { name: 'x', uid: 'u', resourceVersion: '5' }, data: { a: '2', extra: 'y', defaulted: 'z' }, status: { s: 1 } },
      volatilePaths: ['metadata.uid', 'metadata.resourceVersion', 'status'],
    };
    const { left, right } = diffTexts({ desired, live, changePaths: ['data.a', 'data.extra'], showAll: false });
    expect(left).toEqual(['kind: ConfigMap', 'metadata:', '  name: x', 'data:', '  a: "1"']);
    expect(right).toEqual(['kind: ConfigMap', 'metadata:', '  name: x', 'data:', '  a: "2"', '  extra: y']);
    expect(diffTexts({ desired, live, changePaths: [], showAll: true }).right.join('\n')).toContain('resourceVersion');
    const secret = diffTexts({ live: { object: { kind: 'Secret', data: { p: { redacted: true, sha256: 'abc' } } }, volatilePaths: [] }, changePaths: [], showAll: false });
    expect(secret.right).toEqual(['kind: Secret', 'data:', '  p: (value hidden, sha256 abc)']);
  });

  it('agrees with the verdict: a Secret\'s stringData lines up with live data, ignored changes stay out unless asked, volatile lines are not drift', () => {
    const hidden = (sha256: string) => ({ redacted: true, sha256 });
    // In sync: stringData as the API server keeps it, in data, with the same markers.
    const secret = diffObject({
      desired: { object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: hidden('aa'), user: hidden('bb') } }, volatilePaths: [] },
      live: { object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', uid: 'u' }, data: { password: hidden('aa'), user: hidden('bb') }, type: 'Opaque' }, volatilePaths: ['metadata.uid'] },
      changePaths: [],
      showAll: false,
    });
    expect(secret.filter((l) => l.op !== 'same')).toEqual([]);
    // Changed: the one data line differs, on both sides.
    const changed = diffObject({
      desired: { object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: hidden('aa') } }, volatilePaths: [] },
      live: { object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: hidden('cc') } }, volatilePaths: [] },
      changePaths: ['data.password'],
      showAll: false,
    });
    expect(changed.filter((l) => l.op !== 'same').map((l) => `${l.op} ${l.text}`)).toEqual(['del   password: (value hidden, sha256 aa)', 'add   password: (value hidden, sha256 cc)']);
    const cm = (a: string, b: string) => ({ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a, b } }, volatilePaths: [] as string[] });
    const ignored = { desired: cm('1', '1'), live: cm('1', '2'), changePaths: [], ignoredPaths: ['data.b'], showAll: false };
    expect(diffObject(ignored).filter((l) => l.op !== 'same')).toEqual([]);
    expect(diffObject({ ...ignored, showIgnored: true }).filter((l) => l.op !== 'same').map((l) => l.text)).toEqual(['  b: "1"', '  b: "2"']);
    // Ignored, as the engine names them: a port by its defaulted protocol, list indexes (removed
    // highest first, so that each names what it meant), a field someone added (shown with show ignored).
    const svc = (targetPort: number, args: string[], labels: Record<string, string>) => ({
      object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', labels }, spec: { ports: [{ port: 80, targetPort }], args } },
      volatilePaths: [] as string[],
    });
    const ignoring = {
      desired: svc(8080, ['x', 'y', 'z', 'w'], { app: 'a' }),
      live: svc(9090, ['x', 'Y', 'Z', 'w'], { app: 'a', extra: 'e' }),
      changePaths: [],
      ignoredPaths: ['spec.ports[port=80,protocol=TCP].targetPort', 'spec.args[1]', 'spec.args[2]', 'metadata.labels.extra'],
      showAll: false,
    };
    expect(diffObject(ignoring).filter((l) => l.op !== 'same')).toEqual([]);
    expect(diffObject({ ...ignoring, showIgnored: true }).filter((l) => l.op === 'add').map((l) => [l.text.trim(), l.extra ?? false])).toEqual([
      ['extra: e', false],
      ['targetPort: 9090', false],
      ['- Y', false],
      ['- Z', false],
    ]);
    // Folded as the engine folds: apiVersion left out, null values skipped, stringData: null dropped.
    const folded = diffObject({
      desired: { object: { kind: 'Secret', metadata: { name: 's' }, stringData: { a: hidden('aa'), b: null } }, volatilePaths: [] },
      live: { object: { kind: 'Secret', metadata: { name: 's' }, data: { a: hidden('aa') } }, volatilePaths: [] },
      changePaths: [],
      showAll: false,
    });
    expect(folded.filter((l) => l.op !== 'same')).toEqual([]);
    expect(diffTexts({ desired: { object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: null }, volatilePaths: [] }, changePaths: [], showAll: false }).left).toEqual([
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: s',
    ]);
    // A live-only list element shows when a change names it, not because another element drifted.
    const pod = (containers: Array<Record<string, string>>) => ({ object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers } }, volatilePaths: [] as string[] });
    const sidecar = diffObject({
      desired: pod([{ name: 'app', image: 'a:1' }]),
      live: pod([{ name: 'app', image: 'a:2' }, { name: 'istio-proxy', image: 'proxy' }]),
      changePaths: ['spec.containers[name=app].image'],
      showAll: false,
    });
    expect(sidecar.filter((l) => l.op === 'add').map((l) => l.text.trim())).toEqual(['image: a:2']);
    const added = diffObject({
      desired: pod([{ name: 'app', image: 'a:1' }]),
      live: pod([{ name: 'app', image: 'a:1' }, { name: 'debug', image: 'busybox' }]),
      changePaths: ['spec.containers[name=debug]'],
      showAll: false,
    });
    expect(added.filter((l) => l.op === 'add').map((l) => l.text.trim())).toEqual(['- name: debug', 'image: busybox']);
    // Everything shown: the uid and the defaulted type are live-only, marked as not drift; the drifted line is not.
    const all = diffObject({
      desired: cm('1', '1'),
      live: { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', uid: 'u' }, data: { a: '1', b: '2' }, immutable: false }, volatilePaths: ['metadata.uid'] },
      changePaths: ['data.b'],
      showAll: true,
    });
    expect(all.filter((l) => l.op === 'add').map((l) => [l.text, l.extra ?? false])).toEqual([
      ['  uid: u', true],
      ['  b: "2"', false],
      ['immutable: false', true],
    ]);
  });
});

describe('manifest problem location', () => {
  it('names the file and line, the column where asked, or the directory', () => {
    const p = { root: '/srv/m', file: 'apps/web.yaml', line: 12, column: 3 };
    expect(problemLocation(p)).toBe('apps/web.yaml:12:3');
    expect(problemLocation(p, { column: false })).toBe('apps/web.yaml:12');
    expect(problemLocation({ root: '/srv/m', file: 'x.yaml' })).toBe('x.yaml');
    expect(problemLocation({ root: '/srv/m' })).toBe('/srv/m');
  });
});
