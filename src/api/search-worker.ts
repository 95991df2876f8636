import { workerData } from 'node:worker_threads';
import { LateIndex } from '../index/index.js';
import { LateInteractionSearcher, Retriever, type QueryEncoder } from '../search/index.js';
import { LateIndexError } from '../shared/index.js';
import { HttpError, statusOf } from './problem.js';
import { executeSearch, searchModesOf, type QueryResult, type SearchContext } from './search-execution.js';
import type { SearchWorkerData, SearchWorkerResult, SearchWorkerTask } from './search-workers.js';

const { indexes, barrier } = workerData as SearchWorkerData;
const contexts = new Map<string, Promise<SearchContext>>();

/** The worker's own read-only view of a served index, opened on first use. */
function context(name: string): Promise<SearchContext> {
  let ctx = contexts.get(name);
  if (!ctx) {
    const served = indexes[name];
    if (served === undefined) throw new HttpError('index_not_found', `no index named "${name}" is served here`);
    const { dir, queryWeighting } = served;
    // Queries arrive encoded by the main thread; a text without vectors here is a bug, not a client error.
    const queries: QueryEncoder = {
      queryWeighting,
      encodeQueries: () => Promise.reject(new Error('search worker: query texts must arrive encoded')),
    };
    // The main thread opened this index with its encoder (identity checked) and owns its graph, where it gathers
    // each search's candidates: here only the store is needed.
    ctx = LateIndex.open(dir, { readOnly: true, graph: false }).then((index) => ({
      name,
      index,
      retriever: new Retriever(index, queries),
      explainer: new LateInteractionSearcher(index, { queryWeighting }),
      modes: searchModesOf(index),
    }));
    contexts.set(name, ctx);
    ctx.catch(() => contexts.delete(name));
  }
  return ctx;
}

async function search(task: SearchWorkerTask & { kind: 'search' }): Promise<QueryResult[]> {
  const ctx = await context(task.name);
  // Sees every write committed before this task started (the writer acknowledges only after commit).
  await ctx.index.refresh();
  return executeSearch(ctx, task.body, task.encoded, task.candidates);
}

/** Opens every index, then holds this worker until all workers have (so each worker gets exactly one warm-up). */
async function warm(): Promise<void> {
  try {
    await Promise.all(Object.keys(indexes).map((name) => context(name)));
  } finally {
    // Arrive even when opening failed, so the other workers do not wait for this one.
    const arrived = Atomics.add(barrier, 0, 1) + 1;
    if (arrived === barrier[1]) Atomics.notify(barrier, 0);
  }
  const deadline = Date.now() + 120_000;
  for (let seen = Atomics.load(barrier, 0); seen < barrier[1]! && Date.now() < deadline; seen = Atomics.load(barrier, 0)) {
    Atomics.wait(barrier, 0, seen, 1000);
  }
}

/** Runs one task; errors come back as data so their class, status and issues survive the thread boundary. */
export default async function runTask(task: SearchWorkerTask): Promise<SearchWorkerResult> {
  try {
    if (task.kind === 'warm') {
      await warm();
      return { ok: true, results: [] };
    }
    return { ok: true, results: await search(task) };
  } catch (err) {
    if (err instanceof LateIndexError && statusOf(err) !== 500) {
      return {
        ok: false,
        error: {
          status: statusOf(err),
          code: err.code,
          message: err.message,
          ...(err instanceof HttpError && err.issues && { issues: err.issues }),
        },
      };
    }
    const error = err instanceof Error ? err : new Error(String(err));
    return { ok: false, error: { status: 500, code: 'internal_error', message: error.message, ...(error.stack && { stack: error.stack }) } };
  }
}
