/** Typed fetchers for the browser. Errors carry the API's message (`{error: {status, message}}`). */
import type {
  ChartGroupBy,
  DriftChartJson,
  DriftRowsResponse,
  FindingJson,
  FindingKind,
  HistoryResult,
  ObjectDetailResponse,
  ObjectHistoryJson,
  ResourcesResponse,
  StatusResponse,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Inside an embed opened with a signed token, the page's own API requests carry that token: a
 * portal's iframe has no Driftwatch session (the cookie is SameSite=Strict), and with
 * authentication on the token is what lets the embed read its data (lib/auth/request-gate.ts).
 */
function embedTokenHeader(): Record<string, string> {
  if (typeof window === 'undefined' || !window.location.pathname.startsWith('/embed/')) return {};
  const token = new URLSearchParams(window.location.search).get('token');
  return token ? { 'x-driftwatch-embed-token': token } : {};
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { headers: { Accept: 'application/json', ...embedTokenHeader() }, ...(signal ? { signal } : {}) });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: { message?: string } };
      if (body.error?.message) message = body.error.message;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, message);
  }
  return (await res.json()) as T;
}

/** Every drift state as a table row, page by page (50,000 per request: one request for most clusters). */
export async function* driftRowPages(signal?: AbortSignal): AsyncGenerator<DriftRowsResponse> {
  let cursor: string | undefined;
  do {
    const page = await getJson<DriftRowsResponse>(`/api/v1/drift/rows${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, signal);
    yield page;
    cursor = page.next;
  } while (cursor);
}

/** One object's drift state; `showIgnored` adds the changes ignore rules hid (`ignored`, each with `ignoredBy`). */
export const fetchObjectDetail = (id: string, signal?: AbortSignal, opts: { showIgnored?: boolean } = {}) =>
  getJson<ObjectDetailResponse>(`/api/v1/drift/object?id=${encodeURIComponent(id)}${opts.showIgnored ? '&showIgnored=true' : ''}`, signal);

export const fetchResources = (signal?: AbortSignal) => getJson<ResourcesResponse>('/api/v1/resources', signal);

export const fetchStatus = (signal?: AbortSignal) => getJson<StatusResponse>('/api/v1/status', signal);

// ---- History: available once the store's routes exist (a 404/501/503 means "not available"). ----

async function history<T>(url: string, signal?: AbortSignal, notFound = 'History is not recorded by this server yet.'): Promise<HistoryResult<T>> {
  try {
    return { available: true, data: await getJson<T>(url, signal) };
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 501 || err.status === 503)) {
      return { available: false, reason: err.status === 404 ? notFound : err.message };
    }
    throw err;
  }
}

export interface ChartParams {
  from: string;
  to: string;
  bucketMs: number;
  groupBy: ChartGroupBy;
  cluster?: string;
  namespace?: string;
  kind?: string;
}

const qs = (params: Record<string, string | number | undefined>) =>
  Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');

export const fetchDriftChart = (p: ChartParams, signal?: AbortSignal) =>
  history<DriftChartJson>(`/api/v1/history/chart?${qs({ ...p })}`, signal);

export const fetchFindings = (p: { kind?: FindingKind; from?: string; to?: string; limit?: number }, signal?: AbortSignal) =>
  history<{ findings: FindingJson[] }>(`/api/v1/history/findings?${qs(p)}`, signal);

// The route answers 404 when the store holds nothing for the object (declared, never seen in the cluster).
export const fetchObjectHistory = (id: string, p: { from?: string; to?: string }, signal?: AbortSignal) =>
  history<ObjectHistoryJson>(`/api/v1/history/object?${qs({ id, ...p })}`, signal, 'Nothing has been recorded for this object yet.');
