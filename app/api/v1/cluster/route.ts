import { NextResponse } from 'next/server';
import { getClusterOverview } from '@/lib/kube/overview';

export const dynamic = 'force-dynamic';

export async function GET() {
  const result = await getClusterOverview();
  if (!result.ok) {
    return NextResponse.json({ error: result.error }, { status: 503 });
  }
  return NextResponse.json(result.overview);
}
