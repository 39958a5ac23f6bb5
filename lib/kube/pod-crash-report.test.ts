import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import type { FetchedLog } from './pod-logs';

// The API server and the kubelet stand in by their two calls: the Pod, and its previous log.
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'api-1', namespace: 'shop', uid: 'uid-api-1' },
  spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'app:1' }] },
  status: {
    phase: 'Running',
    containerStatuses: [
      { name: 'app', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 2, reason: 'Error', finishedAt: '2026-11-28T09:00:00Z' } } },
    ],
  },
};
const logs: FetchedLog[] = [];
vi.mock('./http', async (original) => ({ ...(await original<typeof import('./http')>()), getJson: vi.fn(async () => pod) }));
vi.mock('./pod-logs', async (original) => ({ ...(await original<typeof import('./pod-logs')>()), fetchContainerLog: vi.fn(async () => logs.shift()) }));
const { objectCrashReport } = await import('./pod-crash-report');

const PANIC = 'panic: assignment to entry in nil map\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:8 +0x2c\n';
const read = (text: string, atEnd: boolean): FetchedLog => ({ text, bytes: text.length, truncated: !atEnd, atEnd, tailLines: 500, requests: 1, ms: 3 });
const limits = { tailLines: 500, limitBytes: 256 * 1024, maxPods: 10, maxLogFetches: 4 };

describe('crashes of finished instances, kept', () => {
  it('keeps only a read that reached the end of the log: a cut one is read again next time', async () => {
    const kc = new KubeConfig();
    const report = async () => (await objectCrashReport(kc, { group: '', kind: 'Pod', namespace: 'shop', name: 'api-1' }, limits)).pods[0]?.crashed[0];
    // Time ran out while asking for less: the tail so far, without the crash at its end.
    logs.push(read('{"level":"info","msg":"starting"}\n', false), read(PANIC, true));
    const cut = await report();
    expect(cut?.crash).toBeUndefined();
    const whole = await report();
    expect(whole?.log.cached).toBeUndefined();
    expect(whole?.crash?.message).toBe('assignment to entry in nil map');
    // Nothing left to read: the third answer comes from what the second read.
    const kept = await report();
    expect(kept?.log).toMatchObject({ fetched: true, cached: true });
    expect(kept?.crash?.message).toBe('assignment to entry in nil map');
  });
});
