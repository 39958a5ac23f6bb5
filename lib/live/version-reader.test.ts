import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/cache-diff';
import type { ApiResource } from '../kube/discovery';
import { KubeApiError } from '../kube/http';
import { VersionReader } from './version-reader';
import type { VersionRead, VersionReadRequest } from './version-reads';

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

/** A reader whose reads wait until released, in the order they began; `outcome` decides what each gives. */
function harness(outcome: (name: string, attempt: number) => KubeObject | undefined | Error = (name) => ({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name } })) {
  const begun: { name: string; release: () => void }[] = [];
  const answers: { request: VersionReadRequest; result: VersionRead }[] = [];
  const attempts = new Map<string, number>();
  const logged: string[] = [];
  let throwIn: string | undefined;
  const reader = new VersionReader({
    concurrency: 2,
    retry: { initialMs: 5, maxMs: 20 },
    log: (m) => logged.push(m),
    resourceIn: async (apiVersion, kind) => (apiVersion === 'autoscaling/v1' ? HPA_V1 : `the cluster does not serve ${kind} in ${apiVersion}`),
    read: (_resource, _namespace, name) =>
      new Promise((resolve, reject) => {
        const attempt = (attempts.get(name) ?? 0) + 1;
        attempts.set(name, attempt);
        begun.push({
          name,
          release: () => {
            const r = outcome(name, attempt);
            if (r instanceof Error) reject(r);
            else resolve(r);
          },
        });
      }),
    answer: (req, result) => {
      if (req.name === throwIn) throw new Error('listener broke');
      answers.push({ request: req, result });
    },
  });
  return { reader, begun, answers, logged, throwIn: (name: string) => void (throwIn = name) };
}

const settle = (ms = 0) => new Promise((r) => setTimeout(r, ms));
const releaseAll = async (begun: { release: () => void }[], from = 0) => {
  for (const b of begun.slice(from)) b.release();
  await settle();
};

describe('VersionReader', () => {
  it('reads a few at a time, one read per object, the newest request of an object waiting in its place', async () => {
    const { reader, begun, answers } = harness();
    reader.request(request('a', '1'));
    reader.request(request('b', '1'));
    reader.request(request('c', '1'));
    reader.request(request('c', '2'));
    // a is in flight; asked again, it goes out once that read is done, not beside it.
    reader.request(request('a', '2'));
    await settle();
    expect(begun.map((b) => b.name)).toEqual(['a', 'b']);
    await releaseAll(begun);
    expect(begun.map((b) => b.name)).toEqual(['a', 'b', 'c', 'a']);
    await releaseAll(begun, 2);
    expect(answers.map((a) => `${a.request.name}@${a.request.resourceVersion}`)).toEqual(['a@1', 'b@1', 'c@2', 'a@2']);
  });

  it('answers why when the object cannot be had in that version, is gone, or the read fails', async () => {
    const { reader, begun, answers } = harness((name) => (name === 'gone' ? undefined : new KubeApiError(403, 'Forbidden', 'horizontalpodautoscalers is forbidden')));
    reader.request({ ...request('x', '1'), apiVersion: 'autoscaling/v9' });
    reader.request(request('gone', '1'));
    reader.request(request('denied', '1'));
    await settle();
    await releaseAll(begun);
    // Each object's first answer: failures are tried again after 5 ms, and on a busy machine the
    // retry of `x` (no read to wait for) may already have answered once more.
    const first = new Map<string, VersionRead>();
    for (const a of answers) if (!first.has(a.request.name)) first.set(a.request.name, a.result);
    expect([...first]).toEqual([
      ['x', { ok: false, message: 'the cluster does not serve HorizontalPodAutoscaler in autoscaling/v9' }],
      ['gone', { ok: false, gone: true, message: 'not found as autoscaling/v1' }],
      ['denied', { ok: false, message: 'could not read it as autoscaling/v1: Forbidden: horizontalpodautoscalers is forbidden' }],
    ]);
    reader.stop();
  });

  it('tries a failed read again, backing off, until it works; not one that is gone, cancelled or asked anew', async () => {
    const { reader, begun, answers } = harness((name, attempt) => (name === 'flaky' && attempt < 3 ? new KubeApiError(503, 'ServiceUnavailable', 'webhook down') : { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name } }));
    reader.request(request('flaky', '1'));
    for (let i = 0; i < 3; i++) {
      await settle(30);
      await releaseAll(begun, i);
    }
    expect(answers.map((a) => a.result.ok)).toEqual([false, false, true]);
    await settle(60);
    expect(begun).toHaveLength(3);
    const { reader: r2, begun: b2, answers: a2 } = harness(() => new KubeApiError(503, 'ServiceUnavailable', 'down'));
    r2.request(request('p', '1'));
    await settle();
    await releaseAll(b2);
    // Cancelled while it waits to be tried again: not tried.
    r2.cancel(request('p', '1').id);
    await settle(60);
    expect(b2).toHaveLength(1);
    expect(a2).toHaveLength(1);
    // Asked anew (a newer state) while waiting: that is read, once, and the old one not again.
    r2.request(request('q', '1'));
    await settle();
    await releaseAll(b2, 1);
    r2.request(request('q', '2'));
    await settle();
    expect(b2.map((b) => b.name)).toEqual(['p', 'q', 'q']);
    r2.stop();
    await settle(60);
    expect(b2).toHaveLength(3);
    reader.stop();
  });

  it('answers nothing begun before stop(), serves requests after it, and survives an answer handler that throws', async () => {
    const { reader, begun, answers, logged, throwIn } = harness();
    reader.request(request('a', '1'));
    reader.request(request('b', '1'));
    reader.request(request('c', '1'));
    await settle();
    reader.stop();
    await releaseAll(begun);
    expect(answers).toEqual([]);
    expect(begun.map((b) => b.name)).toEqual(['a', 'b']);
    throwIn('d');
    reader.request(request('d', '1'));
    reader.request(request('e', '1'));
    await settle();
    await releaseAll(begun, 2);
    expect(answers.map((a) => a.request.name)).toEqual(['e']);
    expect(logged).toEqual(['reading HorizontalPodAutoscaler d as autoscaling/v1: the answer\'s handler failed: listener broke']);
  });
});
