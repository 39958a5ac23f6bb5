'use client';
/**
 * View settings live in the URL. Native history calls are integrated with Next's router
 * (useSearchParams follows them) and skip a server round trip: filters apply instantly.
 */
export function pushSearch(params: URLSearchParams, mode: 'push' | 'replace' = 'push') {
  const qs = params.toString();
  const url = `${window.location.pathname}${qs ? `?${qs}` : ''}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (mode === 'push') window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

/** Copy of the current search params with some keys set (string) or removed (undefined). */
export function patchSearch(current: URLSearchParams | { toString(): string }, patch: Record<string, string | undefined>): URLSearchParams {
  const next = new URLSearchParams(current.toString());
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === '') next.delete(k);
    else next.set(k, v);
  }
  return next;
}
