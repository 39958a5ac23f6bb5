import { toKubeObject, type KubeObject } from './cache-diff';

/**
 * Splits a byte stream into lines. Watch responses are newline-delimited JSON, and chunks end
 * anywhere: in the middle of a line, of a multi-byte UTF-8 character, or of a very large object.
 * Bytes are kept until their line is complete and only then decoded.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** @param maxLineBytes guard against a stream that never sends a newline. */
  constructor(private readonly maxLineBytes = 64 * 1024 * 1024) {}

  /** The complete, non-empty lines this chunk finishes, in order. */
  push(chunk: Uint8Array | string): string[] {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const lines: string[] = [];
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      let bytes = buf.subarray(start, nl);
      if (this.pending.length > 0) {
        bytes = Buffer.concat([...this.pending, bytes]);
        this.pending = [];
        this.pendingBytes = 0;
      }
      const line = decodeLine(bytes);
      if (line.length > 0) lines.push(line);
      start = nl + 1;
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxLineBytes) {
        this.pending = [];
        this.pendingBytes = 0;
        throw new WatchProtocolError(`a watch line exceeds ${this.maxLineBytes} bytes`);
      }
      // Copy: the caller's chunk may be reused, and a subarray would pin all of it.
      this.pending.push(Buffer.from(rest));
    }
    return lines;
  }

  /** An unterminated last line, if the stream ended in the middle of one. */
  rest(): string | undefined {
    if (this.pending.length === 0) return undefined;
    const line = decodeLine(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
    return line.length > 0 ? line : undefined;
  }
}

function decodeLine(bytes: Buffer): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end).trim();
}

export class WatchProtocolError extends Error {
  override name = 'WatchProtocolError';
}

/** One decoded line of a watch stream. */
export type WatchMessage =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject }
  | { type: 'BOOKMARK'; resourceVersion: string }
  /** A Status object: code 410 means the resourceVersion is too old and the client must relist. */
  | { type: 'ERROR'; code: number; reason: string; message: string };

/** Parses one line of a watch stream; throws WatchProtocolError for anything malformed. */
export function parseWatchLine(line: string): WatchMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    // The line's text is not quoted: it reaches /api/v1/resources and the log, and a Secret's
    // event carries its values.
    throw new WatchProtocolError(`watch line is not JSON (${line.length} characters)`);
  }
  if (!isRecord(parsed) || typeof parsed.type !== 'string') {
    throw new WatchProtocolError(`watch line has no type (${line.length} characters)`);
  }
  const { type, object } = parsed;
  switch (type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED': {
      const obj = toKubeObject(object);
      if (!obj) throw new WatchProtocolError(`${type} event without an object with metadata.name`);
      return { type, object: obj };
    }
    case 'BOOKMARK': {
      const rv = isRecord(object) && isRecord(object.metadata) ? object.metadata.resourceVersion : undefined;
      if (typeof rv !== 'string' || rv === '') throw new WatchProtocolError('BOOKMARK event without a resourceVersion');
      return { type, resourceVersion: rv };
    }
    case 'ERROR': {
      const status = isRecord(object) ? object : {};
      return {
        type,
        code: typeof status.code === 'number' ? status.code : 0,
        reason: typeof status.reason === 'string' ? status.reason : 'Unknown',
        message: typeof status.message === 'string' ? status.message : 'watch error without a message',
      };
    }
    default:
      throw new WatchProtocolError(`unknown watch event type ${type}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
