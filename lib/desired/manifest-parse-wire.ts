/**
 * How a manifest parse worker's requests and answers travel (manifest-parse-worker.ts serves
 * them, manifest-parse-pool.ts sends and reads them).
 */
import type { ParsedFile } from './manifest-parse';
import type { ManifestProblem } from './types';

export interface ParseWorkerRequest {
  id: number;
  /** Relative path, for the problems it reports. */
  rel: string;
  text: string;
}

/** What the pool passes as workerData, so the entry serves only the thread it was started for. */
export const PARSE_WORKER_MARK = 'driftwatch-manifest-parse-worker';

/**
 * A parsed file as it travels back: the manifests as one JSON text. The receiving thread's
 * JSON.parse takes a third of the time structured cloning the objects does (their
 * deserialisation is what the worker is there to spare that thread); the parse guarantees every
 * manifest is JSON (manifest-parse.ts toJson), so nothing is lost on the way. Revisions are
 * computed by the worker too.
 */
export interface WireParsedFile {
  problems: ManifestProblem[];
  lines: number[];
  revisions: string[];
  manifests: string;
}

/** `general`: the file needed the general YAML parser (not a fast path), about ten times slower. */
export type ParseWorkerAnswer = { id: number; parsed: WireParsedFile; general: boolean } | { id: number; error: string };

export function toWire(parsed: ParsedFile, revisionOf: (manifest: Record<string, unknown>) => string): WireParsedFile {
  const { objects, problems } = parsed;
  return {
    problems,
    lines: objects.map((o) => o.line),
    revisions: objects.map((o) => revisionOf(o.manifest)),
    manifests: JSON.stringify(objects.map((o) => o.manifest)),
  };
}

export function fromWire(wire: WireParsedFile): ParsedFile {
  const manifests = JSON.parse(wire.manifests) as Array<Record<string, unknown>>;
  return {
    objects: manifests.map((manifest, i) => ({ manifest, line: wire.lines[i] as number, revision: wire.revisions[i] as string })),
    problems: wire.problems,
  };
}
