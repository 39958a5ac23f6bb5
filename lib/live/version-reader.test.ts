import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/cache-diff';
import type { ApiResource } from '../kube/discovery';
import { KubeApiError } from '../kube/http';
import type { VersionRead, VersionReadRequest } from './drift-tracker';
import { VersionReader } from './version-reader';

const HPA_V1: ApiResource = {
  group: 'autoscaling',
  version: 'v1',
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  name: 'horizontalpodautoscalers',
  namespaced: true,
  verbs: ['get', 'list', 'watch'],
  shortNames: [],
};

const request = (name: string, resourceVersion: string): VersionReadRequest => ({
  id: `c/autoscaling/HorizontalPodAutoscaler/shop/${name}`,
  apiVersion: 'autoscaling/v1',
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  namespace: 'shop',
  name,
  resourceVersion,
});

/** A reader whose reads wait until released, one by one, in the order they began. */
function harness(read?: (name: string) => KubeObject | undefined | Error) {
  const begun: { name: string; release: () => void }[] = [];
  const answers: { request: VersionReadRequest; result: VersionRead }[] = [];
  const reader = new VersionReader({
    concurrency: 2,
    resourceIn: async (apiVersion, kind) => (apiVersion === 'autoscaling/v1' ? HPA_V1 : `the cluster does not serve ${kind} in ${apiVersion}`),
    read: (_resource, namespace, name) =>
      new Promise((resolve, reject) => {
        begun.push({
          name,
          release: () => {
            const r = read ? read(name) : { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name, namespace } };
            if (r instanceof Error) reject(r);
            else resolve(r);
          },
        });
      }),
    answer: (req, result) => answers.push({ request: req, result }),
  });
  return { reader, begun, answers };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('VersionReader', () => {
  it('reads a few at a time, the newest request of an object that waits replacing the older', async () => {
    const { reader, begun, answers } = harness();
    reader.request(request('a', '1'));
    reader.request(request('b', '1'));
    reader.request(request('c', '1'));
    reader.request(request('c', '2'));
    await settle();
    expect(begun.map((b) => b.name)).toEqual(['a', 'b']);
    begun[0]?.release();
    await settle();
    expect(begun.map((b) => b.name)).toEqual(['a', 'b', 'c']);
    begun[1]?.release();
    begun[2]?.release();
    await settle();
    expect(answers.map((a) => [a.request.name, a.request.resourceVersion, a.result.ok])).toEqual([
      ['a', '1', true],
      ['b', '1', true],
      ['c', '2', true],
    ]);
  });

  it('answers why when the object cannot be had in that version, is gone, or the read fails', async () => {
    const { reader, begun, answers } = harness((name) => (name === 'gone' ? undefined : new KubeApiError(403, 'Forbidden', 'horizontalpodautoscalers is forbidden')));
    reader.request({ ...request('x', '1'), apiVersion: 'autoscaling/v9' });
    reader.request(request('gone', '1'));
    reader.request(request('denied', '1'));
    await settle();
    for (const b of begun) b.release();
    await settle();
    expect(answers.map((a) => [a.request.name, a.result])).toEqual([
      ['x', { ok: false, message: 'the cluster does not serve HorizontalPodAutoscaler in autoscaling/v9' }],
      ['gone', { ok: false, message: 'not found as autoscaling/v1 (deleted meanwhile?)' }],
      ['denied', { ok: false, message: 'could not read it: Forbidden: horizontalpodautoscalers is forbidden' }],
    ]);
  });

  it('answers nothing begun before stop(), and serves requests after it', async () => {
    const { reader, begun, answers } = harness();
    reader.request(request('a', '1'));
    reader.request(request('b', '1'));
    reader.request(request('c', '1'));
    await settle();
    reader.stop();
    for (const b of begun) b.release();
    await settle();
    expect(answers).toEqual([]);
    expect(begun.map((b) => b.name)).toEqual(['a', 'b']);
    reader.request(request('d', '1'));
    await settle();
    begun[2]?.release();
    await settle();
    expect(answers.map((a) => a.request.name)).toEqual(['d']);
  });
});
