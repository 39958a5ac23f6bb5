import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { diffObjects } from './index';
import { base64Decode, base64Encode, foldStringData, redactSecret, secretValuesEqual, setRedactionKey, utf8ToBase64 } from './secrets';
import { lastAppliedDesired } from '../desired/last-applied';
import { redactSecretChangeValue, toDisplayObject } from './display';
import type { PathSegment } from './path';

const te = new TextEncoder();
const TEST_KEY = Buffer.from('secrets-test-redaction-key-0123456789abcdef');
setRedactionKey(TEST_KEY);
/** The marker's digest, computed independently of the engine: HMAC-SHA256 under the key, 12 hex digits. */
const sha12 = (s: string, key: Uint8Array = TEST_KEY): string => createHmac('sha256', key).update(s).digest('hex').slice(0, 12);

describe('base64', () => {
  it.each(['', 'a', 'ab', 'abc', 'hunter2', 'pässwörd ✓', '\u0000\u00ff'])('round-trips %j', (s) => {
    const b64 = utf8ToBase64(s);
    expect(b64).toBe(Buffer.from(s, 'utf8').toString('base64'));
    expect(base64Decode(b64)).toEqual(new Uint8Array(Buffer.from(s, 'utf8')));
    expect(base64Encode(te.encode(s))).toBe(b64);
  });

  it('rejects non-base64 and ignores line breaks', () => {
    expect(base64Decode('not base64!')).toBeUndefined();
    expect(secretValuesEqual('aHVu\ndGVyMg==', 'aHVudGVyMg')).toBe(true);
    expect(secretValuesEqual('aHVudGVyMg==', 'aHVudGVyMw==')).toBe(false);
    expect(secretValuesEqual('***', '***')).toBe(true);
    expect(secretValuesEqual('***', '****')).toBe(false);
  });
});

describe('redaction', () => {
  it('replaces values by a marker with the hash of the decoded bytes', () => {
    expect(redactSecret('aHVudGVyMg==')).toEqual({ redacted: true, sha256: sha12('hunter2') });
    expect(redactSecret({ a: 'aHVudGVyMg==', b: null })).toEqual({ a: { redacted: true, sha256: sha12('hunter2') }, b: null });
    expect(redactSecret(undefined)).toBeUndefined();
  });

  it('keys the hash, so a marker cannot be checked against guesses without the server\'s key', () => {
    const plain = createHash('sha256').update('hunter2').digest('hex').slice(0, 12);
    expect(redactSecret('aHVudGVyMg==')).not.toEqual({ redacted: true, sha256: plain });
    const other = Buffer.from('another-deployment-key-0123456789abcdef');
    setRedactionKey(other);
    try {
      expect(redactSecret('aHVudGVyMg==')).toEqual({ redacted: true, sha256: sha12('hunter2', other) });
    } finally {
      setRedactionKey(TEST_KEY);
    }
    expect(sha12('hunter2', other)).not.toBe(sha12('hunter2'));
    expect(() => setRedactionKey(Buffer.from('short'))).toThrow(/at least 32 bytes/);
  });

  it('stringData wins over data, as in the API server', () => {
    const s: Record<string, unknown> = { data: { a: 'eA==', b: 'eQ==' }, stringData: { b: 'z', c: 'w' } };
    foldStringData(s);
    expect(s).toEqual({ data: { a: 'eA==', b: 'eg==', c: 'dw==' } });
  });
});

describe('Secrets in reports', () => {
  const secret = (extra: Record<string, unknown>): Record<string, unknown> => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'api-keys', namespace: 'shop' },
    type: 'Opaque',
    ...extra,
  });
  const values = ['c3RyaXBlLWxpdmUta2V5', 'stripe-live-key', 'c2VuZGdyaWQta2V5', 'sendgrid-key', 'b2xkLWtleQ==', 'old-key'];

  it('a malformed last-applied annotation on a Secret is reported without its text', () => {
    const annotation = '{"stringData":{"password": canary-secret-value-1}}';
    const live = secret({ data: { password: 'eA==' } });
    live.metadata = { name: 'api-keys', namespace: 'shop', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': annotation } };
    const r = diffObjects(secret({ stringData: { password: 'x' } }), live);
    expect(r.warnings).toEqual([expect.stringMatching(/not valid JSON \(a syntax error( at position \d+)? \(the text is a Secret: not shown\)\)/)]);
    expect(JSON.stringify(r)).not.toContain('canary');
    const desired = lastAppliedDesired(live);
    expect(desired).toMatchObject({ ok: false, message: expect.stringContaining('the text is a Secret: not shown') });
    expect(JSON.stringify(desired)).not.toContain('canary');
    // Other kinds keep the parser's words, which point at the mistake.
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"a": oops}}' } } };
    expect(JSON.stringify(lastAppliedDesired(cm))).toContain('oops');
  });

  it('never show a value: changed, missing, removed (last-applied), added (managedFields), ignored', () => {
    const lastApplied = JSON.stringify(secret({ stringData: { stripe: 'stripe-live-key', old: 'old-key' } }));
    const live = secret({
      data: { stripe: 'c2VuZGdyaWQta2V5', old: 'b2xkLWtleQ==', extra: 'c3RyaXBlLWxpdmUta2V5', ignoredOne: 'c2VuZGdyaWQta2V5' },
    });
    live.metadata = {
      name: 'api-keys',
      namespace: 'shop',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied },
      managedFields: [
        { manager: 'vault-agent', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:extra': {}, 'f:ignoredOne': {} } } },
      ],
    };
    const desired = secret({ stringData: { stripe: 'stripe-live-key', sendgrid: 'sendgrid-key' } });
    const r = diffObjects(desired, live, { ignoreRules: [{ path: 'data.ignoredOne' }] });
    expect(r.changes.map((c) => [c.op, c.path])).toEqual([
      ['changed', 'data.stripe'],
      ['missing', 'data.sendgrid'],
      ['removed', 'data.old'],
      ['added', 'data.extra'],
    ]);
    expect(r.ignored.map((c) => c.path)).toEqual(['data.ignoredOne']);
    expect(r.changes[0]).toMatchObject({ desired: { redacted: true, sha256: sha12('stripe-live-key') }, live: { redacted: true, sha256: sha12('sendgrid-key') } });
    const text = JSON.stringify(r);
    for (const v of values) expect(text).not.toContain(v);
  });

  it('annotations the last apply wrote and the manifest dropped are removed key by key, never as the map that holds the last-applied copy', () => {
    const applied = secret({ metadata: { name: 'api-keys', namespace: 'shop', annotations: { owner: 'team-a' } }, stringData: { stripe: 'stripe-live-key' } });
    const live = secret({ data: { stripe: 'c3RyaXBlLWxpdmUta2V5' } });
    live.metadata = { name: 'api-keys', namespace: 'shop', annotations: { owner: 'team-a', 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) } };
    const r = diffObjects(secret({ stringData: { stripe: 'stripe-live-key' } }), live);
    // Every annotation of a Secret is a marker: tools copy Secrets into annotations of their own.
    expect(r.changes).toEqual([{ path: 'metadata.annotations.owner', op: 'removed', live: { redacted: true, sha256: sha12('team-a') } }]);
    const text = JSON.stringify(r);
    for (const v of values) expect(text).not.toContain(v);
  });

  it('a live Secret hides its values whatever the manifest compared with it declares (another kind, or none)', () => {
    const live = secret({ data: { stripe: 'c3RyaXBlLWxpdmUta2V5', sendgrid: 'c2VuZGdyaWQta2V5' } });
    for (const desired of [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api-keys', namespace: 'shop' }, data: { stripe: 'x' } }, { metadata: { name: 'api-keys' }, data: { other: 'y' } }]) {
      const r = diffObjects(desired, live);
      expect(r.drift).toBe(true);
      const text = JSON.stringify(r);
      for (const v of values) expect(text).not.toContain(v);
    }
  });

  it('a change at the object, its metadata or its annotations carries no value of the Secret', () => {
    const applied = JSON.stringify(secret({ stringData: { stripe: 'stripe-live-key' } }));
    const obj = secret({ data: { stripe: 'c3RyaXBlLWxpdmUta2V5' }, stringData: { old: 'old-key' } });
    obj.metadata = { name: 'api-keys', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied, owner: 'a' } };
    const meta = obj.metadata as Record<string, unknown>;
    const ann = meta.annotations as Record<string, unknown>;
    const cases: Array<[PathSegment[], unknown]> = [
      [[], obj],
      [['metadata'], meta],
      [['metadata', 'annotations'], ann],
      [['metadata', 'annotations', 'kubectl.kubernetes.io/last-applied-configuration'], applied],
      [['data'], obj.data],
      [['data', 'stripe'], 'c3RyaXBlLWxpdmUta2V5'],
    ];
    for (const [segs, value] of cases) {
      const text = JSON.stringify(redactSecretChangeValue(segs, value));
      for (const v of values) expect(text, segs.join('.')).not.toContain(v);
    }
    expect(redactSecretChangeValue(['metadata', 'annotations'], ann)).toMatchObject({ owner: { redacted: true, sha256: sha12('a') } });
    expect(redactSecretChangeValue(['metadata', 'labels'], { app: 'a' })).toEqual({ app: 'a' });
    expect(redactSecretChangeValue(['type'], 'Opaque')).toBe('Opaque');
    // The input is not changed in place.
    expect(ann['kubectl.kubernetes.io/last-applied-configuration']).toBe(applied);
  });

  it('a copy of the Secret in another tool\'s annotation (kapp.k14s.io/original) is redacted in changes and in the displayed objects', () => {
    const copy = JSON.stringify(secret({ data: { stripe: 'c3RyaXBlLWxpdmUta2V5' } }));
    const live = secret({ data: { stripe: 'c3RyaXBlLWxpdmUta2V5' } });
    live.metadata = { name: 'api-keys', namespace: 'shop', annotations: { 'kapp.k14s.io/original': copy }, managedFields: [{ manager: 'kapp', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:kapp.k14s.io/original': {} } } } }] };
    const r = diffObjects(secret({ stringData: { stripe: 'stripe-live-key' } }), live);
    expect(r.changes.map((c) => c.path)).toEqual(['metadata.annotations["kapp.k14s.io/original"]']);
    const shown = JSON.stringify([r, toDisplayObject(live), toDisplayObject({ ...live, apiVersion: 'v2' })]);
    for (const v of values) expect(shown).not.toContain(v);
  });

  it('a whole data map missing is redacted too', () => {
    const r = diffObjects(secret({ stringData: { stripe: 'stripe-live-key' } }), secret({}));
    expect(r.changes).toMatchObject([{ path: 'data', op: 'missing', desired: { stripe: { redacted: true } } }]);
    expect(JSON.stringify(r)).not.toContain('c3RyaXBlLWxpdmUta2V5');
  });
});
