/**
 * Reads single objects in the version their desired state is written for, for the drift tracker
 * (DriftTracker.readInVersion): a kind is watched in one version, and the few manifests written for
 * another (an autoscaling/v1 HPA among autoscaling/v2 ones, a CRD mid-migration) are compared with
 * the object as the API server converts it to theirs. A few reads at a time, the latest request per
 * object only: an object that changes while its read waits is read once, as it is then.
 */
import type { KubeObject } from '../kube/cache-diff';
import type { ApiResource } from '../kube/discovery';
import { describeKubeError } from '../kube/errors';
import type { VersionRead, VersionReadRequest } from './drift-tracker';

export interface VersionReaderOptions {
  /** The resource serving `kind` in `apiVersion`, or why there is none. */
  resourceIn: (apiVersion: string, kind: string) => Promise<ApiResource | string>;
  /** One object in the resource's version; undefined when it does not exist. */
  read: (resource: ApiResource, namespace: string | undefined, name: string) => Promise<KubeObject | undefined>;
  answer: (request: VersionReadRequest, result: VersionRead) => void;
  /** Reads in flight at once. Default 4. */
  concurrency?: number;
}

export class VersionReader {
  private readonly queue = new Map<string, VersionReadRequest>();
  private running = 0;
  /** Bumped by stop(): reads begun before it answer no one. */
  private generation = 0;

  constructor(private readonly opts: VersionReaderOptions) {}

  request(request: VersionReadRequest): void {
    // The newest request for an object replaces one still waiting (and goes to the back).
    this.queue.delete(request.id);
    this.queue.set(request.id, request);
    this.pump();
  }

  /** Drops what waits and the answers of reads under way; later requests are served again. */
  stop(): void {
    this.generation++;
    this.queue.clear();
  }

  private pump(): void {
    const limit = Math.max(1, this.opts.concurrency ?? 4);
    while (this.running < limit && this.queue.size > 0) {
      const [id, request] = this.queue.entries().next().value as [string, VersionReadRequest];
      this.queue.delete(id);
      this.running++;
      void this.readOne(request, this.generation).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async readOne(request: VersionReadRequest, generation: number): Promise<void> {
    let result: VersionRead;
    try {
      const resource = await this.opts.resourceIn(request.apiVersion, request.kind);
      if (typeof resource === 'string') {
        result = { ok: false, message: resource };
      } else {
        const object = await this.opts.read(resource, request.namespace, request.name);
        // Gone since the event that asked: its delete event follows.
        result = object ? { ok: true, object } : { ok: false, message: `not found as ${request.apiVersion} (deleted meanwhile?)` };
      }
    } catch (err) {
      result = { ok: false, message: `could not read it: ${describeKubeError(err)}` };
    }
    if (generation === this.generation) this.opts.answer(request, result);
  }
}
