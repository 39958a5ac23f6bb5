/**
 * Reading one manifest file for the directory loader: its text and a hash of its bytes, or why
 * there is none.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { errorCode } from './manifest-files';

export interface ManifestFileRequest {
  abs: string;
  maxBytes: number;
  /** The hash of the bytes parsed last time: equal bytes are not decoded again. */
  knownTextHash?: string;
}

export type ManifestFileRead =
  /** Deleted between listing and reading: the next scan will not list it. */
  | { kind: 'gone' }
  | { kind: 'unreadable'; message: string }
  | { kind: 'unchanged'; textHash: string }
  | { kind: 'text'; textHash: string; text: string };

export async function readManifestFile(req: ManifestFileRequest): Promise<ManifestFileRead> {
  let bytes: Buffer;
  try {
    bytes = await readFile(req.abs);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return { kind: 'gone' };
    const reason = errorCode(e) === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e);
    return { kind: 'unreadable', message: `cannot read: ${reason}` };
  }
  if (bytes.length > req.maxBytes) {
    return { kind: 'unreadable', message: `file is ${bytes.length} bytes, more than the ${req.maxBytes} bytes read per manifest file` };
  }
  const textHash = createHash('sha256').update(bytes).digest('hex');
  // Touched but not changed (editors, git checkout of the same content): the caller keeps its
  // parse, and with it the objects' identity, so nothing downstream sees a change.
  if (req.knownTextHash === textHash) return { kind: 'unchanged', textHash };
  return { kind: 'text', textHash, text: bytes.toString('utf8') };
}
