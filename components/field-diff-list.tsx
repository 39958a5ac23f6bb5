import { formatValue, timeAgo } from '@/lib/client/format';
import type { FieldChange } from '@/lib/client/types';
import { isRedacted } from '@/lib/client/yaml-diff';
import { Truncate } from './truncate';

const OP_LABEL = { changed: 'changed', added: 'added', removed: 'should be removed', missing: 'missing' } as const;

function Value({ v }: { v: unknown }) {
  if (isRedacted(v)) return <span className="hidden-value">changed (value hidden)</span>;
  if (v === undefined) return <span className="muted">—</span>;
  const text = formatValue(v);
  return (
    <code className="value" title={text.length > 80 ? text : undefined}>
      {text}
    </code>
  );
}

/** One row per drifted field: path, op, desired, live, who wrote it and when. */
export function FieldDiffList({ changes, since, title = 'Drifted fields' }: { changes: FieldChange[]; since: string; title?: string }) {
  return (
    <section className="panel" aria-labelledby="fields-heading">
      <h2 id="fields-heading">
        {title} <span className="muted">({changes.length})</span>
      </h2>
      {changes.length === 0 ? (
        <p className="muted">No field differs from the desired state.</p>
      ) : (
        <div className="table-scroll">
          <table className="data fixed field-diff" data-testid="field-diff">
            <thead>
              <tr>
                <th scope="col" style={{ width: '28%' }}>Path</th>
                <th scope="col" style={{ width: '11%' }}>Change</th>
                <th scope="col" style={{ width: '18%' }}>Desired</th>
                <th scope="col" style={{ width: '18%' }}>Live</th>
                <th scope="col" style={{ width: '14%' }}>Manager</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((c) => (
                <tr key={c.path} data-testid="field-row" data-path={c.path}>
                  <td className="wrap">
                    <code data-testid="field-path">{c.path}</code>
                    {c.reason === 'order' && <span className="muted"> (order)</span>}
                  </td>
                  <td>
                    <span className={`op op-${c.op}`}>{OP_LABEL[c.op]}</span>
                  </td>
                  <td className="wrap">
                    <Value v={c.desired} />
                  </td>
                  <td className="wrap">{c.op === 'changed' && isRedacted(c.live) ? <span className="hidden-value">changed (value hidden)</span> : <Value v={c.live} />}</td>
                  <td data-testid="field-manager">
                    {c.manager ? <Truncate text={`${c.manager.name} (${c.manager.operation}${c.manager.time ? `, ${c.manager.time}` : ''})`}>{c.manager.name}</Truncate> : <span className="muted">unknown</span>}
                  </td>
                  <td title={c.manager?.time ?? since}>{timeAgo(c.manager?.time ?? since)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
