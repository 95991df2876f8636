import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Encoder } from '../encode/index.js';
import type { ErrorCode, ErrorStatus, MultiVector } from '../shared/index.js';
import { HttpError, type ProblemIssue } from './problem.js';
import type { SearchRequest } from './schemas.js';
import type { QueryResult } from './search-execution.js';

export interface SearchWorkerData {
  /** Served index name -> directory and how its encoder weights query rows. */
  readonly indexes: Readonly<Record<string, { readonly dir: string; readonly queryWeighting: Encoder['queryWeighting'] }>>;
  /** Warm-up barrier: [workers arrived, workers expected]. */
  readonly barrier: Int32Array;
}

export type SearchWorkerTask =
  | {
      readonly kind: 'search';
      readonly name: string;
      readonly body: SearchRequest;
      readonly encoded: readonly MultiVector[] | undefined;
      readonly candidates: readonly (readonly number[])[] | undefined;
    }
  | { readonly kind: 'warm' };

export interface SerializedError {
  readonly status: ErrorStatus;
  readonly code: ErrorCode;
  readonly message: string;
  readonly issues?: readonly ProblemIssue[];
  readonly stack?: string;
}

export type SearchWorkerResult = { readonly ok: true; readonly results: QueryResult[] } | { readonly ok: false; readonly error: SerializedError };

/** Searches waiting for a worker beyond this get 429 rather than growing memory without bound. */
export const SEARCH_QUEUE_LIMIT = 4096;
/** Workers only score (each keeps a read snapshot and a MaxSim buffer); more than this rarely helps a server. */
export const MAX_DEFAULT_SEARCH_THREADS = 4;

export function defaultSearchThreads(): number {
  return Math.min(os.availableParallelism(), MAX_DEFAULT_SEARCH_THREADS);
}

/**
 * Searches on worker threads, so MaxSim runs on every core and never blocks the event loop that accepts requests
 * and applies writes. Each worker opens the served indexes read-only (LMDB is shared memory-mapped; each worker
 * holds no HNSW graph and no encoder: queries arrive encoded with their candidates, gathered on the main thread that
 * owns the graph) and refreshes its read snapshot before every search, so a search started after an upsert was
 * acknowledged sees it. Workers do the expensive part: exact MaxSim, sparse scoring and fusion.
 */
export class SearchWorkerPool {
  private readonly pool: Piscina<SearchWorkerTask, SearchWorkerResult>;
  private readonly barrier: Int32Array;

  constructor(
    indexes: SearchWorkerData['indexes'],
    readonly threads: number,
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`search threads must be a positive integer, got ${threads}`);
    this.barrier = new Int32Array(new SharedArrayBuffer(8));
    this.barrier[1] = threads;
    const workerData: SearchWorkerData = { indexes, barrier: this.barrier };
    this.pool = new Piscina({
      filename: fileURLToPath(new URL('./search-worker-entry.mjs', import.meta.url)),
      workerData,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      maxQueue: SEARCH_QUEUE_LIMIT,
    });
  }

  /** Opens every index in every worker (first searches would otherwise pay for it). */
  async warm(): Promise<void> {
    const results = await Promise.all(Array.from({ length: this.threads }, () => this.pool.run({ kind: 'warm' })));
    for (const result of results) if (!result.ok) throw rebuildError(result.error);
  }

  /** Runs `executeSearch` in a worker with the main thread's `encodeRequestQueries` and `gatherCandidates`. */
  async search(
    name: string,
    body: SearchRequest,
    encoded: readonly MultiVector[] | undefined,
    candidates: readonly (readonly number[])[] | undefined,
  ): Promise<QueryResult[]> {
    let result: SearchWorkerResult;
    try {
      result = await this.pool.run({ kind: 'search', name, body, encoded, candidates });
    } catch (err) {
      if (err instanceof Error && err.message === 'Task queue is at limit') {
        throw new HttpError('search_queue_full', `more than ${SEARCH_QUEUE_LIMIT} searches are waiting; retry shortly`, { headers: { 'Retry-After': '1' } });
      }
      throw err;
    }
    if (!result.ok) throw rebuildError(result.error);
    return result.results;
  }

  /** Lets running searches finish, then stops the workers (they only read, so nothing needs saving). */
  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** The error a worker reported, as an HttpError with the same status and code, or an internal Error to log. */
function rebuildError(error: SerializedError): Error {
  if (error.status === 500) {
    const internal = new Error(`search worker: ${error.message}`);
    if (error.stack) internal.stack = error.stack;
    return internal;
  }
  return new HttpError(error.code, error.message, { ...(error.issues && { issues: error.issues }) });
}
