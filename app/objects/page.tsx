import type { Metadata } from 'next';
import { Suspense } from 'react';
import { ObjectView } from '@/components/object-view';

export const metadata: Metadata = { title: 'Object · Driftwatch' };

export default function ObjectPage() {
  return (
    <Suspense>
      <ObjectView />
    </Suspense>
  );
}
