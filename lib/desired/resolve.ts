/**
 * Which desired state a live object is compared with, when several sources have one: by default
 * the manifest directory (what the owners declared) over the last-applied annotation (what was
 * last applied by hand) over the owner template (what the Pod's controller would create).
 */
import { lastAppliedDesired } from './last-applied';
import { objectKeyOf, type ObjectKey } from './object-key';
import { ownerTemplateDesired, templateOwnerRef, type OwnerLookup, type OwnerLookupRef } from './owner-template';
import type { DesiredObject, DesiredSourceType, SourceProblem } from './types';

export const DEFAULT_SOURCE_ORDER: ReadonlyArray<DesiredSourceType> = ['manifest-dir', 'last-applied', 'owner-template'];

/** What resolution needs of the manifest source: lookup by key (a ManifestIndex fits). */
export interface DesiredLookup {
  get(key: ObjectKey): DesiredObject | undefined;
}

export interface ResolveOptions {
  manifestIndex?: DesiredLookup;
  /** Needed for owner templates; without it that source never applies. */
  ownerLookup?: OwnerLookup;
  /** Sources to consult, first match wins. Leaving one out disables it. */
  order?: ReadonlyArray<DesiredSourceType>;
}

interface ResolutionBase {
  /** Sources that apply but could not be used (malformed annotation, owner not found), in order. */
  problems: SourceProblem[];
  /**
   * Objects whose change changes this result: the Pod's template owner, whenever that source was
   * consulted. Re-resolve the Pod when one of them is added, updated or deleted.
   */
  dependsOn: OwnerLookupRef[];
}

export type Resolution =
  | (ResolutionBase & {
      status: 'resolved';
      desired: DesiredObject;
      /** Caveats of the chosen source (a Pod at an older StatefulSet revision, ...). */
      warnings: string[];
    })
  | (ResolutionBase & { status: 'unmanaged' });

export function resolveDesired(live: unknown, options: ResolveOptions = {}): Resolution {
  const problems: SourceProblem[] = [];
  const dependsOn: OwnerLookupRef[] = [];
  const key = objectKeyOf(live);
  if (key === undefined) {
    return { status: 'unmanaged', problems: [{ source: 'manifest-dir', message: 'the live object has no apiVersion, kind or name' }], dependsOn };
  }
  for (const source of options.order ?? DEFAULT_SOURCE_ORDER) {
    switch (source) {
      case 'manifest-dir': {
        const d = options.manifestIndex?.get(key);
        if (d !== undefined) return { status: 'resolved', desired: d, warnings: [], problems, dependsOn };
        break;
      }
      case 'last-applied': {
        const r = lastAppliedDesired(live);
        if (r === undefined) break;
        if (r.ok) return { status: 'resolved', desired: r.desired, warnings: [], problems, dependsOn };
        problems.push({ source, message: r.message });
        break;
      }
      case 'owner-template': {
        if (options.ownerLookup === undefined) break;
        const ref = templateOwnerRef(live);
        if (ref === undefined) break;
        dependsOn.push(ref);
        const r = ownerTemplateDesired(live, options.ownerLookup(ref));
        if (r === undefined) break;
        if (r.ok) return { status: 'resolved', desired: r.desired, warnings: r.warnings, problems, dependsOn };
        problems.push({ source, message: r.message });
        break;
      }
    }
  }
  return { status: 'unmanaged', problems, dependsOn };
}
