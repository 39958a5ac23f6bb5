import { NextResponse } from 'next/server';
import { z } from 'zod';
import { issueText } from '../config/config-issues';
import { issuePath } from '../config/drift-config';
import { setOwn } from '../drift/normalize';
import { SnapshotLeakError } from '../share/snapshot-build';
import { loggablePath } from '../share/snapshot-id';

/** Every API error has this shape: a message a person can act on, and the HTTP status. */
export function jsonError(status: number, message: string): NextResponse {
  return NextResponse.json({ error: { status, message } }, { status, headers: { 'Cache-Control': 'no-store' } });
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS: ReadonlyArray<Method> = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Handlers for the methods a route does not serve: 405 in the API's JSON shape with `Allow`.
 * (Next's own 405 has an empty body and no Allow.) A route spreads them over its exports:
 * `export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');`.
 */
export function otherMethods(...served: Method[]): Record<Method | 'OPTIONS', (req: Request) => NextResponse> {
  // HEAD comes with GET (Next answers it from GET).
  const allow = [...served, ...(served.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  const refuse = (req: Request) => {
    const res = jsonError(405, `${req.method} is not served here; this endpoint takes ${served.join(' or ')}`);
    res.headers.set('Allow', allow);
    return res;
  };
  // Next's own OPTIONS lists every method whether the route serves it or not.
  const options = () => new NextResponse(null, { status: 204, headers: { Allow: allow, 'Cache-Control': 'no-store' } });
  return { ...(Object.fromEntries(METHODS.map((m) => [m, refuse])) as Record<Method, (req: Request) => NextResponse>), OPTIONS: options };
}

export function jsonOk(body: unknown): NextResponse {
  return NextResponse.json(body, { headers: { 'Cache-Control': 'no-store' } });
}

/** A JSON body serialised already (kept by a response cache). */
export function jsonText(body: string): NextResponse {
  return new NextResponse(body, { headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } });
}

/**
 * Query parameters as an object for zod: repeated keys (`?status=a&status=b`) and comma lists
 * (`?status=a,b`) both become arrays for the keys named in `lists`.
 */
export function searchParamsObject(params: URLSearchParams, lists: ReadonlyArray<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    const value = lists.includes(key) ? values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean) : (values[0] ?? '');
    // setOwn: `?__proto__=x` assigned would set the object's prototype and vanish from the keys a
    // strict schema checks.
    setOwn(out, key, value);
  }
  return out;
}

/**
 * `?status=` (every value empty) says what is missing, not zod's array-size wording; a required
 * parameter left out says so, not "expected string, received undefined".
 */
function queryIssueText(schema: z.ZodType, issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small' && issue.origin === 'array' && issue.minimum === 1 && issue.message.startsWith('Too small')) return 'give at least one value';
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return 'required, and not given';
  return issueText(schema, issue);
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: NextResponse };

export function parseQuery<S extends z.ZodType>(schema: S, params: URLSearchParams, lists: ReadonlyArray<string> = []): Parsed<z.infer<S>> {
  // A single-valued parameter given twice (`?wait=99&wait=5`) would be read as its last value, so
  // that the order of a client's parameters changed the answer: refused instead.
  const repeated = [...new Set(params.keys())].filter((k) => !lists.includes(k) && params.getAll(k).length > 1);
  if (repeated.length > 0) return { ok: false, response: jsonError(400, `invalid query: ${repeated.map((k) => `${k}: given ${params.getAll(k).length} times, once expected`).join('; ')}`) };
  const res = schema.safeParse(searchParamsObject(params, lists));
  if (res.success) return { ok: true, value: res.data };
  const detail = res.error.issues.map((i) => `${issuePath(i.path)}: ${queryIssueText(schema, i)}`).join('; ');
  return { ok: false, response: jsonError(400, `invalid query: ${detail}`) };
}

/** For endpoints that take no parameters: one given (a typo of another endpoint's, say) is a 400 like anywhere else. */
export const NO_PARAMS = z.object({}).strict();

/**
 * A history or snapshot route, its failures answered in the API's JSON shape instead of Next's
 * bare 500: a database that stopped answering (or a store that could not open on first use) is a
 * 503 with the reason, as a store that never opened is; a refused snapshot a 500. Logged in full.
 */
export function storeRoute<R extends Request, A extends unknown[]>(handler: (req: R, ...rest: A) => Promise<Response>): (req: R, ...rest: A) => Promise<Response> {
  return async (req, ...rest) => {
    try {
      return await handler(req, ...rest);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`[driftwatch] ${req.method} ${loggablePath(new URL(req.url).pathname)}: ${err instanceof Error && err.stack ? err.stack : message}`);
      if (err instanceof SnapshotLeakError) return jsonError(500, message);
      return jsonError(503, `the history store could not answer: ${message}`);
    }
  };
}
