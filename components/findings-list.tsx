'use client';
/** Flapping fields, manager fights and reconcile loops from the history store. */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { fetchFindings } from '@/lib/client/api';
import { timeAgo } from '@/lib/client/format';
import { formatObjectId, objectHref } from '@/lib/client/object-id';
import type { FindingJson } from '@/lib/client/types';
import { Truncate } from './truncate';

const TITLES = { flapping: 'Flapping fields', fight: 'Managers fighting over a field', 'reconcile-loop': 'Reconcile loops' } as const;

export function FindingsList() {
  const q = useQuery({ queryKey: ['history', 'findings'], queryFn: ({ signal }) => fetchFindings({ limit: 200 }, signal) });
  const findings: FindingJson[] = q.data?.available ? q.data.data.findings : [];
  return (
    <section className="panel" aria-labelledby="findings-heading" data-testid="findings">
      <h2 id="findings-heading">Flapping fields and reconcile loops</h2>
      {q.isPending && <p className="muted">Loading…</p>}
      {q.isError && <p className="msg-danger">Findings could not be loaded: {q.error.message}</p>}
      {q.data && !q.data.available && <p className="muted">{q.data.reason}</p>}
      {q.data?.available && findings.length === 0 && <p className="muted">No flapping fields, fights or reconcile loops in the recorded history.</p>}
      {(['fight', 'flapping', 'reconcile-loop'] as const).map((kind) => {
        const list = findings.filter((f) => f.kind === kind);
        if (list.length === 0) return null;
        return (
          <div key={kind}>
            <h3 className="subhead">{TITLES[kind]}</h3>
            <table className="data fixed">
              <thead>
                <tr>
                  <th scope="col" style={{ width: '32%' }}>Object</th>
                  <th scope="col" style={{ width: '30%' }}>{kind === 'reconcile-loop' ? 'Writes' : 'Field'}</th>
                  <th scope="col" style={{ width: '22%' }}>Managers</th>
                  <th scope="col">Last</th>
                </tr>
              </thead>
              <tbody>
                {list.map((f) => {
                  const id = formatObjectId(f.object);
                  const label = `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`;
                  return (
                    <tr key={`${id}|${f.path}|${f.firstAt}`}>
                      <td>
                        <Link href={objectHref(id)}>
                          <Truncate text={label} />
                        </Link>
                      </td>
                      <td>
                        <Truncate text={f.path || `${f.count} writes without a spec change`}>
                          <code>{f.path || `${f.count} rewrites`}</code>
                        </Truncate>
                      </td>
                      <td>
                        <Truncate text={f.managers.join(', ')} />
                      </td>
                      <td title={f.lastAt}>
                        {f.count}× · {timeAgo(f.lastAt)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        );
      })}
    </section>
  );
}
