import { describe, expect, it } from 'vitest';
import { toDisplayObject } from './display';

describe('toDisplayObject', () => {
  it('redacts Secret data, stringData and the last-applied copy, and lists volatile paths', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 's',
        resourceVersion: '9',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"stringData":{"password":"hunter2"}}' },
      },
      data: { password: Buffer.from('hunter2').toString('base64') },
      stringData: { token: 'hunter3' },
    };
    const { object, volatilePaths } = toDisplayObject(secret);
    const text = JSON.stringify(object);
    expect(text).not.toContain('hunter');
    expect(text).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(object.data).toEqual({ password: { redacted: true, sha256: expect.stringMatching(/^[0-9a-f]{12}$/) } });
    expect(volatilePaths).toEqual(['metadata.resourceVersion', 'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]']);
    // The input is not modified.
    expect(secret.stringData.token).toBe('hunter3');
  });

  it('gives a value the same marker in stringData as in data, even when its text is valid base64', () => {
    // `shop` decodes as base64 too; as stringData it is the text itself.
    const desired = toDisplayObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { user: 'shop', password: 'hunter2' } });
    const live = toDisplayObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { user: Buffer.from('shop').toString('base64'), password: Buffer.from('hunter2').toString('base64') } });
    expect(desired.object.stringData).toEqual(live.object.data);
  });

  it('leaves other kinds as they are', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' }, status: {} };
    expect(toDisplayObject(cm)).toEqual({ object: cm, volatilePaths: ['status'] });
  });
});
