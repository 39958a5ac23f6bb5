import { describe, expect, it } from 'vitest';
import { driftApiQuery, facets, filterAndSort, isLastStatus, parseTableQuery, rowFromTuple, tableQueryToParams, toggleStatus } from './table-query';
import { STATUSES, type DriftStatus } from './types';

const row = (id: string, status: DriftStatus = 'drifted') => rowFromTuple([id, status, '2026-01-01T00:00:00Z', ['spec.x'], ['kubectl-edit'], 'kubectl-edit', {}]);
const parse = (search: string) => parseTableQuery(new URLSearchParams(search));
const shown = (search: string, rows: ReturnType<typeof row>[]) => filterAndSort(rows, parse(search)).rows.map((r) => r.id);

describe('status filter', () => {
  const click = (search: string, s: DriftStatus) => tableQueryToParams({ ...parse(search), status: toggleStatus(parse(search).status, s) }).toString();

  it('from every status, a click hides that one and keeps the others', () => {
    expect(click('status=all', 'in-sync')).toBe('status=drifted%2Cmissing%2Cerror%2Cunmanaged');
    expect(parse('status=all').status).toEqual([...STATUSES]);
  });

  it('shows a hidden status on a click, in one order whatever the clicks', () => {
    expect(click('status=missing', 'drifted')).toBe('status=drifted%2Cmissing');
    expect(click('status=drifted,missing,error,in-sync', 'unmanaged')).toBe('status=all');
    expect(click('', 'in-sync')).toBe('status=drifted%2Cmissing%2Cerror%2Cin-sync');
  });

  it('never widens to every status when the last one is unticked: it stays', () => {
    expect(isLastStatus(['drifted'], 'drifted')).toBe(true);
    expect(isLastStatus(['drifted', 'missing'], 'drifted')).toBe(false);
    expect(toggleStatus(['drifted'], 'drifted')).toEqual(['drifted']);
    expect(click('status=drifted', 'drifted')).toBe('status=drifted');
    const rows = [row('c1//ConfigMap/ns/a'), row('c1//ConfigMap/ns/ok', 'in-sync')];
    expect(shown(click('status=drifted', 'drifted'), rows)).toEqual(['c1//ConfigMap/ns/a']);
  });

  it('reads known statuses in any case and ignores unknown ones instead of widening', () => {
    expect(parse('status=Drifted').status).toEqual(['drifted']);
    expect(parse('status=IN-SYNC,bogus').status).toEqual(['in-sync']);
    expect(parse('status=ALL').status).toEqual([...STATUSES]);
    // Nothing known: as without the parameter, not every status.
    expect(parse('status=bogus').status).toEqual(['drifted', 'missing', 'error']);
    expect(parse('status=').status).toEqual(['drifted', 'missing', 'error']);
    expect(tableQueryToParams(parse('status=Drifted')).toString()).toBe('status=drifted');
  });

  it('asks the API for every status by naming none, and for a selection by naming it', () => {
    expect(driftApiQuery(new URLSearchParams('status=all')).query).not.toContain('status=');
    expect(driftApiQuery(new URLSearchParams('status=drifted,in-sync')).query).toContain('status=drifted&status=in-sync');
  });
});

describe('kind filter', () => {
  const rows = [row('c1//Service/shop/web'), row('c1/serving.knative.dev/Service/shop/hello'), row('c1/apps/Deployment/shop/cart'), row('c1/extensions/Deployment/shop/old')];

  it('names a core kind bare, and matches only the core kind by it', () => {
    expect(facets(rows).kind).toEqual(['Deployment.apps', 'Deployment.extensions', 'Service', 'Service.serving.knative.dev']);
    expect(shown('kind=Service', rows)).toEqual(['c1//Service/shop/web']);
    expect(shown('kind=service', rows)).toEqual(['c1//Service/shop/web']);
  });

  it('matches a kind with its group exactly, as links naming a group always did', () => {
    expect(shown('kind=Service.serving.knative.dev', rows)).toEqual(['c1/serving.knative.dev/Service/shop/hello']);
    expect(shown('kind=Deployment.apps', rows)).toEqual(['c1/apps/Deployment/shop/cart']);
  });

  it('matches a bare kind the core group does not have in any group (the history chart\'s links)', () => {
    expect(shown('kind=Deployment', rows).sort()).toEqual(['c1/apps/Deployment/shop/cart', 'c1/extensions/Deployment/shop/old']);
  });
});
