'use client';
import { useMemo } from 'react';
import { countByStatus } from '@/lib/client/drift-index';
import { ClusterList } from './cluster-list';
import { DriftBreakdownChart } from './drift-breakdown-chart';
import { useDriftIndex, useHydrated, useResources, useStatus } from './drift-data';
import { DriftTimelineChart } from './drift-timeline-chart';
import { FindingsList } from './findings-list';
import { ManifestProblems } from './manifest-problems';
import { ResourceSyncList } from './resource-sync-list';
import { StatusCounts } from './status-counts';

export function Overview() {
  const index = useDriftIndex();
  // Shared with the layout's banner, which may have them before this boundary hydrates (useHydrated).
  const hydrated = useHydrated();
  const statusQuery = useStatus();
  const resourcesQuery = useResources();
  const status = { data: hydrated ? statusQuery.data : undefined };
  const resources = { data: hydrated ? resourcesQuery.data : undefined };
  const rows = useMemo(() => [...(index.data?.rows.values() ?? [])], [index.data]);
  const counts = useMemo(() => countByStatus(rows), [rows]);
  // Until the index is complete its counts are partial (zero at first): nothing is shown as a
  // number before then, and a failed load says so instead.
  const complete = index.data?.complete === true;
  const failed = !complete && index.isError;
  return (
    <div className="overview" data-testid="overview">
      <h1 className="page-title">Overview</h1>
      {index.isError && <p className="msg-danger">Drift could not be loaded: {index.error.message}</p>}
      {!failed && <StatusCounts counts={counts} loading={!complete} />}
      <div className="grid-2">
        <DriftBreakdownChart states={rows} unavailable={complete ? undefined : failed ? 'Drift could not be loaded.' : 'Loading…'} />
        <div>
          {status.data && <ClusterList clusters={status.data.clusters} />}
          {status.data && <ManifestProblems problems={status.data.manifestProblems} hidden={status.data.manifestProblemsHidden ?? false} />}
        </div>
      </div>
      <DriftTimelineChart />
      <FindingsList />
      {resources.data && <ResourceSyncList resources={resources.data.resources} />}
    </div>
  );
}
