import { describe, expect, it } from 'vitest';
import { isCoreSecret } from '../drift/core-secret';
import { changeMayBeRedacted, changeValueText, diffLines, diffObject, diffTexts } from './yaml-diff';

const side = (object: Record<string, unknown>) => ({ object, volatilePaths: [] as string[] });
const changed = (lines: ReturnType<typeof diffObject>) => lines.filter((l) => l.op !== 'same').map((l) => `${l.op} ${l.text.trim()}`);

describe('yaml diff: only drift is marked as drift', () => {
  const svc = (metadata: Record<string, unknown>) => side({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', ...metadata }, spec: { ports: [{ port: 80 }] } });
  const liveLabels = { team: 'hotfix', 'topology.istio.io/network': 'net1', 'service.kubernetes.io/headless': '' };

  it('shows a label added to a map only live has, not the map\'s other keys', () => {
    const lines = diffObject({ desired: svc({}), live: svc({ labels: liveLabels }), changePaths: ['metadata.labels.team'], showAll: false });
    expect(changed(lines)).toEqual(['add labels:', 'add team: hotfix']);
  });

  it('marks the map\'s other keys as not drift when everything is shown', () => {
    const lines = diffObject({ desired: svc({}), live: svc({ labels: liveLabels }), changePaths: ['metadata.labels.team'], showAll: true });
    expect(lines.filter((l) => l.op === 'add').map((l) => [l.text.trim(), l.extra ?? false])).toEqual([
      ['labels:', false],
      ['team: hotfix', false],
      ['topology.istio.io/network: net1', true],
      ['service.kubernetes.io/headless: ""', true],
    ]);
  });

  it('still shows a whole live-only map when the change is the map itself', () => {
    const lines = diffObject({ desired: svc({}), live: svc({ labels: { a: '1', b: '2' } }), changePaths: ['metadata.labels'], showAll: false });
    expect(changed(lines)).toEqual(['add labels:', 'add a: "1"', 'add b: "2"']);
  });

  it('keeps only the named element of a list under a live-only map', () => {
    const pod = (spec: Record<string, unknown>) => side({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });
    const lines = diffObject({
      desired: pod({ containers: [{ name: 'app' }] }),
      live: pod({ containers: [{ name: 'app' }], securityContext: { sysctls: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }], runAsUser: 0 } }),
      changePaths: ['spec.securityContext.sysctls[name=b]'],
      showAll: false,
    });
    expect(changed(lines)).toEqual(['add securityContext:', 'add sysctls:', 'add - name: b', 'add value: "2"']);
  });
});

describe('yaml diff: redaction markers only where the server makes them', () => {
  const marker = { redacted: true, sha256: 'deadbeef' };

  it('prints a custom resource\'s {redacted: true} field as the data it is', () => {
    const cr = side({ apiVersion: 'audit.example.com/v1', kind: 'Policy', metadata: { name: 'p' }, spec: { audit: marker } });
    expect(diffTexts({ live: cr, changePaths: [], showAll: false }).right).toEqual([
      'apiVersion: audit.example.com/v1',
      'kind: Policy',
      'metadata:',
      '  name: p',
      'spec:',
      '  audit:',
      '    redacted: true',
      '    sha256: deadbeef',
    ]);
  });

  it('does not read markers in a Secret kind of another group', () => {
    const other = side({ apiVersion: 'example.com/v1', kind: 'Secret', metadata: { name: 's' }, data: { p: marker } });
    expect(diffTexts({ live: other, changePaths: [], showAll: false }).right).toContain('    redacted: true');
  });

  it('prints a core Secret\'s markers as placeholders, apiVersion left out included', () => {
    const secret = (o: Record<string, unknown>) => diffTexts({ live: side({ kind: 'Secret', metadata: { name: 's' }, data: { p: marker }, ...o }), changePaths: [], showAll: false }).right;
    expect(secret({ apiVersion: 'v1' })).toContain('  p: (value hidden, sha256 deadbeef)');
    expect(secret({})).toContain('  p: (value hidden, sha256 deadbeef)');
  });

  it('judges a core Secret as the server does (the diff reads markers only there)', () => {
    expect(isCoreSecret({ apiVersion: 'v1', kind: 'Secret' })).toBe(true);
    expect(isCoreSecret({ kind: 'Secret' })).toBe(true);
    expect(isCoreSecret({ apiVersion: 'example.com/v1', kind: 'Secret' })).toBe(false);
    expect(isCoreSecret({ apiVersion: 'serving.knative.dev/v1', kind: 'Service' })).toBe(false);
  });

  it('reads a field change\'s markers by its object\'s kind, or by where a Secret keeps its values', () => {
    const secret = { group: '', kind: 'Secret' };
    const policy = { group: 'audit.example.com', kind: 'Policy' };
    expect(changeMayBeRedacted(secret, 'data.password')).toBe(true);
    expect(changeMayBeRedacted(policy, 'spec.audit')).toBe(false);
    expect(changeMayBeRedacted(policy, 'data.password')).toBe(false);
    // Kind unknown: only at a Secret's value paths.
    expect(changeMayBeRedacted(undefined, 'spec.audit')).toBe(false);
    expect(changeMayBeRedacted(undefined, 'data["tls.key"]')).toBe(true);
    expect(changeMayBeRedacted(undefined, 'metadata.annotations["kapp.k14s.io/original"]')).toBe(true);
    expect(changeMayBeRedacted(undefined, 'metadata.labels.app')).toBe(false);
    expect(changeMayBeRedacted(undefined, 'database.host')).toBe(false);
  });

  it('formats a change\'s value with markers hidden only when they can be markers', () => {
    expect(changeValueText(marker, false)).toBe('{"redacted":true,"sha256":"deadbeef"}');
    expect(changeValueText({ a: marker }, false)).toBe('{"a":{"redacted":true,"sha256":"deadbeef"}}');
    expect(changeValueText(marker, true)).toBe('changed (value hidden)');
    expect(changeValueText({ a: marker }, true)).toBe('{"a":"(value hidden)"}');
    expect(changeValueText('x', false)).toBe('"x"');
    expect(changeValueText(undefined, false)).toBe('—');
  });
});

describe('diffLines with one side empty', () => {
  it('adds or removes every line, numbered, without aligning', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `line ${i}`);
    const added = diffLines([], lines);
    expect(added).toHaveLength(10_000);
    expect(added.every((l, i) => l.op === 'add' && l.right === i + 1)).toBe(true);
    const removed = diffLines(lines.slice(0, 3), []);
    expect(removed.map((l) => [l.op, l.left])).toEqual([['del', 1], ['del', 2], ['del', 3]]);
  });
});
