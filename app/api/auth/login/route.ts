import type { NextRequest } from 'next/server';
import { NextResponse } from 'next/server';
import { jsonError, otherMethods } from '@/lib/api/responses';
import { configUnavailableMessage, login, loginBody, safeNext, seeOther } from '@/lib/auth/login';
import { HTTPS_HEADER } from '@/lib/auth/request-gate';
import { currentDashboardConfig } from '@/lib/config/dashboard-config';

export const dynamic = 'force-dynamic';

/**
 * POST /api/auth/login — token mode: the login form (form-encoded, answers 303 to `next` or back
 * to /login) or a script (JSON, answers 204/401). Sets the HttpOnly, SameSite=Strict session cookie.
 * Signs with the configuration the gate checks sessions with (the process's), never the file as
 * it is now.
 */
export async function POST(req: NextRequest) {
  const isForm = (req.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded');
  const text = await req.text();
  let raw: unknown;
  try {
    raw = isForm ? Object.fromEntries(new URLSearchParams(text)) : JSON.parse(text);
  } catch {
    return jsonError(400, 'the body must be JSON {"token": "..."} or a form with `token`');
  }
  const parsed = loginBody.safeParse(raw);
  if (!parsed.success) return jsonError(400, 'the body needs `token`');
  const inForce = currentDashboardConfig();
  if (!inForce.ok) return jsonError(503, configUnavailableMessage(inForce.error));
  const r = login(inForce.config, parsed.data.token, { https: req.headers.get(HTTPS_HEADER) === '1' });
  const next = safeNext(parsed.data.next);
  if (!r.ok) {
    if (!isForm) return jsonError(r.status, r.reason);
    return seeOther(`/login?${new URLSearchParams({ error: '1', next }).toString()}`);
  }
  const res = isForm ? seeOther(next) : new NextResponse(null, { status: 204 });
  res.headers.set('Set-Cookie', r.setCookie);
  res.headers.set('Cache-Control', 'no-store');
  return res;
}

/** The other methods: 405 with Allow, in the API's JSON shape. */
export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
