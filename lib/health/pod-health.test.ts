/**
 * Pod health on every real Pod of ../shared/corpus/pod-health (argoproj/gitops-engine's health
 * fixtures), read in place. A fixture without an expectation here fails the test, so a new one
 * cannot go unchecked.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { crashesOf, podHealth, withMaskedStatusMessages, type PodHealth } from './pod-health';

const dir = fileURLToPath(new URL('../../../shared/corpus/pod-health', import.meta.url));
const present = existsSync(dir);
const files = present ? readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort() : [];
const load = (f: string): Record<string, unknown> => parseYaml(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;

interface Expectation {
  verdict: PodHealth['verdict'];
  phase: string;
  problems: string[];
  restarts: number;
  main: { state: string; reason?: string; problem?: string; ready: boolean; lastExit?: number; exit?: number; lastFinished?: string };
  crashes: number;
}

const expected: Record<string, Expectation> = {
  'pod-crashloop.yaml': {
    verdict: 'degraded', phase: 'Running', problems: ['CrashLoopBackOff'], restarts: 3,
    main: { state: 'waiting', reason: 'CrashLoopBackOff', problem: 'CrashLoopBackOff', ready: false, lastExit: 1, lastFinished: '2018-12-02T09:20:25Z' },
    crashes: 1,
  },
  'pod-deletion.yaml': {
    verdict: 'terminating', phase: 'Pending', problems: [], restarts: 0,
    main: { state: 'waiting', reason: 'PodInitializing', ready: false },
    crashes: 0,
  },
  'pod-error.yaml': {
    verdict: 'degraded', phase: 'Running', problems: ['Error'], restarts: 2,
    main: { state: 'terminated', reason: 'Error', problem: 'Error', ready: false, lastExit: 1, exit: 1, lastFinished: '2018-12-02T09:19:41Z' },
    crashes: 2,
  },
  'pod-failed.yaml': {
    verdict: 'failed', phase: 'Failed', problems: ['Error'], restarts: 0,
    main: { state: 'terminated', reason: 'Error', problem: 'Error', ready: false, exit: 1 },
    crashes: 1,
  },
  'pod-imagepullbackoff.yaml': {
    verdict: 'degraded', phase: 'Pending', problems: ['ImagePullBackOff'], restarts: 0,
    main: { state: 'waiting', reason: 'ImagePullBackOff', problem: 'ImagePullBackOff', ready: false },
    crashes: 0,
  },
  'pod-pending.yaml': {
    verdict: 'progressing', phase: 'Pending', problems: [], restarts: 0,
    main: { state: 'waiting', reason: 'PodInitializing', ready: false },
    crashes: 0,
  },
  'pod-running-not-ready.yaml': {
    verdict: 'progressing', phase: 'Running', problems: [], restarts: 0,
    main: { state: 'running', ready: false },
    crashes: 0,
  },
  'pod-running-restart-always.yaml': {
    verdict: 'healthy', phase: 'Running', problems: [], restarts: 0,
    main: { state: 'running', ready: true },
    crashes: 0,
  },
  'pod-running-restart-never.yaml': {
    verdict: 'healthy', phase: 'Running', problems: [], restarts: 0,
    main: { state: 'running', ready: true },
    crashes: 0,
  },
  'pod-running-restart-onfailure.yaml': {
    verdict: 'degraded', phase: 'Running', problems: ['CrashLoopBackOff'], restarts: 4,
    main: { state: 'waiting', reason: 'CrashLoopBackOff', problem: 'CrashLoopBackOff', ready: false, lastExit: 1, lastFinished: '2018-12-02T09:48:54Z' },
    crashes: 1,
  },
  'pod-succeeded.yaml': {
    verdict: 'completed', phase: 'Succeeded', problems: ['Completed'], restarts: 0,
    main: { state: 'terminated', reason: 'Completed', problem: 'Completed', ready: false, exit: 0 },
    crashes: 0,
  },
};

describe('pod health on the pod-health corpus', () => {
  it('is present next to the repository', () => {
    if (!present) {
      throw new Error(`corpus not found: ${dir} (expected at <repo>/../shared/corpus/pod-health); provide the shared directory instead of copying the corpus into the repo`);
    }
    expect(files.length).toBeGreaterThanOrEqual(11);
  });

  for (const f of files) {
    it(f, () => {
      const want = expected[f];
      if (!want) throw new Error(`${f}: a corpus fixture without an expectation in this test; add one`);
      const h = podHealth(load(f));
      expect(h.verdict).toBe(want.verdict);
      expect(h.phase).toBe(want.phase);
      expect(h.problems).toEqual(want.problems);
      expect(h.restarts).toBe(want.restarts);
      expect(h.containers).toHaveLength(1);
      const c = h.containers[0]!;
      expect(c.type).toBe('app');
      expect(c.state).toBe(want.main.state);
      expect(c.reason).toBe(want.main.reason);
      expect(c.problem).toBe(want.main.problem);
      expect(c.ready).toBe(want.main.ready);
      expect(c.lastTermination?.exitCode).toBe(want.main.lastExit);
      expect(c.lastTermination?.finishedAt).toBe(want.main.lastFinished);
      expect(c.termination?.exitCode).toBe(want.main.exit);
      expect(crashesOf(h)).toHaveLength(want.crashes);
      expect(h.nodeName).toBeTruthy();
    });
  }

  it('pod-error: crashes oldest first, previous then current instance', () => {
    const crashes = crashesOf(podHealth(load('pod-error.yaml')));
    expect(crashes.map((c) => [c.instance, c.at, c.exitCode, c.reason])).toEqual([
      ['previous', '2018-12-02T09:19:41Z', 1, 'Error'],
      ['current', '2018-12-02T09:19:56Z', 1, 'Error'],
    ]);
  });

  it('pod-imagepullbackoff: keeps the waiting message', () => {
    const c = podHealth(load('pod-imagepullbackoff.yaml')).containers[0]!;
    expect(c.message).toBe('Back-off pulling image "gcr.io/heptio-images/ks-guestbook-demo:0.3"');
  });
});

describe('pod health: init, sidecar and ephemeral containers, OOMKilled, signals', () => {
  // The crash-looping Pod of the corpus, given the containers the corpus has no example of.
  const pod = (): Record<string, unknown> => {
    const p = load('pod-crashloop.yaml') as { spec: Record<string, unknown>; status: Record<string, unknown> };
    p.spec.initContainers = [
      { name: 'migrate', image: 'migrate:1' },
      { name: 'proxy', image: 'envoy:1', restartPolicy: 'Always' },
    ];
    p.spec.ephemeralContainers = [{ name: 'debugger', image: 'busybox' }];
    p.status.initContainerStatuses = [
      { name: 'migrate', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: '2018-12-02T09:19:38Z' } } },
      {
        name: 'proxy', ready: true, restartCount: 1,
        state: { running: { startedAt: '2018-12-02T09:19:50Z' } },
        lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2018-12-02T09:19:49Z' } },
      },
    ];
    p.status.ephemeralContainerStatuses = [
      { name: 'debugger', ready: false, restartCount: 0, state: { terminated: { exitCode: 143, reason: 'Error', finishedAt: '2018-12-02T09:21:00Z' } } },
    ];
    return p;
  };

  it('masks termination and waiting messages (a log tail under FallbackToLogsOnError) and cuts them', () => {
    const p = pod() as { status: { initContainerStatuses: Array<Record<string, unknown>> } };
    const tail = `connecting to postgres://app:hunter2@db/app failed\n${'x'.repeat(2000)}`;
    p.status.initContainerStatuses[1]!.lastState = { terminated: { exitCode: 1, reason: 'Error', message: tail, finishedAt: '2018-12-02T09:19:49Z' } };
    p.status.initContainerStatuses[0]!.state = { waiting: { reason: 'ErrImagePull', message: 'pull https://bot:s3cr3t-pw@registry.example.com/migrate:1: 401' } };
    const h = podHealth(p);
    const shown = JSON.stringify(h);
    for (const secret of ['hunter2', 's3cr3t-pw']) expect(shown).not.toContain(secret);
    const message = h.containers[1]?.lastTermination?.message ?? '';
    expect(message).toContain('postgres://app:[masked]@db');
    expect(message.length).toBeLessThanOrEqual(500);
  });

  it('masks the messages of a whole Pod object shown as it is, leaving the original untouched', () => {
    const p = pod() as { status: { containerStatuses: Array<Record<string, unknown>> } };
    p.status.containerStatuses[0]!.lastState = { terminated: { exitCode: 1, message: 'token=abc123secret' } };
    const before = JSON.stringify(p);
    const shown = JSON.stringify(withMaskedStatusMessages(p));
    expect(shown).not.toContain('abc123secret');
    expect(shown).toContain('token=[masked]');
    expect(JSON.stringify(p)).toBe(before);
    const cm = { kind: 'ConfigMap', status: { message: 'x' } };
    expect(withMaskedStatusMessages(cm)).toBe(cm);
  });

  it('lists every container in spec order with its type', () => {
    const h = podHealth(pod());
    expect(h.containers.map((c) => [c.type, c.name])).toEqual([
      ['init', 'migrate'],
      ['sidecar', 'proxy'],
      ['app', 'main'],
      ['ephemeral', 'debugger'],
    ]);
    expect(h.restarts).toBe(4);
  });

  it('reports OOMKilled with its signal, completed init containers as Completed', () => {
    const h = podHealth(pod());
    const [migrate, proxy, , debuggerC] = h.containers;
    expect(migrate?.problem).toBe('Completed');
    expect(proxy?.problem).toBe('OOMKilled');
    expect(proxy?.lastTermination).toMatchObject({ exitCode: 137, reason: 'OOMKilled', signal: 9 });
    expect(debuggerC?.termination?.signal).toBe(15);
    expect(h.problems).toEqual(['CrashLoopBackOff', 'OOMKilled', 'Error', 'Completed']);
    expect(h.verdict).toBe('degraded');
  });

  it('crashes of all containers, oldest first; a completed init container is no crash', () => {
    const crashes = crashesOf(podHealth(pod()));
    expect(crashes.map((c) => `${c.container}:${c.reason}:${c.exitCode}`)).toEqual(['proxy:OOMKilled:137', 'main:Error:1', 'debugger:Error:143']);
  });

  it('a container in the spec without a status yet is unknown, not healthy', () => {
    const p = load('pod-running-restart-always.yaml') as { spec: { containers: unknown[] } };
    p.spec.containers.push({ name: 'late', image: 'x' });
    const h = podHealth(p);
    expect(h.containers[1]).toMatchObject({ name: 'late', state: 'unknown', ready: false });
    expect(h.verdict).toBe('progressing');
  });

  it('accepts garbage without throwing', () => {
    expect(podHealth(null).verdict).toBe('unknown');
    expect(podHealth({ status: { containerStatuses: 'x' } }).containers).toEqual([]);
  });
});
