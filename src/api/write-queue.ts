import { HttpError } from './problem.js';

/** Longest pause a write takes before the next one to let waiting searches through. */
const MAX_YIELD_MS = 2000;

/**
 * One writer per index: tasks run strictly one after another (a promise-chain mutex). At most `capacity` tasks
 * wait or run at a time; beyond that `run` rejects at once with a 429 instead of queueing without bound.
 * When `searchesWaiting()` says searches are in flight, each write is followed by a pause as long as the write
 * took (capped), before the next write starts: a continuous stream of writes then gets at most about half of the
 * event loop and never starves searches. The pause comes after the write's promise settles, so it never delays
 * that write's acknowledgement.
 */
export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    readonly name: string,
    readonly capacity: number,
    private readonly searchesWaiting: () => boolean = () => false,
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
        new HttpError('write_queue_full', `index "${this.name}" already has ${this.pending} writes queued; retry later`, {
          headers: { 'Retry-After': '1' },
        }),
      );
    }
    this.pending++;
    let started = 0;
    const result = this.tail.then(() => {
      started = performance.now();
      return task();
    });
    const yieldAfter = (): Promise<void> | undefined => {
      if (!this.searchesWaiting()) return undefined;
      const pause = Math.min(performance.now() - started, MAX_YIELD_MS);
      return new Promise((resolve) => setTimeout(resolve, pause));
    };
    this.tail = result.then(yieldAfter, yieldAfter);
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
