import type { NextRequest } from 'next/server';
import { configUnavailableMessage, logout, seeOther } from '@/lib/auth/login';
import { identityOf } from '@/lib/auth/identity';
import { HTTPS_HEADER } from '@/lib/auth/request-gate';
import { currentDashboardConfig } from '@/lib/config/dashboard-config';
import { jsonError, otherMethods } from '@/lib/api/responses';

export const dynamic = 'force-dynamic';

/** POST /api/auth/logout — clears the session cookie and goes to the login page. Same configuration as the gate (see login). */
export function POST(req: NextRequest) {
  const inForce = currentDashboardConfig();
  if (!inForce.ok) return jsonError(503, configUnavailableMessage(inForce.error));
  const res = seeOther('/login');
  res.headers.set('Set-Cookie', logout(inForce.config, identityOf(req.headers).user, req.headers.get(HTTPS_HEADER) === '1'));
  return res;
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
