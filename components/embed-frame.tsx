'use client';
/**
 * The frame of every /embed/* view: no navigation, a link to the full view (new tab), and the
 * content height posted to the parent window whenever it changes, so the portal can size its
 * iframe. The message carries nothing but the height and the view name, hence target '*'
 * (portals on `*.example.com` allow-list entries have no single origin to name).
 */
import { useEffect, useRef, type ReactNode } from 'react';
import './share.css';

export const EMBED_HEIGHT_MESSAGE = 'driftwatch:embed-height';

export function EmbedFrame({ view, fullViewHref, children }: { view: 'overview' | 'drift' | 'object'; fullViewHref: string; children: ReactNode }) {
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = root.current;
    if (!el || window.parent === window) return;
    let last = -1;
    const post = () => {
      const height = Math.ceil(el.getBoundingClientRect().height);
      if (height === last) return;
      last = height;
      window.parent.postMessage({ type: EMBED_HEIGHT_MESSAGE, view, height }, '*');
    };
    const ro = new ResizeObserver(post);
    ro.observe(el);
    post();
    return () => ro.disconnect();
  }, [view]);
  return (
    <div className="embed-root" ref={root} data-testid="embed-root" data-view={view}>
      {children}
      <p className="embed-footer">
        <span>Driftwatch</span>
        <a href={fullViewHref} target="_blank" rel="noopener noreferrer" data-testid="embed-full-view">
          Open in Driftwatch ↗
        </a>
      </p>
    </div>
  );
}

/** The embed's query without what only the embed uses (theme, token), for links to the full view. */
export function fullViewSearch(sp: URLSearchParams, rename: Record<string, string> = {}): string {
  const out = new URLSearchParams();
  for (const [k, v] of sp) {
    if (k === 'theme' || k === 'token') continue;
    out.set(rename[k] ?? k, v);
  }
  const s = out.toString();
  return s ? `?${s}` : '';
}
