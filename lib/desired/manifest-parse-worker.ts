/**
 * The entry point of a manifest parse worker thread (`npm run build` compiles it beside the
 * server, .next/driftwatch-server/manifest-parse-worker.mjs; manifest-parse-pool.ts starts it).
 * Each message is one file's text to parse; the answer carries the request's id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { contentHash } from './content-hash';
import { parseManifestTextNoting } from './manifest-parse';
import { PARSE_WORKER_MARK, toWire, type ParseWorkerAnswer, type ParseWorkerRequest } from './manifest-parse-wire';

const port = parentPort;
if (port === null || workerData !== PARSE_WORKER_MARK) throw new Error('manifest-parse-worker runs as a thread started by ManifestParsePool, not on its own');
port.on('message', (req: ParseWorkerRequest) => {
  let answer: ParseWorkerAnswer;
  try {
    const { parsed, general } = parseManifestTextNoting(req.text, req.rel);
    answer = { id: req.id, parsed: toWire(parsed, contentHash), general };
  } catch (err) {
    // The parser reports problems as results; a throw is a bug, still only this file's.
    answer = { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(answer);
});
