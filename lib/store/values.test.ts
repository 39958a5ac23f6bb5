import { describe, expect, it } from 'vitest';
import { canonicalJson, hash53, isRedactionMarker, isSecretValuePath, storeValue } from './values';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson([undefined, Number.NaN, 'x'])).toBe('[null,null,"x"]');
  });
});

describe('storeValue', () => {
  it('hashes the full canonical JSON and tells absent from null', () => {
    expect(storeValue(undefined, false, 100)).toEqual({ json: null, hash: 0, redactedHere: false });
    const n = storeValue(null, false, 100);
    expect(n.json).toBe('null');
    expect(n.hash).not.toBe(0);
    expect(storeValue({ a: 1, b: 2 }, false, 100).hash).toBe(storeValue({ b: 2, a: 1 }, false, 100).hash);
    expect(storeValue('5', false, 100).hash).not.toBe(storeValue(5, false, 100).hash);
  });

  it('keeps a redaction marker as exactly the marker', () => {
    const v = storeValue({ redacted: true, sha256: 'abcdefabcdef', value: 'leak' }, false, 100);
    expect(v.json).toBe('{"redacted":true,"sha256":"abcdefabcdef"}');
    expect(v.redactedHere).toBe(false);
  });

  it('redacts plain values on Secret data paths', () => {
    const v = storeValue('c2VjcmV0', true, 100);
    expect(v.redactedHere).toBe(true);
    expect(v.json).not.toContain('c2VjcmV0');
    expect(isRedactionMarker(JSON.parse(v.json ?? '{}'))).toBe(true);
    // Same value, same marker: "changed or not" stays visible.
    expect(storeValue('c2VjcmV0', true, 100).json).toBe(v.json);
    expect(storeValue('b3RoZXI=', true, 100).json).not.toBe(v.json);
  });

  it('truncates long values but keeps their hash', () => {
    const long = 'x'.repeat(1_000);
    const v = storeValue(long, false, 100);
    expect(v.hash).toBe(hash53(JSON.stringify(long)));
    expect(JSON.parse(v.json ?? '{}')).toMatchObject({ $truncated: true, length: 1_002 });
  });
});

describe('isSecretValuePath', () => {
  it('matches data and stringData of core Secrets only', () => {
    expect(isSecretValuePath('', 'Secret', 'data')).toBe(true);
    expect(isSecretValuePath('', 'Secret', 'data.password')).toBe(true);
    expect(isSecretValuePath('', 'Secret', 'stringData["tls.key"]')).toBe(true);
    expect(isSecretValuePath('', 'Secret', 'metadata.labels.data')).toBe(false);
    for (const p of ['', 'metadata', 'metadata.annotations', 'metadata.annotations["kapp.k14s.io/original"]']) expect(isSecretValuePath('', 'Secret', p), p).toBe(true);
    expect(isSecretValuePath('', 'Secret', 'database')).toBe(false);
    expect(isSecretValuePath('', 'ConfigMap', 'data.password')).toBe(false);
    expect(isSecretValuePath('example.com', 'Secret', 'data.x')).toBe(false);
  });
});
