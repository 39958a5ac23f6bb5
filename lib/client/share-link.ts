/**
 * Live share links: the view's own URL, with every relative time turned into the absolute
 * `from`/`to` it meant when the link was made (Share pressed, as docs/embedding.md promises), so
 * the receiver sees the same range later. Everything else in the URL is the view's state and goes
 * along as it is: the overview's `stack` and breakdown grouping, the table's filters.
 */
import { timelineSpec, timelineWindow } from './drift-timeline';

/**
 * `pathname` + `search` of a view → the same view with absolute time. The overview's chart range
 * becomes from/to; the object page's open-ended timeline gets `to` (its start is the object's
 * first record, already absolute). The drift table and cluster page have no time to lock.
 */
export function lockedViewSearch(pathname: string, search: string, now: Date): URLSearchParams {
  const sp = new URLSearchParams(search);
  const nowIso = now.toISOString();
  if (pathname === '/') {
    // The window the timeline shows at this moment, read as the chart reads the URL.
    const { from, to } = timelineWindow(timelineSpec(sp), now.getTime());
    sp.set('from', from);
    sp.set('to', to);
    sp.delete('range');
  } else if (pathname === '/objects') {
    if (!sp.get('to')) sp.set('to', nowIso);
    sp.delete('range');
  }
  return sp;
}

export function liveShareUrl(origin: string, pathname: string, search: string, now: Date): string {
  const qs = lockedViewSearch(pathname, search, now).toString();
  return `${origin}${pathname}${qs ? `?${qs}` : ''}`;
}

/** Snapshot lifetimes offered by the Share menu, in seconds (undefined: kept until deleted by hand). */
export const SNAPSHOT_LIFETIMES: ReadonlyArray<{ label: string; seconds: number | undefined }> = [
  { label: 'never expires', seconds: undefined },
  { label: '1 hour', seconds: 3_600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 604_800 },
  { label: '30 days', seconds: 2_592_000 },
];
