import { describe, expect, it } from 'vitest';
import { formatLead } from '../client/health';
import { dedupeDrifts, driftBeforeCrash, shapesPods, type CrashMark, type DriftMark } from './crash-correlation';

const drift = (at: string, path: string, kind = 'Deployment', from: DriftMark['from'] = 'live'): DriftMark => ({
  at, path, kind, from, objectId: `c//${kind}/ns/web`, name: 'web', manager: 'operator',
});
const crash = (at: string): CrashMark => ({ at, pod: 'web-1', container: 'app', restarts: 1, from: 'status', exitCode: 2 });
const MIN = 60_000;

describe('drift before crash', () => {
  it('names the latest pod-shaping change before the first crash, within the window', () => {
    const h = driftBeforeCrash(
      [drift('2026-01-01T10:00:00Z', 'spec.template.spec.containers[name=app].image'), drift('2026-01-01T10:05:00Z', 'spec.template.metadata.annotations["x"]'), drift('2026-01-01T10:06:00Z', 'spec.replicas')],
      [crash('2026-01-01T10:20:00Z'), crash('2026-01-01T10:07:00Z')],
      15 * MIN,
    );
    expect(h?.drift.path).toBe('spec.template.metadata.annotations["x"]');
    expect(h?.crash.at).toBe('2026-01-01T10:07:00Z');
    expect(h?.leadMs).toBe(2 * MIN);
  });

  it('no hint when the change is older than the window or came after the first crash', () => {
    expect(driftBeforeCrash([drift('2026-01-01T09:00:00Z', 'spec.template.spec.x')], [crash('2026-01-01T10:00:00Z')], 15 * MIN)).toBeUndefined();
    expect(driftBeforeCrash([drift('2026-01-01T10:01:00Z', 'spec.template.spec.x')], [crash('2026-01-01T10:00:00Z')], 15 * MIN)).toBeUndefined();
    expect(driftBeforeCrash([drift('2026-01-01T09:59:00Z', 'spec.template.spec.x')], [], 15 * MIN)).toBeUndefined();
  });

  it("is not hidden by another Pod's crash long before (an old ReplicaSet's Pod restarted days ago)", () => {
    const env = 'spec.template.spec.containers[name=app].env[name=MODE].value';
    const old: CrashMark = { ...crash('2026-11-24T03:00:00Z'), pod: 'web-old' };
    const h = driftBeforeCrash([drift('2026-11-26T06:40:08Z', env)], [crash('2026-11-26T06:40:12Z'), old], 15 * MIN);
    expect(h?.leadMs).toBe(4_000);
  });

  it('names no change made while the Pods already crashed (a fix being tried), known from history or from the restart count', () => {
    const limits = 'spec.template.spec.containers[name=app].resources.limits.memory';
    const fromHistory: CrashMark = { ...crash('2026-11-26T06:40:12Z'), from: 'history' };
    expect(driftBeforeCrash([drift('2026-11-26T06:50:00Z', limits)], [fromHistory, crash('2026-11-26T06:51:00Z')], 15 * MIN)).toBeUndefined();
    // Status alone: 8 restarts end at 07:02:10, so the loop began by 06:47 at the latest (back-off 10 s doubling to 5 min).
    const looping: CrashMark = { ...crash('2026-11-26T07:02:10Z'), restarts: 8 };
    expect(driftBeforeCrash([drift('2026-11-26T06:58:00Z', limits)], [looping], 15 * MIN)).toBeUndefined();
    // Unless the Pod itself is newer than the change (the rollout's new Pod): its crashes all came after.
    const newPod: CrashMark = { ...looping, podCreatedAt: '2026-11-26T06:58:05Z' };
    expect(driftBeforeCrash([drift('2026-11-26T06:58:00Z', limits)], [newPod], 15 * MIN)?.leadMs).toBe(4 * MIN + 10_000);
  });

  it('counts only fields that shape Pods', () => {
    expect(shapesPods('Deployment', 'spec.template.spec.containers[name=app].env[name=A].value')).toBe(true);
    expect(shapesPods('Deployment', 'spec.replicas')).toBe(false);
    expect(shapesPods('Pod', 'spec.containers[name=app].image')).toBe(true);
    expect(shapesPods('Pod', 'metadata.labels["app"]')).toBe(true);
    expect(shapesPods('CronJob', 'spec.jobTemplate.spec.template.spec.containers[name=a].args')).toBe(true);
    expect(shapesPods('ConfigMap', 'data.x')).toBe(false);
  });

  it('a live mark and a history mark of the same change are one', () => {
    const d = dedupeDrifts([drift('2026-01-01T10:00:00.000Z', 'spec.template.spec.x', 'Deployment', 'history'), drift('2026-01-01T10:00:00Z', 'spec.template.spec.x')]);
    expect(d).toHaveLength(1);
    expect(d[0]?.from).toBe('live');
  });

  it('formats the lead', () => {
    expect(formatLead(12_000)).toBe('12s');
    expect(formatLead(10 * MIN)).toBe('10 min');
    expect(formatLead(3 * 60 * MIN)).toBe('3 h');
  });
});
