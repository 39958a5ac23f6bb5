/**
 * What every desired-state source produces: a desired manifest, where it came from, and a content
 * revision. Each drift report names its source (DESIGN "Drift semantics").
 */
import type { ObjectKey } from './object-key';

export type DesiredSourceType = 'manifest-dir' | 'last-applied' | 'owner-template';

export interface ManifestDirSource {
  type: 'manifest-dir';
  /**
   * The manifest directory as configured (made absolute, symlinks not followed, so it reads as the
   * configuration wrote it): with several directories, `file` alone names two teams' `app.yaml`
   * the same.
   */
  root: string;
  /** Path relative to the manifest directory, with forward slashes. */
  file: string;
  /** 1-based line where the object's document (or List item) starts. */
  line: number;
  /** HEAD commit of the git work tree holding the directory, when it is one. */
  commit?: string;
  /** The file differs from `commit` (modified, staged or untracked); absent when unknown. */
  dirty?: boolean;
  /**
   * The file has an error now and this document did not load from it: the object is compared with
   * the document as last loaded, and this says why (cleared once the file loads again).
   */
  stale?: string;
}

export interface LastAppliedSource {
  type: 'last-applied';
}

export interface OwnerRefSummary {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface OwnerTemplateSource {
  type: 'owner-template';
  owner: OwnerRefSummary;
}

export type DesiredSource = ManifestDirSource | LastAppliedSource | OwnerTemplateSource;

/** A desired object of any source. Manifests are shared between consumers: treat them as read-only. */
export interface DesiredObject<S extends DesiredSource = DesiredSource> {
  key: ObjectKey;
  /** objectKeyString(key), for maps. */
  id: string;
  manifest: Readonly<Record<string, unknown>>;
  source: S;
  /** contentHash(manifest): equal revisions mean equal desired state. */
  revision: string;
}

export type ProblemSeverity = 'error' | 'warning';

/**
 * A problem with one manifest file or document. Errors mean the document was not loaded; warnings
 * mean it was loaded with an assumption (unknown scope, ignored namespace).
 */
export interface ManifestProblem {
  /** Path relative to the manifest directory, forward slashes; '' for the directory itself. */
  file: string;
  /** 1-based; 0 when the problem concerns the whole file or directory. */
  line: number;
  /** 1-based, when known. */
  column?: number;
  message: string;
  severity: ProblemSeverity;
  /**
   * Set on errors about one document's identity (not an object; apiVersion, kind, name or
   * namespace missing or invalid): it was read in full and declares no object, so it hides none.
   */
  identity?: true;
}

/** A problem of a source that reads from the live object (malformed annotation, unknown owner). */
export interface SourceProblem {
  source: DesiredSourceType;
  message: string;
}
