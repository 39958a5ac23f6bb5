/**
 * Worker threads that parse YAML manifest files for a large load. YAML is the costly part of
 * loading a manifest tree (on one core, per 1,000 Pod documents: ~60 ms on the block-YAML fast
 * path, ~0.6 s for what only the general parser reads), and on the server's own thread it would
 * hold up the watches and every request for as long, and leave its garbage there; on threads of
 * their own it runs beside them, and only the parsed objects come back. (Files of plain JSON
 * documents take the JSON fast path, which is cheaper than the trip: they never come here.)
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ParsedFile } from './manifest-parse';
import { fromWire, PARSE_WORKER_MARK, type ParseWorkerAnswer, type ParseWorkerRequest } from './manifest-parse-wire';

export interface ParseWorkerOptions {
  /** The compiled worker script: manifest-parse-worker.mjs beside the production server. */
  script: string;
  /** A load parses its first this many characters of YAML on the calling thread: a worker takes ~50 ms to start. Default 256 Ki. */
  minChars?: number;
  /**
   * Worker threads at most, for all loads of the process together (several manifest directories
   * load side by side). Default: one per core beyond the first, at least 1, at most 4.
   */
  threads?: number;
  /** A file a worker has not answered for this long fails the workers (its files are parsed inline). Default 120 s. */
  jobTimeoutMs?: number;
  /** A worker that could not start or stopped; the files it had are then parsed on the calling thread. */
  onError?: (err: unknown) => void;
  /** When a pool that parsed something is closed: what it did, for the log. */
  onFinished?: (stats: ParsePoolStats) => void;
}

export interface ParsePoolStats {
  threads: number;
  files: number;
  chars: number;
  /** Files that needed the general YAML parser (see simple-yaml.ts for what the fast path reads). */
  generalFiles: number;
  /** From the pool's start to its close. */
  ms: number;
}

export const DEFAULT_PARSE_WORKER_MIN_CHARS = 256 * 1024;

/** Files handed to one worker at a time: one to parse, one waiting, so it never idles on a message. */
const IN_FLIGHT_PER_WORKER = 2;

const DEFAULT_JOB_TIMEOUT_MS = 120_000;

/** Worker threads of all pools alive in this process. */
let threadsInUse = 0;

/** All of the process's worker threads are busy with other loads: this one parses inline. */
export class NoParseThreadsLeft extends Error {
  constructor() {
    super('every manifest parse thread is in use');
    this.name = 'NoParseThreadsLeft';
  }
}

interface Job {
  req: ParseWorkerRequest;
  resolve: (r: ParsedFile) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Job>;
}

export class ManifestParsePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private failure: Error | undefined;
  private closed = false;
  private readonly startedAt = performance.now();
  private files = 0;
  private chars = 0;
  private generalFiles = 0;
  private reserved: number;

  /** Throws NoParseThreadsLeft when other loads hold every thread the options allow. */
  constructor(private readonly options: ParseWorkerOptions) {
    const cap = options.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
    this.reserved = cap - threadsInUse;
    if (this.reserved < 1) {
      this.reserved = 0;
      throw new NoParseThreadsLeft();
    }
    threadsInUse += this.reserved;
    try {
      for (let i = 0; i < this.reserved; i++) this.slots.push(this.startWorker());
    } catch (err) {
      this.closed = true;
      for (const s of this.slots) void s.worker.terminate();
      this.release();
      throw err;
    }
  }

  /** Worker threads alive in this process, all pools together (for tests and metrics). */
  static threadsInUse(): number {
    return threadsInUse;
  }

  private release(): void {
    threadsInUse -= this.reserved;
    this.reserved = 0;
  }

  /** parseManifestText on a worker; rejects when the workers failed (the caller parses the file itself then). */
  parse(text: string, rel: string): Promise<ParsedFile> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the manifest parse workers were stopped'));
    return new Promise((resolve, reject) => {
      this.queue.push({ req: { id: this.nextId++, rel, text }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the workers; what they still had is rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rejectAll(new Error('the manifest parse workers were stopped'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.release();
    if (this.files > 0) {
      this.options.onFinished?.({ threads: this.slots.length, files: this.files, chars: this.chars, generalFiles: this.generalFiles, ms: performance.now() - this.startedAt });
    }
  }

  private startWorker(): Slot {
    const worker = new Worker(this.options.script, { workerData: PARSE_WORKER_MARK });
    const slot: Slot = { worker, inFlight: new Map() };
    worker.on('message', (msg: ParseWorkerAnswer) => {
      const job = slot.inFlight.get(msg.id);
      if (job === undefined) return;
      clearTimeout(job.timer);
      slot.inFlight.delete(msg.id);
      this.files++;
      this.chars += job.req.text.length;
      // Hand the next file over before decoding this one, so the worker is never idle meanwhile.
      this.dispatch();
      if ('error' in msg) {
        job.reject(new Error(`cannot parse: ${msg.error}`));
        return;
      }
      if (msg.general) this.generalFiles++;
      job.resolve(fromWire(msg.parsed));
    });
    worker.on('error', (err) => this.fail(err));
    worker.on('messageerror', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`a manifest parse worker stopped (exit code ${code})`));
    });
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      while (slot.inFlight.size < IN_FLIGHT_PER_WORKER && this.queue.length > 0) {
        const job = this.queue.shift() as Job;
        slot.inFlight.set(job.req.id, job);
        const ms = this.options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
        job.timer = setTimeout(() => this.fail(new Error(`no answer for ${job.req.rel} within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`)), ms);
        job.timer.unref();
        slot.worker.postMessage(job.req);
      }
    }
  }

  private fail(err: Error): void {
    if (this.failure !== undefined || this.closed) return;
    this.failure = new Error(`manifest parse worker failed: ${err.message}; parsing on the server's thread instead`, { cause: err });
    this.options.onError?.(this.failure);
    this.rejectAll(this.failure);
    for (const s of this.slots) void s.worker.terminate();
    this.release();
  }

  private rejectAll(err: Error): void {
    for (const s of this.slots) {
      for (const job of s.inFlight.values()) {
        clearTimeout(job.timer);
        job.reject(err);
      }
      s.inFlight.clear();
    }
    for (const job of this.queue.splice(0)) job.reject(err);
  }
}
