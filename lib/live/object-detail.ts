import { toDisplayObject, type DisplayObject } from '../drift/display';
import type { FieldChange } from '../drift';
import type { LiveRuntime } from './runtime';
import type { ObjectDriftState } from './types';

export interface ObjectDetail {
  state: Omit<ObjectDriftState, 'ignored'>;
  /** The desired manifest the object was compared with (Secret values redacted). */
  desired?: DisplayObject;
  /** The live object as last seen (Secret values redacted, volatile paths listed). */
  live?: DisplayObject;
  /** Changes that ignore rules hid: only with showIgnored, otherwise just their number. */
  ignored?: FieldChange[];
  ignoredCount: number;
}

export function objectDetail(runtime: LiveRuntime, id: string, opts: { showIgnored: boolean }): ObjectDetail | undefined {
  const found = runtime.get(id);
  if (!found) return undefined;
  const { ignored, ...stored } = found.state;
  const inputs = found.watcher.tracker.inputsOf(id);
  // Judged at read time: flipping every object of a kind when its watch fails would re-send them all.
  const stale = stored.uid === undefined ? undefined : found.watcher.staleness(stored.group, stored.kind, stored.namespace);
  const state = stale === undefined ? stored : { ...stored, warnings: [...stored.warnings, stale] };
  return {
    state,
    ...(inputs.desired ? { desired: toDisplayObject(inputs.desired.manifest) } : {}),
    ...(inputs.live ? { live: toDisplayObject(inputs.live) } : {}),
    ...(opts.showIgnored ? { ignored } : {}),
    ignoredCount: ignored.length,
  };
}
