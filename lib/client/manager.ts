/**
 * How every view names the writer of a drifted field that no managedFields entry owns: a field
 * removed live has no owner left, and a write by a client that sent no field manager is owned by
 * nobody. One wording everywhere (table, object page, embeds), so the same change never reads as
 * blank in one view, "unknown" in another and "—" in a third.
 */
export const UNKNOWN_MANAGER = 'unknown';

/** The muted "unknown"'s tooltip: why no name is shown. */
export const UNKNOWN_MANAGER_HELP = 'No managedFields entry owns this change (a field removed live has no owner left), so its writer is not known';

/**
 * The manager filter's value for objects whose drifted fields name no manager. Parenthesised, as
 * the namespace filter's "(cluster-scoped)", so that it reads as no manager's own name.
 */
export const UNKNOWN_MANAGER_FACET = '(unknown)';
