/**
 * Runs numbered tasks 0..n-1 of a job on worker threads that each pull the next task when done (so a core slowed
 * by other load takes fewer), or in this thread with `workers: 0`. Each worker builds its own job from the setup,
 * runs its tasks and returns one final result; a worker module is just `serveWorker(factory)`.
 */
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';

export interface WorkerJob<Final> {
  runTask(task: number): void;
  /** The worker's result over all the tasks it ran. */
  finish(): Final;
}

export type JobFactory<Setup, Final> = (setup: Setup) => WorkerJob<Final>;

export interface PoolOptions<Setup, Final> {
  /** URL of the TypeScript module that calls `serveWorker(factory)`. */
  readonly module: URL;
  /** The same factory, for `workers: 0`. */
  readonly factory: JobFactory<Setup, Final>;
  /** Structured-cloneable. */
  readonly setup: Setup;
  readonly workers: number;
}

type ToWorker = { task: number } | { finish: true };
type FromWorker = { ready: true } | { ran: number } | { done: unknown } | { error: string };

/** Every worker's final result once tasks 0..tasks-1 have each run exactly once. */
export async function runPool<Setup, Final>(options: PoolOptions<Setup, Final>, tasks: number): Promise<Final[]> {
  if (options.workers === 0) {
    const job = options.factory(options.setup);
    for (let task = 0; task < tasks; task++) job.runTask(task);
    return [job.finish()];
  }
  const entry = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url));
  let next = 0;
  const workers: Worker[] = [];
  const one = (): Promise<Final> =>
    new Promise<Final>((resolve, reject) => {
      const worker = new Worker(entry, { workerData: { module: options.module.href, setup: options.setup } });
      workers.push(worker);
      let finished = false;
      worker.on('message', (message: FromWorker) => {
        if ('error' in message) {
          reject(new Error(message.error));
        } else if ('done' in message) {
          finished = true;
          resolve(message.done as Final);
          void worker.terminate();
        } else {
          const reply: ToWorker = next < tasks ? { task: next++ } : { finish: true };
          worker.postMessage(reply);
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (!finished) reject(new Error(`worker exited with code ${code} before finishing`));
      });
    });
  try {
    return await Promise.all(Array.from({ length: options.workers }, one));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Worker side: builds the job from workerData.setup and answers the pool's messages. */
export function serveWorker<Setup, Final>(factory: JobFactory<Setup, Final>): void {
  const port = parentPort;
  if (port === null) throw new Error('serveWorker must run in a worker thread');
  const send = (message: FromWorker): void => port.postMessage(message);
  let job: WorkerJob<Final>;
  try {
    job = factory((workerData as { setup: Setup }).setup);
  } catch (error) {
    send({ error: (error as Error).stack ?? String(error) });
    return;
  }
  port.on('message', (message: ToWorker) => {
    try {
      if ('task' in message) {
        job.runTask(message.task);
        send({ ran: message.task });
      } else {
        send({ done: job.finish() });
      }
    } catch (error) {
      send({ error: (error as Error).stack ?? String(error) });
    }
  });
  send({ ready: true });
}
