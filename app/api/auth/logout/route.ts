import type { NextRequest } from 'next/server';
import { NextResponse } from 'next/server';
import { seeOther } from '@/lib/auth/login';
import { identityOf } from '@/lib/auth/identity';
import { logout } from '@/lib/auth/login';
import { HTTPS_HEADER } from '@/lib/auth/request-gate';
import { loadDashboardConfig } from '@/lib/config/dashboard-config';
import { otherMethods } from '@/lib/api/responses';

export const dynamic = 'force-dynamic';

/** POST /api/auth/logout — clears the session cookie and goes to the login page. */
export function POST(req: NextRequest) {
  const res = seeOther('/login');
  res.headers.set('Set-Cookie', logout(loadDashboardConfig(), identityOf(req.headers).user, req.headers.get(HTTPS_HEADER) === '1'));
  return res;
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
