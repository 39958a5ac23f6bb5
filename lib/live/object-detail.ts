import { toDisplayObject, type DisplayObject } from '../drift/display';
import { withMaskedStatusMessages } from '../health/pod-health';
import type { FieldChange } from '../drift';
import type { LiveRuntime } from './runtime';
import { parseObjectId, type ObjectDriftState } from './types';

export interface ObjectDetail {
  state: Omit<ObjectDriftState, 'ignored'>;
  /** The desired manifest the object was compared with (Secret values redacted). */
  desired?: DisplayObject;
  /** The live object as last seen (Secret values redacted, volatile paths listed). */
  live?: DisplayObject;
  /** Changes that ignore rules hid: only with showIgnored, otherwise just their number. */
  ignored?: FieldChange[];
  ignoredCount: number;
  /** Where the ignored changes are (paths only, always): the YAML diff leaves them out unless asked. */
  ignoredPaths?: string[];
}

/**
 * An object's detail as an embed token may read it: its panel names the manifest file, not the
 * server's directory it lives in (an absolute path on the dashboard's host).
 */
export function embeddableDetail(d: ObjectDetail): ObjectDetail {
  const source = d.state.source;
  if (source?.root === undefined) return d;
  const { root: _root, ...rest } = source;
  return { ...d, state: { ...d.state, source: rest } };
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
    // A Pod's status may quote its log (termination messages): masked as logs are.
    ...(inputs.live ? { live: toDisplayObject(withMaskedStatusMessages(inputs.live)) } : {}),
    ...(opts.showIgnored ? { ignored } : {}),
    ignoredCount: ignored.length,
    ignoredPaths: ignored.map((c) => c.path),
  };
}

/**
 * Ids of objects the caller may have meant by one that has no state: the same name and namespace,
 * the kind in another case or another group (`deployment` for `apps/Deployment`), at most three.
 */
export function similarObjectIds(runtime: LiveRuntime, id: string, visible: (state: ObjectDriftState) => boolean): string[] {
  const want = parseObjectId(id);
  if (!want) return [];
  const kind = want.kind.toLowerCase();
  const out: string[] = [];
  for (const s of runtime.states()) {
    if (s.name !== want.name || s.namespace !== want.namespace || s.kind.toLowerCase() !== kind) continue;
    if ((want.cluster !== '' && s.cluster !== want.cluster) || !visible(s)) continue;
    out.push(s.id);
    if (out.length === 3) break;
  }
  return out;
}
