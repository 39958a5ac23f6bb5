import { describe, expect, it } from 'vitest';
import { formatPath, parseJsonPointer, parsePath, parsePattern, PathSyntaxError, patternMatches, type PathSegment } from './path';

describe('field path notation', () => {
  it('formats the notation DESIGN.md gives', () => {
    expect(formatPath(['spec', 'template', 'spec', 'containers', { keys: [['name', 'app']] }, 'image'])).toBe(
      'spec.template.spec.containers[name=app].image',
    );
    expect(formatPath(['ports', { keys: [['containerPort', 80], ['protocol', 'TCP']] }])).toBe('ports[containerPort=80,protocol=TCP]');
    expect(formatPath(['args', 2])).toBe('args[2]');
    expect(formatPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe('metadata.labels["app.kubernetes.io/name"]');
    expect(formatPath(['metadata', 'finalizers', { value: 'kubernetes.io/pvc-protection' }])).toBe('metadata.finalizers[=kubernetes.io/pvc-protection]');
    expect(formatPath(['data', 'wordpress-password'])).toBe('data.wordpress-password');
    expect(formatPath([])).toBe('');
  });

  it('quotes key values that would read back as another type or contain syntax', () => {
    expect(formatPath(['ports', { keys: [['name', '80']] }])).toBe('ports[name="80"]');
    expect(formatPath(['env', { keys: [['name', 'true']] }])).toBe('env[name="true"]');
    expect(formatPath(['x', { keys: [['name', 'a,b]=c']] }])).toBe('x[name="a,b]=c"]');
    expect(formatPath(['x', { keys: [['name', 'with space']] }])).toBe('x[name="with space"]');
    expect(formatPath(['9lives', ''])).toBe('["9lives"][""]');
  });

  const roundTrips: PathSegment[][] = [
    ['spec', 'template', 'spec', 'containers', { keys: [['name', 'istio-proxy']] }, 'args', 3],
    ['spec', 'ports', { keys: [['port', 443], ['protocol', 'UDP']] }, 'targetPort'],
    ['metadata', 'annotations', 'kubectl.kubernetes.io/restartedAt'],
    ['metadata', 'annotations', 'quote"and\\backslash'],
    ['spec', 'volumeMounts', { keys: [['mountPath', '/var/run/secrets/kubernetes.io/serviceaccount']] }],
    ['x', { keys: [['name', '007']] }, { keys: [['flag', true], ['n', -1.5]] }],
    ['finalizers', { value: 'a b' }, { value: 42 }],
    ['data', 'config.yaml'],
  ];
  it.each(roundTrips.map((p) => [formatPath(p), p] as const))('round-trips %s', (text, segs) => {
    expect(parsePath(text)).toEqual(segs);
    expect(formatPath(parsePath(text))).toBe(text);
  });

  it.each(['spec..x', '.spec', 'a[1', 'a["x]', 'a[name=]', 'a[=]', 'a[1x]', 'a]b', 'a[*]', 'a[name=x'])('rejects %s', (bad) => {
    expect(() => parsePath(bad)).toThrow(PathSyntaxError);
  });
});

describe('path patterns', () => {
  const image = parsePath('spec.template.spec.containers[name=istio-proxy].image');

  it('match the path and everything below it', () => {
    expect(patternMatches(parsePattern('spec.template.spec.containers[name=istio-proxy]'), image)).toBe(true);
    expect(patternMatches(parsePattern('spec.template.spec.containers[name=app]'), image)).toBe(false);
    expect(patternMatches(parsePattern('spec.template.spec.containers[name=istio-proxy].image.tag'), image)).toBe(false);
  });

  it('support *, **, [*] and globs', () => {
    expect(patternMatches(parsePattern('spec.*.spec.containers[*].image'), image)).toBe(true);
    expect(patternMatches(parsePattern('**.image'), image)).toBe(true);
    expect(patternMatches(parsePattern('**.containers[name=istio-*]'), image)).toBe(true);
    expect(patternMatches(parsePattern('**.containers[name=envoy-*]'), image)).toBe(false);
    expect(patternMatches(parsePattern('metadata.annotations["sidecar.istio.io/*"]'), parsePath('metadata.annotations["sidecar.istio.io/status"]'))).toBe(true);
    expect(patternMatches(parsePattern('metadata.labels.app*'), parsePath('metadata.labels.application'))).toBe(true);
  });

  it('name a subset of a composite key', () => {
    const port = parsePath('spec.ports[port=443,protocol=TCP].nodePort');
    expect(patternMatches(parsePattern('spec.ports[port=443]'), port)).toBe(true);
    expect(patternMatches(parsePattern('spec.ports[protocol=UDP]'), port)).toBe(false);
    expect(patternMatches(parsePattern('spec.ports[*].nodePort'), port)).toBe(true);
  });

  it('JSON pointers', () => {
    expect(parseJsonPointer('/metadata/annotations/example.com~1owner')).toEqual(['metadata', 'annotations', 'example.com/owner']);
    expect(patternMatches(parseJsonPointer('/spec/replicas'), ['spec', 'replicas'])).toBe(true);
    expect(patternMatches(parseJsonPointer('/spec/template/spec/containers/*/image'), image)).toBe(true);
    expect(() => parseJsonPointer('spec')).toThrow(PathSyntaxError);
  });
});
