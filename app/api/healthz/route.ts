import { NextResponse } from 'next/server';

export const dynamic = 'force-dynamic';

/** Liveness: the process serves requests. Cluster reachability is reported by /api/v1/cluster. */
export function GET() {
  return NextResponse.json({ ok: true });
}
