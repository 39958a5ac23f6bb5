'use client';
/** Queries shared by the pages: the live drift index, one object's detail, resources and status. */
import { experimental_streamedQuery as streamedQuery, useQuery } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { driftRowPages, fetchObjectDetail, fetchResources, fetchStatus } from '@/lib/client/api';
import { addPage, applyEvents, EMPTY_INDEX, type DriftIndex } from '@/lib/client/drift-index';
import type { DriftRowsResponse, DriftStreamEvent } from '@/lib/client/types';
import { DRIFT_INDEX_KEY, objectKey, useLiveStream, type LiveStream } from './live-stream';

type Chunk = { page: DriftRowsResponse } | { events: DriftStreamEvent[] };

export function indexQueryFn(stream: LiveStream) {
  return streamedQuery<Chunk, DriftIndex, typeof DRIFT_INDEX_KEY>({
    refetchMode: 'replace',
    initialValue: EMPTY_INDEX,
    reducer: (acc, chunk) => ('page' in chunk ? addPage(acc, chunk.page) : applyEvents(acc, chunk.events)),
    streamFn: async function* ({ signal }) {
      // The rows request starts at once, beside the stream's opening. The rows are exact only if
      // the stream was already listening when they were taken (its start at or before their event
      // id: everything after that id is then in its buffer); otherwise they are read once more,
      // now that it listens. If it still does not (it was refused, or opened after these rows),
      // it resumes from the rows' own id, so the changes in between reach the index.
      for (let attempt = 0; ; attempt++) {
        const pages = driftRowPages(signal);
        const firstPage = pages.next();
        // Handled below, after the wait; this keeps an early failure from reporting as unhandled.
        firstPage.catch(() => undefined);
        await stream.ready();
        const first = await firstPage;
        if (first.done) return;
        const base = first.value.lastEventId;
        if (!stream.covers(base)) {
          if (attempt === 0) {
            await pages.return(undefined);
            continue;
          }
          stream.catchUpFrom(first.value.streamId);
        }
        yield { page: first.value };
        for await (const page of pages) yield { page };
        // Objects that changed while the rows were read: the stream has the truth.
        yield { events: stream.eventsAfter(base) };
        return;
      }
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

/**
 * The changes ignore rules hid on one object ("show ignored"), asked for only while shown. Under
 * the object's key, so the live stream's refetch of a changed object reaches it too.
 */
export function useIgnoredChanges(id: string | undefined, enabled: boolean) {
  return useQuery({
    queryKey: [...objectKey(id ?? ''), 'ignored'] as const,
    queryFn: ({ signal }) => fetchObjectDetail(id ?? '', signal, { showIgnored: true }),
    select: (d) => d.ignored ?? [],
    enabled: enabled && id !== undefined && id !== '',
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

const noSubscription = () => () => undefined;

/**
 * False while React hydrates the server's HTML, true from the render after. A page's Suspense
 * boundary hydrates after the layout, whose status banner starts the same status and resources
 * queries: when they answered in between, the page's first render showed data the server's HTML
 * did not have, and React threw the HTML away (error #418, in two of three loads of the overview).
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(noSubscription, () => true, () => false);
}
