import type { ReactNode } from 'react';
import type { DriftStatus, FieldChange } from '@/lib/client/types';
import { changeMayBeRedacted, changeValueText, isRedacted, type ObjectKind } from '@/lib/client/yaml-diff';
import styles from './object-page.module.css';
import { useTimeText } from './time-text';
import { Truncate } from './truncate';
import { UnknownManager } from './unknown-manager';

const OP_LABEL = { changed: 'changed', added: 'added', removed: 'should be removed', missing: 'missing' } as const;

const HiddenValue = () => <span className="hidden-value">changed (value hidden)</span>;

/** `redacted`: the value may hold the server's redaction markers (changeMayBeRedacted). */
function Value({ v, redacted }: { v: unknown; redacted: boolean }) {
  if (redacted && isRedacted(v)) return <HiddenValue />;
  if (v === undefined) return <span className="muted">—</span>;
  const text = changeValueText(v, redacted);
  return (
    <code className="value" title={text.length > 80 ? text : undefined}>
      {text}
    </code>
  );
}

/**
 * managedFields keep one time per manager, not per field: it moves whenever that manager writes
 * anything in the object, so it is labelled as what it is, not as when this field drifted.
 */
const WRITTEN_HELP = "When this field's manager last wrote to the object (managedFields keep one time per manager, not per field): not when this field changed.";

function LastWritten({ manager }: { manager: FieldChange['manager'] }) {
  // From now, or in a snapshot from when it was taken (components/time-text.tsx).
  const { ago } = useTimeText();
  if (!manager?.time) return <span className="muted" title="No write time recorded for this field's manager">—</span>;
  return <span title={`${manager.name} last wrote to the object at ${manager.time}`}>{ago(manager.time)}</span>;
}

/** A missing object's report is one change with the empty path: the whole object is declared and absent. */
const isWholeObject = (c: FieldChange) => c.path === '';

function Row({ c, owner, ignored }: { c: FieldChange; owner: ObjectKind | undefined; ignored?: boolean }) {
  const whole = isWholeObject(c);
  const redacted = changeMayBeRedacted(owner, c.path);
  return (
    <tr
      data-testid={ignored ? 'ignored-row' : 'field-row'}
      data-path={c.path}
      data-whole-object={whole ? 'true' : undefined}
      className={ignored ? styles.ignoredRow : undefined}
    >
      <td className="wrap">
        {whole ? (
          <span className={styles.wholeObject} data-testid="field-path">
            (the whole object)
          </span>
        ) : (
          <code data-testid="field-path">{c.path}</code>
        )}
        {c.reason === 'order' && <span className="muted"> (order)</span>}
        {ignored && (
          <span className={styles.ignoredBy} data-testid="ignored-by">
            <span className={styles.ignoredTag}>ignored</span> by {c.ignoredBy ?? 'an ignore rule'}
          </span>
        )}
      </td>
      <td>
        <span className={`op op-${c.op}`}>{OP_LABEL[c.op]}</span>
      </td>
      {whole && c.op === 'missing' ? (
        <>
          <td>declared</td>
          <td>not in the cluster</td>
          <td data-testid="field-manager">
            <span className="muted">—</span>
          </td>
        </>
      ) : (
        <>
          <td className="wrap" data-testid="field-desired">
            <Value v={c.desired} redacted={redacted} />
          </td>
          <td className="wrap" data-testid="field-live">
            <Value v={c.live} redacted={redacted} />
          </td>
          <td data-testid="field-manager">
            {c.manager ? <Truncate text={`${c.manager.name} (${c.manager.operation}${c.manager.time ? `, ${c.manager.time}` : ''})`}>{c.manager.name}</Truncate> : <UnknownManager />}
          </td>
        </>
      )}
      <td data-testid="field-written">
        <LastWritten manager={c.manager} />
      </td>
    </tr>
  );
}

function Head() {
  return (
    <thead>
      <tr>
        <th scope="col" style={{ width: '28%' }}>Path</th>
        <th scope="col" style={{ width: '11%' }}>Change</th>
        <th scope="col" style={{ width: '18%' }}>Desired</th>
        <th scope="col" style={{ width: '18%' }}>Live</th>
        <th scope="col" style={{ width: '14%' }}>Manager</th>
        <th scope="col" title={WRITTEN_HELP}>
          Last written by manager
        </th>
      </tr>
    </thead>
  );
}

/**
 * One row per drifted field: path, op, desired, live, its manager and when that manager last wrote
 * to the object. A missing object's single change (path '') reads as the whole object. With
 * `status` `error` and no change, the drift is unknown, not absent. `ignored` (when given) lists
 * the changes ignore rules hid, each marked with the rule; they never count as drift.
 */
export function FieldDiffList({
  changes,
  owner,
  title = 'Drifted fields',
  status,
  ignored,
  ignoredControl,
}: {
  changes: FieldChange[];
  /** Not shown: the object's drift start is no field's time (see WRITTEN_HELP). Kept for the callers. */
  since: string;
  /**
   * The object's group and kind: only a core Secret's values can be redaction markers. Without it,
   * markers are read only at the paths where a Secret keeps its values.
   */
  owner?: ObjectKind;
  title?: string;
  status?: DriftStatus;
  ignored?: FieldChange[];
  /** The page's "show ignored" control, between the drifted fields and the ignored ones. */
  ignoredControl?: ReactNode;
}) {
  return (
    <section className="panel" aria-labelledby="fields-heading">
      <h2 id="fields-heading">
        {title} <span className="muted">({changes.length})</span>
      </h2>
      {changes.length === 0 ? (
        status === 'error' ? (
          <p className="muted" data-testid="fields-unknown">
            Not compared: which fields differ is unknown until the error above is resolved.
          </p>
        ) : (
          <p className="muted">No field differs from the desired state.</p>
        )
      ) : (
        <div className="table-scroll field-diff-box">
          <table className="data fixed field-diff" data-testid="field-diff">
            <Head />
            <tbody>
              {changes.map((c) => (
                <Row key={c.path} c={c} owner={owner} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {ignoredControl}
      {ignored && ignored.length > 0 && (
        <div className={styles.ignoredBlock} data-testid="ignored-changes">
          <h3 className={styles.ignoredHeading}>
            Hidden by ignore rules <span className="muted">({ignored.length})</span>
          </h3>
          <p className="muted">Not drift: shown on request, with the rule that hid each.</p>
          <div className="table-scroll field-diff-box">
            <table className="data fixed field-diff" data-testid="ignored-diff">
              <Head />
              <tbody>
                {ignored.map((c) => (
                  <Row key={c.path} c={c} owner={owner} ignored />
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
