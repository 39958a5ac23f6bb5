import { NextResponse } from 'next/server';
import { otherMethods } from '@/lib/api/responses';

export const dynamic = 'force-dynamic';

/** Liveness: the process serves requests. Cluster reachability is reported by /api/v1/cluster. */
export function GET() {
  return NextResponse.json({ ok: true });
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
