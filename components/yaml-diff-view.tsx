'use client';
/** Desired vs live YAML, split or unified; changed lines highlighted, long unchanged runs folded. */
import { Fragment, useMemo, useState } from 'react';
import { diffLines, diffTexts, toBlocks, toSplitRows, type DiffInput, type DiffLine } from '@/lib/client/yaml-diff';

export type DiffMode = 'split' | 'unified';

function LineNo({ n }: { n: number | undefined }) {
  return <span className="ln" aria-hidden="true">{n ?? ''}</span>;
}

export function YamlDiffView({ input, mode }: { input: DiffInput; mode: DiffMode }) {
  const { blocks, changed } = useMemo(() => {
    const { left, right } = diffTexts(input);
    const lines = diffLines(left, right);
    return { blocks: toBlocks(lines), changed: lines.filter((l) => l.op !== 'same').length };
  }, [input]);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const expand = (id: string) => setExpanded((s) => new Set([...s, id]));

  const renderLines = (lines: readonly DiffLine[]) =>
    mode === 'unified'
      ? lines.map((l, i) => (
          <div key={i} className={`dl dl-${l.op}`} data-op={l.op} role="row">
            <LineNo n={l.left} />
            <LineNo n={l.right} />
            <span className="sign" aria-hidden="true">{l.op === 'add' ? '+' : l.op === 'del' ? '−' : ' '}</span>
            <span className="code" role="cell">
              {l.op !== 'same' && <span className="sr-only">{l.op === 'add' ? 'live only: ' : 'desired only: '}</span>}
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
            <div className={`dl ${r.right ? `dl-${r.right.op}` : 'dl-empty'}`} data-side="live" data-op={r.right?.op ?? 'empty'} role="cell">
              <LineNo n={r.right?.right} />
              <span className="code">
                {r.right && r.right.op !== 'same' && <span className="sr-only">live: </span>}
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
