'use client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { LiveStreamProvider } from './live-stream';

/**
 * `live: false` for embeds, which poll instead of holding the live stream: every iframe took one
 * of the viewer's few stream slots, and under an embed token the stream is not a read the token
 * allows (EventSource cannot send the token's header), so each iframe retried a 401 for ever.
 */
export function Providers({ children, live = true }: { children: ReactNode; live?: boolean }) {
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: { queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: false } },
      }),
  );
  return <QueryClientProvider client={client}>{live ? <LiveStreamProvider>{children}</LiveStreamProvider> : children}</QueryClientProvider>;
}
