/**
 * What the overview and the field list say, rendered to HTML: no number before the index is
 * complete, the error when it failed, and times and values labelled for what they are.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FieldDiffList } from '@/components/field-diff-list';
import { Overview } from '@/components/overview';
import { StatusCounts } from '@/components/status-counts';
import type { DriftIndex } from './drift-index';
import { EMPTY_INDEX } from './drift-index';
import type { FieldChange } from './types';

type IndexQuery = { data?: DriftIndex; isError: boolean; error?: Error };
const index = vi.hoisted(() => ({ current: { isError: false } as IndexQuery }));

vi.mock('@/components/drift-data', () => ({
  useDriftIndex: () => index.current,
  useHydrated: () => false,
  useStatus: () => ({ data: undefined }),
  useResources: () => ({ data: undefined }),
}));
// Their own queries are not what these tests look at.
vi.mock('@/components/drift-timeline-chart', () => ({ DriftTimelineChart: () => null }));
vi.mock('@/components/findings-list', () => ({ FindingsList: () => null }));
vi.mock('next/navigation', () => ({
  useRouter: () => ({ push: () => undefined }),
  useSearchParams: () => new URLSearchParams(),
  usePathname: () => '/',
}));

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const overview = () => text(renderToStaticMarkup(createElement(Overview)));

describe('overview while the index loads or fails', () => {
  beforeEach(() => {
    index.current = { isError: false };
  });

  it('shows Loading… on the cards and the chart, not zeros and "Nothing drifts."', () => {
    for (const data of [undefined, { ...EMPTY_INDEX, complete: false }]) {
      index.current = { isError: false, ...(data ? { data } : {}) };
      const page = overview();
      expect(page).toContain('Loading… Drifted');
      expect(page).not.toMatch(/\b0 Drifted/);
      expect(page).not.toContain('Nothing drifts.');
    }
  });

  it('shows the error instead of zeros when the load failed', () => {
    index.current = { isError: true, error: new Error('502 Bad Gateway') };
    const page = overview();
    expect(page).toContain('Drift could not be loaded: 502 Bad Gateway');
    expect(page).not.toMatch(/\b0 Drifted/);
    expect(page).not.toContain('Nothing drifts.');
  });

  it('shows the numbers once the index is complete', () => {
    index.current = { isError: false, data: { ...EMPTY_INDEX, complete: true } };
    const page = overview();
    expect(page).toContain('0 Drifted');
    expect(page).toContain('Nothing drifts.');
  });

  it('says Loading… on a card while loading', () => {
    const counts = { drifted: 0, missing: 0, error: 0, 'in-sync': 0, unmanaged: 0 };
    expect(text(renderToStaticMarkup(createElement(StatusCounts, { counts, loading: true })))).not.toMatch(/\b0 /);
  });
});

describe('field list', () => {
  const change = (over: Partial<FieldChange>): FieldChange => ({ path: 'spec.x', op: 'changed', desired: 1, live: 2, ...over });
  const list = (changes: FieldChange[], owner?: { group: string; kind: string }) =>
    renderToStaticMarkup(createElement(FieldDiffList, { changes, since: '2026-01-01T00:00:00Z', ...(owner ? { owner } : {}) }));

  it('labels the manager\'s write time as that, not as when the field drifted', () => {
    const html = list([change({ manager: { name: 'kubectl-edit', operation: 'Update', time: '2026-01-02T00:00:00Z' } })]);
    expect(html).toContain('Last written by manager');
    expect(html).not.toMatch(/>Since</);
    expect(html).toContain('title="kubectl-edit last wrote to the object at 2026-01-02T00:00:00Z"');
  });

  it('does not stand the object\'s drift start in for a manager with no time', () => {
    const html = list([change({ manager: { name: 'kubectl-edit', operation: 'Update' } })]);
    expect(html).not.toContain('2026-01-01T00:00:00Z');
  });

  it('shows another kind\'s {redacted: true} field as data, a Secret\'s marker as hidden', () => {
    const marker = { redacted: true, sha256: 'deadbeef' };
    const policy = list([change({ path: 'spec.audit', desired: { redacted: false }, live: marker })], { group: 'audit.example.com', kind: 'Policy' });
    expect(policy).not.toContain('value hidden');
    expect(policy).toContain('deadbeef');
    // Without the kind too, away from the paths where a Secret keeps its values.
    expect(list([change({ path: 'spec.audit', live: marker })])).not.toContain('value hidden');
    const secret = list([change({ path: 'data.password', desired: marker, live: { redacted: true, sha256: 'cafe' } })], { group: '', kind: 'Secret' });
    expect(secret).toContain('changed (value hidden)');
    expect(secret).not.toContain('cafe');
    expect(list([change({ path: 'data.password', live: marker })])).toContain('changed (value hidden)');
  });
});
