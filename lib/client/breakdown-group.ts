/**
 * The overview breakdown chart's "Group by", kept in the URL (`breakdown=kind`) like the
 * timeline's `stack`: a reload, back/forward and a share link keep it. The default (namespace)
 * stays out of the URL, so the plain overview link does not change.
 */
export const BREAKDOWN_PARAM = 'breakdown';
export const BREAKDOWN_GROUPS = ['namespace', 'kind', 'cluster'] as const;
export type BreakdownGroup = (typeof BREAKDOWN_GROUPS)[number];
const DEFAULT_GROUP: BreakdownGroup = 'namespace';

function isBreakdownGroup(v: string | null): v is BreakdownGroup {
  return (BREAKDOWN_GROUPS as readonly (string | null)[]).includes(v);
}

/** A missing or unknown value (a hand-edited link) reads as the default. */
export function breakdownGroupOf(sp: URLSearchParams): BreakdownGroup {
  const v = sp.get(BREAKDOWN_PARAM);
  return isBreakdownGroup(v) ? v : DEFAULT_GROUP;
}

/** The search-param patch that selects `group` (for patchSearch: undefined removes the key). */
export function breakdownPatch(group: BreakdownGroup): Record<string, string | undefined> {
  return { [BREAKDOWN_PARAM]: group === DEFAULT_GROUP ? undefined : group };
}
