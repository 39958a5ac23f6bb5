/**
 * Desired-state sources and matching desired <-> live (DESIGN "Drift semantics"): a watched
 * manifest directory, the last-applied annotation, and Pods' owner templates; see
 * docs/desired-sources.md.
 */
export type { ObjectKey } from './object-key';
export { describeObjectKey, groupOf, objectKeyOf, objectKeyString, parseObjectKey, sameObjectKey } from './object-key';
export { builtinIsNamespaced, scopeManifest, withBuiltinScopes, type IsNamespaced, type ScopeOptions, type ScopedManifest } from './namespace-scope';
export { canonicalJson, contentHash } from './content-hash';
export type {
  DesiredObject,
  DesiredSource,
  DesiredSourceType,
  LastAppliedSource,
  ManifestDirSource,
  ManifestProblem,
  OwnerRefSummary,
  OwnerTemplateSource,
  ProblemSeverity,
  SourceProblem,
} from './types';
export { parseManifestText, isListDocument, type ParsedFile, type ParsedManifest } from './manifest-parse';
export { ManifestParsePool, type ParseWorkerOptions } from './manifest-parse-pool';
export { listManifestFiles, isManifestFileName, MANIFEST_EXTENSIONS, type ManifestFileEntry, type ManifestListing } from './manifest-files';
export { findGitRepo, readDirtyFiles, readGitHead, type GitHead, type GitRepo } from './git-info';
export {
  buildManifestObjects,
  diffManifestObjects,
  ManifestIndex,
  type ManifestObject,
  type ManifestObjectsDiff,
} from './manifest-index';
export {
  loadManifestDirectory,
  ManifestDirectoryLoader,
  type ManifestDirectoryOptions,
  type ManifestGitState,
  type ManifestSnapshot,
} from './manifest-directory';
export { ManifestDirectoryWatcher, type ManifestChange, type ManifestChangeListener, type ManifestWatcherOptions } from './manifest-watcher';
export { LAST_APPLIED_ANNOTATION, lastAppliedAnnotation, lastAppliedDesired, type LastAppliedResult } from './last-applied';
export {
  controllerRefOf,
  isTemplateOwnerKind,
  ownerTemplateDesired,
  templateOwnerRef,
  type OwnerLookup,
  type OwnerLookupRef,
  type OwnerReference,
  type OwnerTemplateResult,
} from './owner-template';
export { DEFAULT_SOURCE_ORDER, resolveDesired, type DesiredLookup, type ResolveOptions, type Resolution } from './resolve';
