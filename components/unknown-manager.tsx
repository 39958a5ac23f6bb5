import { UNKNOWN_MANAGER, UNKNOWN_MANAGER_HELP } from '@/lib/client/manager';

/** A drifted field's writer that managedFields do not name: the same muted word in every view. */
export function UnknownManager() {
  return (
    <span className="muted" title={UNKNOWN_MANAGER_HELP}>
      {UNKNOWN_MANAGER}
    </span>
  );
}
