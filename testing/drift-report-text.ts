import type { DriftReport } from '../lib/drift';

/** A report's changes as one line of JSON, for an assertion's message. */
export function describeChanges(r: DriftReport): string {
  return JSON.stringify(r.changes.map((c) => ({ path: c.path, op: c.op, desired: c.desired, live: c.live, manager: c.manager?.name })));
}
