'use client';
/**
 * "Share" in the top bar, on every view but snapshot pages and embeds: a live link (this URL with relative time locked to
 * absolute from/to) and, where a diff is shown (the object page), a snapshot link that keeps
 * showing this diff after the cluster has moved on.
 */
import { usePathname } from 'next/navigation';
import { useEffect, useId, useRef, useState } from 'react';
import { objectIdFromSearch } from '@/lib/client/object-id';
import { liveShareUrl, SNAPSHOT_LIFETIMES } from '@/lib/client/share-link';
import { useViewSearch } from './url-state';
import './share.css';

type SnapshotState = { phase: 'idle' } | { phase: 'busy' } | { phase: 'done'; url: string; expiresAt?: string } | { phase: 'error'; message: string };

function CopyField({ label, value, testId }: { label: string; value: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // Clipboard refused (insecure origin, permissions): the field is selected for a manual copy.
    }
  };
  return (
    <label className="share-field">
      <span>{label}</span>
      <span className="share-field-row">
        <input readOnly value={value} data-testid={testId} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </span>
    </label>
  );
}

export function ShareMenu() {
  const pathname = usePathname();
  const sp = useViewSearch();
  const [open, setOpen] = useState(false);
  const [madeAt, setMadeAt] = useState(() => new Date());
  const [lifetime, setLifetime] = useState(0);
  const [snap, setSnap] = useState<SnapshotState>({ phase: 'idle' });
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const search = sp.toString();

  useEffect(() => setSnap({ phase: 'idle' }), [pathname, search]);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  if (pathname.startsWith('/s/') || pathname.startsWith('/embed')) return null;
  // The object page takes `?id=` or the id's parts (a documented link form): both offer snapshots.
  const objectId = pathname === '/objects' ? objectIdFromSearch(sp) : undefined;
  const liveUrl = typeof window === 'undefined' ? '' : liveShareUrl(window.location.origin, pathname, search, madeAt);

  const takeSnapshot = async () => {
    if (!objectId) return;
    setSnap({ phase: 'busy' });
    const seconds = SNAPSHOT_LIFETIMES[lifetime]?.seconds;
    const from = sp.get('from');
    const to = sp.get('to');
    try {
      const res = await fetch('/api/v1/snapshots', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({
          id: objectId,
          mode: sp.get('mode') === 'unified' ? 'unified' : 'split',
          showAll: sp.get('all') === '1',
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
          ...(seconds ? { expiresInSeconds: seconds } : {}),
        }),
      });
      const body = (await res.json()) as { url?: string; expiresAt?: string; error?: { message?: string } };
      if (!res.ok || !body.url) throw new Error(body.error?.message ?? `${res.status} ${res.statusText}`);
      setSnap({ phase: 'done', url: `${window.location.origin}${body.url}`, ...(body.expiresAt ? { expiresAt: body.expiresAt } : {}) });
    } catch (err) {
      setSnap({ phase: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  };

  return (
    <div className="share-menu" ref={root}>
      <button
        type="button"
        className="share-button"
        aria-expanded={open}
        aria-controls={panelId}
        data-testid="share-button"
        onClick={() => {
          setMadeAt(new Date());
          setOpen((o) => !o);
        }}
      >
        Share
      </button>
      {open && (
        <div className="share-panel" id={panelId} role="dialog" aria-label="Share this view" data-testid="share-panel">
          <CopyField label="Live link (this view, times fixed to now)" value={liveUrl} testId="share-live-url" />
          {objectId ? (
            <div className="share-snapshot">
              <p className="muted">A snapshot keeps this diff, its values and timeline as they are now, even after the object changes.</p>
              <span className="share-field-row">
                <label className="inline-field">
                  Expires{' '}
                  <select value={lifetime} onChange={(e) => setLifetime(Number(e.target.value))} data-testid="share-snapshot-expiry">
                    {SNAPSHOT_LIFETIMES.map((l, i) => (
                      <option key={l.label} value={i}>
                        {l.label}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="button" onClick={takeSnapshot} disabled={snap.phase === 'busy'} data-testid="share-snapshot-create">
                  {snap.phase === 'busy' ? 'Taking snapshot…' : 'Create snapshot link'}
                </button>
              </span>
              {snap.phase === 'done' && <CopyField label={`Snapshot link${snap.expiresAt ? ` (expires ${new Date(snap.expiresAt).toLocaleString()})` : ''}`} value={snap.url} testId="share-snapshot-url" />}
              {snap.phase === 'error' && (
                <p className="msg-danger" role="alert">
                  Snapshot failed: {snap.message}
                </p>
              )}
            </div>
          ) : (
            <p className="muted">Snapshots are taken from an object page, where the diff is shown.</p>
          )}
        </div>
      )}
    </div>
  );
}
