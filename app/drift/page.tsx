import type { Metadata } from 'next';
import { Suspense } from 'react';
import { DriftTable } from '@/components/drift-table';

export const metadata: Metadata = { title: 'Drift · Driftwatch' };

export default function DriftPage() {
  return (
    <>
      <h1 className="page-title">Drift</h1>
      <Suspense>
        <DriftTable />
      </Suspense>
    </>
  );
}
