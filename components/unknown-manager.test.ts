/**
 * One change with no owner in managedFields (a Service label removed live) reads the same in the
 * drift table, the object page's field list and /embed/drift: a muted "unknown". A missing
 * object's whole-object change and an object without changes have no writer to name, and say so
 * as each view says "nothing here".
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { EMPTY_INDEX, type DriftIndex } from '@/lib/client/drift-index';
import { UNKNOWN_MANAGER_HELP } from '@/lib/client/manager';
import { driftApiQuery, rowFromState } from '@/lib/client/table-query';
import type { DriftListResponse, ObjectDriftState } from '@/lib/client/types';
import { DriftTable } from './drift-table';
import { EmbedDriftTable } from './embed-views';
import { FieldDiffList } from './field-diff-list';

const index = vi.hoisted(() => ({ current: undefined as DriftIndex | undefined }));
const search = vi.hoisted(() => ({ current: 'status=all' }));

vi.mock('./drift-data', () => ({
  useDriftIndex: () => ({ data: index.current, isError: false }),
  useHydrated: () => false,
  useStatus: () => ({ data: undefined }),
}));
vi.mock('next/navigation', () => ({
  useRouter: () => ({ push: () => undefined }),
  useSearchParams: () => new URLSearchParams(search.current),
  usePathname: () => '/drift',
}));
// Its own history query is not what this file looks at.
vi.mock('./drift-timeline-chart', () => ({ DriftTimelineChart: () => null }));

const state = (name: string, over: Partial<ObjectDriftState>): ObjectDriftState => ({
  id: `c1//Service/shop/${name}`,
  cluster: 'c1',
  group: '',
  version: 'v1',
  kind: 'Service',
  namespace: 'shop',
  name,
  status: 'drifted',
  changes: [],
  ignored: [],
  warnings: [],
  labels: {},
  since: '2026-01-01T00:00:00Z',
  ...over,
});

/** The label removed live: a removal leaves no managedFields entry to name a writer. */
const removed = state('cart', { changes: [{ path: 'metadata.labels.tier', op: 'removed', desired: 'web' }] });
const missing = state('gone', { status: 'missing', changes: [{ path: '', op: 'missing' }] });
const inSync = state('fine', { status: 'in-sync' });
const ALL = [removed, missing, inSync];

const managerCell = (html: string, id: string) => {
  const row = html.slice(html.indexOf(`data-id="${id}"`));
  return row.slice(row.indexOf('c-manager'), row.indexOf('c-since'));
};

describe('a change with no known writer', () => {
  it('reads "unknown", muted, in the drift table; missing and change-less rows stay blank', () => {
    const rows = new Map(ALL.map((s) => [s.id, rowFromState(s)]));
    index.current = { ...EMPTY_INDEX, rows, complete: true };
    search.current = 'status=all';
    const html = renderToStaticMarkup(createElement(DriftTable));
    expect(managerCell(html, removed.id)).toContain(`<span class="muted" title="${UNKNOWN_MANAGER_HELP}">unknown</span>`);
    expect(managerCell(html, missing.id)).not.toContain('unknown');
    expect(managerCell(html, inSync.id)).not.toContain('unknown');
    // The manager filter offers it, under the name the URL carries.
    expect(html).toContain('<option value="(unknown)">(unknown)</option>');
  });

  it('reads "unknown", muted, on the object page; a missing object names no writer', () => {
    const field = renderToStaticMarkup(createElement(FieldDiffList, { changes: removed.changes, since: removed.since }));
    expect(field).toContain(`<td data-testid="field-manager"><span class="muted" title="${UNKNOWN_MANAGER_HELP}">unknown</span></td>`);
    const whole = renderToStaticMarkup(createElement(FieldDiffList, { changes: missing.changes, since: missing.since, status: 'missing' }));
    expect(whole).toContain('<td data-testid="field-manager"><span class="muted">—</span></td>');
  });

  it('reads "unknown", muted, in /embed/drift, and its manager filter keeps the table\'s rows', () => {
    const html = (params: string) => {
      search.current = params;
      const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
      const data: DriftListResponse = { items: ALL, total: ALL.length, counts: { drifted: 1, missing: 1, error: 0, 'in-sync': 1, unmanaged: 0 }, ready: true, lastEventId: 1, streamId: 'e.1' };
      client.setQueryData(['embed', 'drift', driftApiQuery(new URLSearchParams(params)).query], data);
      return renderToStaticMarkup(createElement(QueryClientProvider, { client }, createElement(EmbedDriftTable)));
    };
    const all = html('status=all');
    const row = (id: string) => {
      const from = all.indexOf(`data-id="${id}"`);
      return all.slice(from, all.indexOf('</tr>', from));
    };
    expect(row(removed.id)).toContain(`<td><span class="muted" title="${UNKNOWN_MANAGER_HELP}">unknown</span></td>`);
    expect(row(missing.id)).not.toContain('unknown');
    expect(row(inSync.id)).not.toContain('unknown');
    const filtered = html('status=all&manager=(unknown)');
    expect(filtered).toContain(`data-id="${removed.id}"`);
    expect(filtered).not.toContain(`data-id="${missing.id}"`);
    expect(filtered).not.toContain(`data-id="${inSync.id}"`);
  });
});
