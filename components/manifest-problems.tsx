'use client';
import { problemLocation } from '@/lib/client/format';
import type { ManifestProblem } from '@/lib/client/types';

/** Bad manifest files with file:line; the rest of the directory still loads. */
export function ManifestProblems({ problems, hidden = false }: { problems: ManifestProblem[]; hidden?: boolean }) {
  return (
    <section className="panel" aria-labelledby="problems-heading">
      <h2 id="problems-heading">
        Manifest problems {!hidden && <span className="muted">({problems.length})</span>}
      </h2>
      {hidden ? (
        <p className="muted">Shown to users who may see every namespace (manifest files are not tied to yours).</p>
      ) : problems.length === 0 ? (
        <p className="muted">Every manifest file loaded.</p>
      ) : (
        <ul className="plain-list" data-testid="manifest-problems">
          {problems.map((p, i) => {
            const where = problemLocation(p);
            return (
              <li key={`${where}-${i}`} className={p.severity === 'warning' ? 'problem warning' : 'problem'}>
                <code className="wrap">{where}</code> <span className="wrap">{p.message}</span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
