/**
 * A cluster filter that names a cluster the running configuration does not have. Filtered
 * silently, a typo or a shared link from before a cluster was renamed reads as "no drift"; the
 * API answers 400 with this message and the drift table shows it, in the same words.
 */

/** Names listed at most, of either kind: a fleet's hundreds would bury the mistake. */
export const MAX_LISTED_CLUSTERS = 20;

/** The asked names no configured cluster has, each once, in the order asked. */
export function unknownClusters(asked: Iterable<string>, configured: Iterable<string>): string[] {
  const known = new Set(configured);
  return [...new Set(asked)].filter((c) => !known.has(c));
}

function listed(names: readonly string[]): string {
  const more = names.length - MAX_LISTED_CLUSTERS;
  return names.slice(0, MAX_LISTED_CLUSTERS).join(', ') + (more > 0 ? ` and ${more} more` : '');
}

/**
 * `configured` undefined: for a reader who may not learn the names (an embed token, which reads
 * only its own view); the asked names are quoted, as they are the reader's own and may hold anything.
 */
export function unknownClusterMessage(unknown: readonly string[], configured: readonly string[] | undefined): string {
  const one = unknown.length === 1;
  const named = `unknown ${one ? 'cluster' : 'clusters'} ${listed(unknown.map((c) => JSON.stringify(c)))}`;
  if (configured === undefined) return `${named}: no configured cluster has ${one ? 'this name' : 'these names'}`;
  if (configured.length === 0) return `${named}: no cluster is configured`;
  const sorted = [...configured].sort();
  return `${named}: the configured ${sorted.length === 1 ? 'cluster is' : 'clusters are'} ${listed(sorted)}`;
}
