import type { Metadata } from 'next';
import { Suspense } from 'react';
import { EmbedDriftTable } from '@/components/embed-views';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Drift · Driftwatch embed', robots: { index: false, follow: false } };

/** Chromeless (see app/layout.tsx and proxy.ts); framing allowed only for the configured origins. */
export default function EmbedDriftPage() {
  return (
    <Suspense>
      <EmbedDriftTable />
    </Suspense>
  );
}
