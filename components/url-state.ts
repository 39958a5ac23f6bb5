'use client';
import { useSearchParams } from 'next/navigation';
import { useEffect, useMemo, useRef, useState } from 'react';
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
  window.dispatchEvent(new Event(URL_EVENT));
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

const URL_EVENT = 'driftwatch:url';

/**
 * The current search params for views that keep their settings in the URL. Follows Next's router
 * (links, router.push) and, directly, the browser's history (popstate and pushSearch): after a
 * reload, quick back/forward steps could leave Next's copy one entry behind the address bar; what
 * the address bar says wins until Next's copy moves again.
 */
export function useViewSearch(): URLSearchParams {
  const nextStr = useSearchParams().toString();
  const latestNext = useRef(nextStr);
  latestNext.current = nextStr;
  const [fromHistory, setFromHistory] = useState<{ search: string; base: string } | undefined>(undefined);
  useEffect(() => {
    const on = () => setFromHistory({ search: window.location.search.replace(/^\?/, ''), base: latestNext.current });
    window.addEventListener('popstate', on);
    window.addEventListener(URL_EVENT, on);
    return () => {
      window.removeEventListener('popstate', on);
      window.removeEventListener(URL_EVENT, on);
    };
  }, []);
  const search = fromHistory && fromHistory.base === nextStr ? fromHistory.search : nextStr;
  return useMemo(() => new URLSearchParams(search), [search]);
}
