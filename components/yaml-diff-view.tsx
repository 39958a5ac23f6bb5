'use client';
/** Desired vs live YAML, split or unified; changed lines highlighted, long unchanged runs folded. */
import { Fragment, useMemo, useState } from 'react';
import { diffObject, toBlocks, toSplitRows, type DiffInput, type DiffLine } from '@/lib/client/yaml-diff';

export type DiffMode = 'split' | 'unified';

/** Volatile fields and defaults, shown on request: live-only, and not drift. */
const EXTRA_LABEL = 'live only, not drift (volatile or defaulted): ';

const lineClass = (l: DiffLine) => (l.extra ? 'dl-extra' : `dl-${l.op}`);

function LineNo({ n }: { n: number | undefined }) {
  return <span className="ln" aria-hidden="true">{n ?? ''}</span>;
}

export function YamlDiffView({ input, mode }: { input: DiffInput; mode: DiffMode }) {
  const { blocks, changed } = useMemo(() => {
    const lines = diffObject(input);
    return { blocks: toBlocks(lines), changed: lines.filter((l) => l.op !== 'same' && !l.extra).length };
  }, [input]);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const expand = (id: string) => setExpanded((s) => new Set([...s, id]));

  const renderLines = (lines: readonly DiffLine[]) =>
    mode === 'unified'
      ? lines.map((l, i) => (
          <div key={i} className={`dl ${lineClass(l)}`} data-op={l.op} {...(l.extra ? { 'data-extra': 'true' } : {})} role="row">
            <LineNo n={l.left} />
            <LineNo n={l.right} />
            <span className="sign" aria-hidden="true">{l.extra ? ' ' : l.op === 'add' ? '+' : l.op === 'del' ? '−' : ' '}</span>
            <span className="code" role="cell">
              {l.op !== 'same' && <span className="sr-only">{l.extra ? EXTRA_LABEL : l.op === 'add' ? 'live only: ' : 'desired only: '}</span>}
              {l.text}
            </span>
          </div>
        ))
      : toSplitRows(lines).map((r, i) => (
          <div key={i} className="dl-split" role="row">
            <div className={`dl ${r.left ? `dl-${r.left.op}` : 'dl-empty'}`} data-side="desired" data-op={r.left?.op ?? 'empty'} role="cell">
              <LineNo n={r.left?.left} />
              <span className="code">
                {r.left && r.left.op !== 'same' && <span className="sr-only">desired: </span>}
                {r.left?.text ?? ''}
              </span>
            </div>
            <div className={`dl ${r.right ? lineClass(r.right) : 'dl-empty'}`} data-side="live" data-op={r.right?.op ?? 'empty'} {...(r.right?.extra ? { 'data-extra': 'true' } : {})} role="cell">
              <LineNo n={r.right?.right} />
              <span className="code">
                {r.right && r.right.op !== 'same' && <span className="sr-only">{r.right.extra ? EXTRA_LABEL : 'live: '}</span>}
                {r.right?.text ?? ''}
              </span>
            </div>
          </div>
        ));

  return (
    <div className={`yaml-diff yaml-${mode}`} data-testid="yaml-diff" data-mode={mode} role="table" aria-label={`YAML diff, desired vs live, ${mode}; ${changed} changed lines`}>
      {mode === 'split' && (
        <div className="dl-split dl-head" role="row">
          <div role="columnheader">Desired</div>
          <div role="columnheader">Live</div>
        </div>
      )}
      {blocks.map((b, i) =>
        b.type === 'lines' || expanded.has(b.id) ? (
          <Fragment key={i}>{renderLines(b.lines)}</Fragment>
        ) : (
          <button key={i} type="button" className="fold" onClick={() => expand(b.id)} data-testid="diff-fold">
            ⋯ {b.lines.length} unchanged line{b.lines.length === 1 ? '' : 's'} (show)
          </button>
        ),
      )}
    </div>
  );
}
