/**
 * Reads single objects in the version their desired state is written for (lib/live/version-reads.ts
 * says why), a few at a time. Per object: one read at a time, and only the newest request waits (an
 * object that keeps changing is read as it is when its turn comes, not once per change); a read
 * that fails (a conversion webhook down, a timeout) is tried again, backing off, until it works
 * or is no longer wanted. A missing object is not retried: its delete event follows.
 */
import { Backoff } from '../kube/backoff';
import type { KubeObject } from '../kube/cache-diff';
import type { ApiResource } from '../kube/discovery';
import { describeKubeError } from '../kube/errors';
import type { VersionRead, VersionReadRequest } from './version-reads';

export interface VersionReaderOptions {
  /** The resource serving `kind` in `apiVersion`, or why there is none. Throws when that cannot be found out now. */
  resourceIn: (apiVersion: string, kind: string) => Promise<ApiResource | string>;
  /** One object in the resource's version; undefined when it does not exist. */
  read: (resource: ApiResource, namespace: string | undefined, name: string) => Promise<KubeObject | undefined>;
  answer: (request: VersionReadRequest, result: VersionRead) => void;
  log?: (message: string) => void;
  /** Reads in flight at once. Default 4. */
  concurrency?: number;
  /** Retries of failed reads. Default 2 s doubling to 5 minutes. */
  retry?: { initialMs: number; maxMs: number };
}

export class VersionReader {
  /** Requests waiting for a turn, oldest first; a newer request of an object keeps its place. */
  private readonly queue = new Map<string, VersionReadRequest>();
  /** The newest request of each object still wanted (waiting, in flight or failed and to be retried). */
  private readonly wanted = new Map<string, VersionReadRequest>();
  private readonly inFlight = new Set<string>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly backoffs = new Map<string, Backoff>();
  /** Bumped by stop(): reads begun before it answer no one. */
  private generation = 0;
  /** Reads done, by outcome (for metrics). */
  readonly counts = { ok: 0, failed: 0, gone: 0 };

  constructor(private readonly opts: VersionReaderOptions) {}

  request(request: VersionReadRequest): void {
    this.wanted.set(request.id, request);
    clearTimeout(this.retries.get(request.id));
    this.retries.delete(request.id);
    // In flight: it goes out once that read is done.
    if (!this.inFlight.has(request.id)) this.queue.set(request.id, request);
    this.pump();
  }

  /** The object's reads are no longer wanted. */
  cancel(id: string): void {
    this.wanted.delete(id);
    this.queue.delete(id);
    this.backoffs.delete(id);
    clearTimeout(this.retries.get(id));
    this.retries.delete(id);
  }

  /** Drops every request and the answers of reads under way; later requests are served again. */
  stop(): void {
    this.generation++;
    this.queue.clear();
    this.wanted.clear();
    this.inFlight.clear();
    this.backoffs.clear();
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
  }

  private pump(): void {
    const limit = Math.max(1, this.opts.concurrency ?? 4);
    while (this.inFlight.size < limit && this.queue.size > 0) {
      const [id, request] = this.queue.entries().next().value as [string, VersionReadRequest];
      this.queue.delete(id);
      this.inFlight.add(id);
      const generation = this.generation;
      void this.readOne(request).then((result) => {
        if (generation !== this.generation) return;
        this.inFlight.delete(id);
        this.done(request, result);
        this.pump();
      });
    }
  }

  private done(request: VersionReadRequest, result: VersionRead): void {
    const { id } = request;
    this.counts[result.ok ? 'ok' : result.gone ? 'gone' : 'failed']++;
    const newest = this.wanted.get(id);
    if (newest === request) {
      if (result.ok || result.gone) {
        this.wanted.delete(id);
        this.backoffs.delete(id);
      } else {
        this.scheduleRetry(request);
      }
    } else if (newest) {
      // Asked again while this one was out: that request's turn now.
      this.queue.set(id, newest);
    }
    try {
      this.opts.answer(request, result);
    } catch (err) {
      (this.opts.log ?? console.error)(`reading ${request.kind} ${request.name} as ${request.apiVersion}: the answer's handler failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private scheduleRetry(request: VersionReadRequest): void {
    const { id } = request;
    let backoff = this.backoffs.get(id);
    if (!backoff) {
      backoff = new Backoff({ initialMs: this.opts.retry?.initialMs ?? 2_000, maxMs: this.opts.retry?.maxMs ?? 300_000, factor: 2, jitter: 0.3 });
      this.backoffs.set(id, backoff);
    }
    const timer = setTimeout(() => {
      this.retries.delete(id);
      if (this.wanted.get(id) !== request) return;
      this.queue.set(id, request);
      this.pump();
    }, backoff.next());
    timer.unref();
    this.retries.set(id, timer);
  }

  private async readOne(request: VersionReadRequest): Promise<VersionRead> {
    try {
      const resource = await this.opts.resourceIn(request.apiVersion, request.kind);
      if (typeof resource === 'string') return { ok: false, message: resource };
      const object = await this.opts.read(resource, request.namespace, request.name);
      return object ? { ok: true, object } : { ok: false, gone: true, message: `not found as ${request.apiVersion}` };
    } catch (err) {
      return { ok: false, message: `could not read it as ${request.apiVersion}: ${describeKubeError(err)}` };
    }
  }
}
