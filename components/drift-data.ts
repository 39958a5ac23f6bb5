'use client';
/** Queries shared by the pages: the live drift index, one object's detail, resources and status. */
import { experimental_streamedQuery as streamedQuery, useQuery } from '@tanstack/react-query';
import { driftRowPages, fetchObjectDetail, fetchResources, fetchStatus } from '@/lib/client/api';
import { addPage, applyEvents, EMPTY_INDEX, type DriftIndex } from '@/lib/client/drift-index';
import type { DriftRowsResponse, DriftStreamEvent } from '@/lib/client/types';
import { DRIFT_INDEX_KEY, objectKey, useLiveStream, type LiveStream } from './live-stream';

type Chunk = { page: DriftRowsResponse } | { events: DriftStreamEvent[] };

function indexQueryFn(stream: LiveStream) {
  return streamedQuery<Chunk, DriftIndex, typeof DRIFT_INDEX_KEY>({
    refetchMode: 'replace',
    initialValue: EMPTY_INDEX,
    reducer: (acc, chunk) => ('page' in chunk ? addPage(acc, chunk.page) : applyEvents(acc, chunk.events)),
    streamFn: async function* ({ signal }) {
      // Open the stream first: everything after the first page's event id is then in its buffer.
      await stream.ready();
      let base: number | undefined;
      for await (const page of driftRowPages(signal)) {
        base ??= page.lastEventId;
        yield { page };
      }
      // Objects that changed while the later pages were read: the stream has the truth.
      if (base !== undefined) yield { events: stream.eventsAfter(base) };
    },
  });
}

export function useDriftIndex() {
  const stream = useLiveStream();
  return useQuery({
    queryKey: DRIFT_INDEX_KEY,
    queryFn: indexQueryFn(stream),
    staleTime: Infinity,
    gcTime: Infinity,
    structuralSharing: false,
    refetchOnWindowFocus: false,
  });
}

export function useObjectDetail(id: string | undefined) {
  return useQuery({
    queryKey: objectKey(id ?? ''),
    queryFn: ({ signal }) => fetchObjectDetail(id ?? '', signal),
    enabled: id !== undefined && id !== '',
    staleTime: Infinity,
    retry: false,
  });
}

export function useResources() {
  return useQuery({ queryKey: ['resources'], queryFn: ({ signal }) => fetchResources(signal), refetchInterval: 5000 });
}

export function useStatus() {
  return useQuery({ queryKey: ['status'], queryFn: ({ signal }) => fetchStatus(signal), refetchInterval: 5000 });
}
