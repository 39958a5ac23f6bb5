'use client';
/**
 * The object page: header, owner chain, drifted fields, YAML diff, timeline. `id` (or its parts),
 * `mode`, `all` and `ignored` (show the changes ignore rules hid) live in the URL.
 */
import Link from 'next/link';

import { useMemo } from 'react';
import { ApiError } from '@/lib/client/api';
import { desiredSourceText, desiredSourceTitle, timeAgo } from '@/lib/client/format';
import { objectIdFromSearch, parseObjectId } from '@/lib/client/object-id';
import { diffInputOf, diffTexts, liveUnknown as isLiveUnknown, type DiffInput } from '@/lib/client/yaml-diff';
import { CRASH_KINDS } from '@/lib/client/health';
import { CrashPanel } from './crash-panel';
import { useIgnoredChanges, useObjectDetail } from './drift-data';
import { FieldDiffList } from './field-diff-list';
import styles from './object-page.module.css';
import { ObjectTimeline } from './object-timeline';
import { OwnerChain } from './owner-chain';
import { StatusBadge } from './status-badge';
import { patchSearch, pushSearch, useViewSearch } from './url-state';
import { YamlDiffView, type DiffMode } from './yaml-diff-view';

export function ObjectView() {
  const sp = useViewSearch();
  // `?id=` or the parts (`cluster`, `group`, `kind`, `namespace`, `name`) as a shared link may carry them.
  const id = objectIdFromSearch(sp);
  const mode: DiffMode = sp.get('mode') === 'unified' ? 'unified' : 'split';
  const showAll = sp.get('all') === '1';
  const showIgnored = sp.get('ignored') === '1';
  const detail = useObjectDetail(id);
  const ignored = useIgnoredChanges(id, showIgnored);
  const d = detail.data;
  const input: DiffInput | undefined = useMemo(() => d && diffInputOf({ ...d, changes: d.state.changes }, { showAll, showIgnored }), [d, showAll, showIgnored]);

  if (!id) return <p className="msg-danger">No object given: open one from the drift table.</p>;
  const parts = parseObjectId(id);
  if (detail.isPending) return <p className="muted">Loading {id}…</p>;
  if (detail.isError) {
    const notFound = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <div className="panel" role="alert">
        <h1 className="page-title wrap">{parts ? `${parts.kind} ${parts.namespace ? `${parts.namespace}/` : ''}${parts.name}` : id}</h1>
        <p className={notFound ? 'muted' : 'msg-danger'}>{detail.error.message}</p>
        <Link href="/drift">Back to the drift table</Link>
      </div>
    );
  }
  const s = d!.state;
  const source = s.source;
  const sourceText = source ? desiredSourceText(source) : undefined;
  const sourceTitle = source ? desiredSourceTitle(source) : undefined;
  const liveUnknown = isLiveUnknown(s.status, d!.live);
  const setView = (patch: Record<string, string | undefined>) => pushSearch(patchSearch(sp, patch));

  return (
    <div className="object-page" data-testid="object-page" data-object-id={id}>
      <header className="object-head">
        <p className="muted kind-line">
          {s.group ? `${s.kind}.${s.group}` : s.kind} · {s.version} · cluster <span className="wrap">{s.cluster}</span>
        </p>
        <h1 className="page-title object-title" title={`${s.namespace ? `${s.namespace}/` : ''}${s.name}`}>
          {s.namespace && <span className="muted">{s.namespace}/</span>}
          {s.name}
        </h1>
        <p className="object-meta">
          {/* The badge says the status: "drifted drifted since …" said it twice. */}
          <span data-testid="object-status">
            <StatusBadge status={s.status} />
          </span>{' '}
          since <time dateTime={s.since} title={s.since}>{timeAgo(s.since)}</time>
          {sourceText && (
            <>
              {' '}
              · desired from <code className="wrap" title={sourceTitle}>{sourceText}</code>
            </>
          )}
        </p>
        {s.status === 'error' ? (
          <div className={styles.errorPanel} role="alert" data-testid="object-error">
            <strong>Drift unknown: this object could not be compared.</strong>
            <p className="wrap">{s.error ?? 'The server gave no reason.'}</p>
          </div>
        ) : (
          s.error && <p className="msg-danger wrap">{s.error}</p>
        )}
        {s.warnings.length > 0 && (
          <ul className="warnings">
            {s.warnings.map((w) => (
              <li key={w} className="wrap">
                {w}
              </li>
            ))}
          </ul>
        )}
        <OwnerChain cluster={s.cluster} namespace={s.namespace} live={d!.live?.object} self={`${s.kind} ${s.name}`} />
      </header>
      <FieldDiffList
        changes={s.changes}
        since={s.since}
        owner={s}
        status={s.status}
        {...(showIgnored && ignored.data ? { ignored: ignored.data } : {})}
        ignoredControl={
          (d!.ignoredCount > 0 || showIgnored) && (
            <div className={styles.ignoredToggle}>
              <label className="inline-field">
                <input type="checkbox" checked={showIgnored} data-testid="toggle-ignored" onChange={(e) => setView({ ignored: e.target.checked ? '1' : undefined })} /> Show ignored changes
              </label>
              <span className="muted" data-testid="ignored-count">
                {d!.ignoredCount === 0 ? 'No change is hidden by ignore rules.' : `${d!.ignoredCount} change${d!.ignoredCount === 1 ? ' is' : 's are'} hidden by ignore rules.`}
              </span>
              {showIgnored && ignored.isPending && <span className="muted">Loading…</span>}
              {showIgnored && ignored.isError && (
                <span className="msg-danger" role="alert">
                  Ignored changes could not be loaded: {ignored.error.message}
                </span>
              )}
            </div>
          )
        }
      />
      {CRASH_KINDS.has(`${s.group}/${s.kind}`) && <CrashPanel id={id} />}
      <section className="panel" aria-labelledby="yaml-heading">
        <div className="panel-head">
          <h2 id="yaml-heading">Desired vs live</h2>
          <div className="toolbar">
            {!liveUnknown && (
              <div role="group" aria-label="Diff layout" className="segmented">
                <button type="button" aria-pressed={mode === 'split'} data-testid="mode-split" onClick={() => setView({ mode: undefined })}>
                  Split
                </button>
                <button type="button" aria-pressed={mode === 'unified'} data-testid="mode-unified" onClick={() => setView({ mode: 'unified' })}>
                  Unified
                </button>
              </div>
            )}
            <label className="inline-field">
              <input type="checkbox" checked={showAll} data-testid="toggle-volatile" onChange={(e) => setView({ all: e.target.checked ? '1' : undefined })} /> Show defaulted and volatile fields
            </label>
          </div>
        </div>
        {!d!.desired && <p className="muted">No desired manifest: {s.status === 'unmanaged' ? 'nothing declares this object.' : 'the desired side is not available.'}</p>}
        {liveUnknown ? (
          // The live side is unknown, not absent: no diff that would say "not in the cluster".
          <>
            <p className="muted" data-testid="live-unknown">
              The live object could not be read (see the error above){d!.desired ? '; the desired manifest:' : '.'}
            </p>
            {d!.desired && (
              <pre className={styles.desiredOnly} data-testid="desired-only">
                {diffTexts({ desired: d!.desired, changePaths: [], showAll }).left.join('\n')}
              </pre>
            )}
          </>
        ) : (
          <>
            {!d!.live && <p className="muted">The object is not in the cluster.</p>}
            {input && <YamlDiffView input={input} mode={mode} />}
          </>
        )}
      </section>
      <ObjectTimeline id={id} />
    </div>
  );
}
