'use client';
/**
 * A share snapshot: the object page as it was when the snapshot was taken (changes with their
 * managers, the YAML diff, the timeline slice), with a banner that says so and links the live view.
 * Everything comes from the stored payload; nothing here asks the cluster.
 */
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { desiredSourceText, desiredSourceTitle } from '@/lib/client/format';
import { objectHref } from '@/lib/client/object-id';
import { changeMayBeRedacted, changeValueText, diffInputOf, liveUnknown, type DiffInput, type ObjectKind } from '@/lib/client/yaml-diff';
import type { SnapshotPayload, SnapshotTimelineJson } from '@/lib/share/snapshot-types';
import { FieldDiffList } from './field-diff-list';
import { TimelineLanes } from './object-timeline';
import { StatusBadge } from './status-badge';
import { AbsoluteTime, FrozenClock, useTimeText } from './time-text';
import { Truncate } from './truncate';
import { YamlDiffView, type DiffMode } from './yaml-diff-view';
import './share.css';

/**
 * Server-rendered, then hydrated: every time on the page goes through components/time-text.tsx
 * (UTC until hydrated, then the reader's zone and locale; relative times counted back from when
 * the snapshot was taken, never from now), so the server's HTML is the client's first render.
 */
const TAKEN = 'the snapshot';

/**
 * Revokes this link for everyone (a link shared too widely, or showing what it should not): asks
 * first, then the page reloads into its 410.
 */
function RevokeButton({ id }: { id: string }) {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const revoke = async () => {
    if (!window.confirm('Revoke this snapshot link? Everyone who has it will get "revoked" instead, and what it shows is deleted.')) return;
    setState({ busy: true });
    try {
      const res = await fetch(`/api/v1/snapshots/${encodeURIComponent(id)}`, { method: 'DELETE' });
      if (!res.ok) {
        const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
        throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
      }
      window.location.reload();
    } catch (err) {
      setState({ busy: false, error: `could not revoke: ${err instanceof Error ? err.message : String(err)}` });
    }
  };
  return (
    <>
      <button type="button" className="link-button" data-testid="snapshot-revoke" disabled={state.busy} onClick={() => void revoke()}>
        {state.busy ? 'Revoking…' : 'Revoke link'}
      </button>
      {state.error && (
        <span role="alert" className="msg-danger" data-testid="snapshot-revoke-error">
          {' '}
          {state.error}
        </span>
      )}
    </>
  );
}

type SnapshotProps = { id: string; snapshot: SnapshotPayload; createdAt: string; expiresAt?: string };

export function SnapshotView(props: SnapshotProps) {
  return (
    <FrozenClock at={props.createdAt} label={TAKEN}>
      <Snapshot {...props} />
    </FrozenClock>
  );
}

function Snapshot({ id, snapshot: p, createdAt, expiresAt }: SnapshotProps) {
  const [mode, setMode] = useState<DiffMode>(p.view.mode);
  const [showAll, setShowAll] = useState(p.view.showAll);
  const input: DiffInput = useMemo(
    () => diffInputOf(p, { showAll }),
    [p, showAll],
  );
  const o = p.object;
  const src = p.source ? desiredSourceText(p.source) : undefined;
  const srcTitle = p.source ? desiredSourceTitle(p.source) : undefined;
  return (
    <div className="object-page snapshot-page" data-testid="snapshot-page" data-object-id={o.id}>
      <div className="snapshot-banner" role="note" data-testid="snapshot-banner">
        <strong>Snapshot</strong> taken{' '}
        <AbsoluteTime iso={createdAt} data-testid="snapshot-taken-at" />
        : a frozen copy of this object&apos;s drift, not the live state.
        {expiresAt && (
          <>
            {' '}
            Expires <AbsoluteTime iso={expiresAt} />.
          </>
        )}{' '}
        <Link href={objectHref(o.id)} data-testid="snapshot-live-link">
          Open the live view
        </Link>{' '}
        <RevokeButton id={id} />
      </div>
      <header className="object-head">
        <p className="muted kind-line">
          {o.group ? `${o.kind}.${o.group}` : o.kind} · {o.version} · cluster <span className="wrap">{o.cluster}</span>
        </p>
        <h1 className="page-title object-title">
          {o.namespace && <span className="muted">{o.namespace}/</span>}
          {o.name}
        </h1>
        <p className="object-meta">
          <span data-testid="object-status">
            <StatusBadge status={p.status} />
          </span>{' '}
          since <AbsoluteTime iso={p.since} />
          {src && (
            <>
              {' '}
              · desired from <code className="wrap" title={srcTitle}>{src}</code>
            </>
          )}
          {p.desiredRevision && (
            <>
              {' '}
              · revision <code data-testid="snapshot-revision">{p.desiredRevision.slice(0, 12)}</code>
            </>
          )}
        </p>
        {p.error && <p className="msg-danger wrap">{p.error}</p>}
      </header>
      <FieldDiffList changes={p.changes} since={p.since} owner={p.object} status={p.status} title="Drifted fields when the snapshot was taken" />
      {p.ignoredCount > 0 && <p className="muted">{p.ignoredCount} more change{p.ignoredCount === 1 ? ' was' : 's were'} hidden by ignore rules.</p>}
      <section className="panel" aria-labelledby="snap-yaml-heading">
        <div className="panel-head">
          <h2 id="snap-yaml-heading">Desired vs live</h2>
          <div className="toolbar">
            <div role="group" aria-label="Diff layout" className="segmented">
              <button type="button" aria-pressed={mode === 'split'} data-testid="mode-split" onClick={() => setMode('split')}>
                Split
              </button>
              <button type="button" aria-pressed={mode === 'unified'} data-testid="mode-unified" onClick={() => setMode('unified')}>
                Unified
              </button>
            </div>
            <label className="inline-field">
              <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} /> Show defaulted and volatile fields
            </label>
          </div>
        </div>
        {!p.desired && <p className="muted">No desired manifest at the time.</p>}
        {liveUnknown(p.status, p.live) ? (
          <p className="muted">The live object could not be read at the time (see the error above).</p>
        ) : (
          <>
            {!p.live && <p className="muted">The object was not in the cluster.</p>}
            <YamlDiffView input={input} mode={mode} />
          </>
        )}
      </section>
      <SnapshotTimeline timeline={p.timeline} owner={p.object} from={p.view.from} to={p.view.to} />
    </div>
  );
}

function SnapshotTimeline({ timeline, owner, from, to }: { timeline: SnapshotPayload['timeline']; owner: ObjectKind; from?: string; to: string }) {
  const { at: when } = useTimeText();
  return (
    <section className="panel" aria-labelledby="snap-tl-heading" data-testid="snapshot-timeline">
      <h2 id="snap-tl-heading">
        Drift timeline <span className="muted">({from ? `${when(from)} → ` : 'until '}{when(to)})</span>
      </h2>
      {!timeline.available ? (
        <p className="muted">{timeline.reason}</p>
      ) : (
        <>
          {/* The object page's lanes (fields, the object's events, restarts), as kept when the link was made. */}
          <TimelineLanes h={timeline.data} to={to} logCrashes={[]} />
          <Transitions t={timeline.data} owner={owner} />
        </>
      )}
    </section>
  );
}

/** Each episode's recorded values in words: what the lanes show as bars. */
function Transitions({ t, owner }: { t: SnapshotTimelineJson; owner: ObjectKind }) {
  if (t.episodes.length === 0) return null;
  return (
    <div className="snapshot-episodes">
      {t.episodes.map((e) => (
        <div className="snapshot-lane" key={e.id} data-testid="snapshot-episode" data-path={e.path}>
          <Truncate text={e.path}>
            <code>{e.path}</code>
          </Truncate>
          <ol className="snapshot-transitions">
            {e.transitions.map((x, i) => (
              <li key={i} data-testid="snapshot-transition">
                <AbsoluteTime iso={x.at} /> {x.op}: live <code>{changeValueText(x.live, changeMayBeRedacted(owner, e.path))}</code>
                {x.desired !== undefined && (
                  <>
                    {' '}
                    (desired <code>{changeValueText(x.desired, changeMayBeRedacted(owner, e.path))}</code>)
                  </>
                )}
                {x.manager && <> by {x.manager.name}</>}
              </li>
            ))}
            {e.closedAt && (
              <li>
                <AbsoluteTime iso={e.closedAt} /> ended{e.closeReason ? ` (${e.closeReason})` : ''}
              </li>
            )}
          </ol>
        </div>
      ))}
    </div>
  );
}

/** An expired or revoked snapshot, when the page renders it (proxy.ts usually answers 410 first, e.g. not when it expired in between). */
export function SnapshotGone({ state, createdAt, at, subject }: { state: 'expired' | 'revoked'; createdAt: string; at: string; subject: string }) {
  return (
    <div className="panel" role="alert">
      <h1 className="page-title" data-testid={`snapshot-${state}`}>
        {state === 'expired' ? 'This snapshot has expired' : 'This snapshot link was revoked'}
      </h1>
      <p>
        Taken <AbsoluteTime iso={createdAt} />, {state === 'expired' ? 'expired' : 'revoked'} <AbsoluteTime iso={at} />.{' '}
        <Link href={objectHref(subject)} data-testid="snapshot-live-link">
          The object as it is now
        </Link>
      </p>
    </div>
  );
}
