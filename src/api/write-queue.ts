import { HttpError } from './problem.js';

/**
 * One writer per index: tasks run strictly one after another (a promise-chain mutex). At most `capacity` tasks
 * wait or run at a time; beyond that `run` rejects at once with a 429 instead of queueing without bound.
 */
export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`write queue capacity must be a positive integer, got ${capacity}`);
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.pending >= this.capacity) {
      return Promise.reject(
        new HttpError(429, 'write_queue_full', `index "${this.name}" already has ${this.pending} writes queued; retry later`, {
          headers: { 'Retry-After': '1' },
        }),
      );
    }
    this.pending++;
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result.finally(() => {
      this.pending--;
    });
  }

  /** Resolves once every task accepted so far has finished. */
  async drain(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.tail;
      await seen;
    } while (seen !== this.tail);
  }
}
