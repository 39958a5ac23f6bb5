import type { Metadata } from 'next';
import { Suspense } from 'react';
import { EmbedObject } from '@/components/embed-views';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Object · Driftwatch embed', robots: { index: false, follow: false } };

/** Chromeless (see app/layout.tsx and proxy.ts); framing allowed only for the configured origins. */
export default function EmbedObjectPage() {
  return (
    <Suspense>
      <EmbedObject />
    </Suspense>
  );
}
