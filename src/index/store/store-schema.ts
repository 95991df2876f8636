import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { open as openLmdb, type Database, type RootDatabase } from 'lmdb';
import { IndexFormatError } from '../../shared/index.js';
import { compactionInProgress, waitForCompaction } from './compaction-marker.js';
import { asStoreDamage, checkStoreFile } from './store-damage.js';
import type { DocRecord, StoreState } from './store-records.js';

/** LMDB environment file inside the index directory (lmdb-js also creates `store.mdb-lock`). */
export const STORE_FILE = 'store.mdb';
const STATE_KEY = 'state';

/**
 * The index's LMDB environment (`store.mdb`, the source of truth) with the named databases of its document table
 * and its bookkeeping, typed:
 *
 * | database | key -> value | |
 * | --- | --- | --- |
 * | `ids` | external id -> internal id | document table |
 * | `docs` | internal id -> `DocRecord` (fields, df terms, step counts, vector count) | document table |
 * | `vectors` | internal id -> the codec's packed rows | document table |
 * | `vectorCounts` | internal id -> stored row count (the small record scanned at open) | document table |
 * | `df` | encoder token -> live documents holding it | document table |
 * | `changedDocs` | sequence -> internal ids that transaction wrote or removed | change log |
 * | `meta` | `state` -> `StoreState` | bookkeeping |
 *
 * Components keep their own databases in the same environment, so one transaction covers them all:
 * `rowLabels`, `vectorLabels`, `labelOwners`, `retired` (DistinctVectorTable), `sparse.*` (SparseStore),
 * `exactTokenIds`, `exactTokens` (ExactTokenStore), `codec` (CodecState).
 */
export class StoreSchema {
  readonly env: RootDatabase;
  /** The environment file, for error messages. */
  readonly file: string;
  readonly ids: Database<number, string>;
  readonly docs: Database<DocRecord, number>;
  readonly vectors: Database<Uint8Array, number>;
  readonly vectorCounts: Database<number, number>;
  readonly df: Database<number, string>;
  readonly meta: Database<StoreState, string>;
  /** Absent in read-only opens of indexes that predate the log. */
  readonly changedDocs: Database<number[], number> | undefined;

  private constructor(file: string, env: RootDatabase) {
    this.file = file;
    this.env = env;
    this.ids = env.openDB<number, string>({ name: 'ids' });
    this.docs = env.openDB<DocRecord, number>({ name: 'docs', keyEncoding: 'uint32' });
    this.vectors = env.openDB<Uint8Array, number>({ name: 'vectors', keyEncoding: 'uint32', encoding: 'binary' });
    this.vectorCounts = env.openDB<number, number>({ name: 'vectorCounts', keyEncoding: 'uint32' });
    this.df = env.openDB<number, string>({ name: 'df' });
    this.meta = env.openDB<StoreState, string>({ name: 'meta' });
    // lmdb-js returns no handle for a named database a read-only environment lacks.
    this.changedDocs = (env.openDB<number[], number>({ name: 'changedDocs', keyEncoding: 'uint32' }) as Database<number[], number> | undefined) ?? undefined;
  }

  /**
   * Opens the environment of the index in `dir`. An existing file is checked before LMDB maps it (its meta pages;
   * with `checkTrees`, also every tree page), and a file LMDB cannot open is reported as `index_corrupt` (see
   * store-damage.ts). Waits while another process swaps in a compacted file (compaction-marker.ts). `pageSize`
   * applies to a new file only.
   */
  static async open(dir: string, readOnly: boolean, checkTrees: boolean, pageSize?: number): Promise<StoreSchema> {
    const file = join(dir, STORE_FILE);
    for (;;) {
      await waitForCompaction(file);
      if (existsSync(file)) checkStoreFile(file, checkTrees);
      let env: RootDatabase | undefined;
      try {
        env = openLmdb({ path: file, maxDbs: 32, readOnly, ...(pageSize !== undefined && { pageSize }) });
        // A compaction that started while this process opened: its swap may have replaced the file just mapped.
        if (compactionInProgress(file)) {
          await env.close();
          continue;
        }
        return new StoreSchema(file, env);
      } catch (err) {
        await env?.close();
        throw asStoreDamage(err, file);
      }
    }
  }

  /**
   * Creates the environment of a new index with its first bookkeeping record. `pageSize` (bytes, fixed for the
   * file's life) is larger for indexes whose documents' payloads exceed a 4 KiB page (PLAID codes), so that they
   * are packed into full pages instead of one overflow run each.
   */
  static async create(dir: string, now: string, pageSize?: number): Promise<StoreSchema> {
    const schema = await StoreSchema.open(dir, false, false, pageSize);
    schema.meta.putSync(STATE_KEY, {
      nextInternalId: 0,
      nextLabel: 0,
      sequence: 0,
      documents: 0,
      vectors: 0,
      vectorBytes: 0,
      labels: 0,
      stepCounts: [],
      updatedAt: now,
      retiredLogFrom: 0,
      changeLogFrom: 0,
    });
    return schema;
  }

  /** The bookkeeping record as LMDB holds it (inside a write transaction: including its uncommitted writes). */
  state(): StoreState {
    const stored = this.meta.get(STATE_KEY);
    if (!stored) throw new IndexFormatError('corrupt_store', `${this.file}: bookkeeping record "state" is missing`);
    return stored;
  }

  /** Inside a write transaction: the bookkeeping record the transaction commits. */
  putState(state: StoreState): void {
    this.meta.putSync(STATE_KEY, state);
  }

  /** Runs `action` in one synchronous LMDB write transaction. */
  transaction<T>(action: () => T): T {
    return this.env.transactionSync(action);
  }

  /** lmdb-js keeps a read snapshot until the next macrotask; this starts a fresh one, to see other processes' commits. */
  freshSnapshot(): void {
    this.env.resetReadTxn();
  }

  close(): Promise<void> {
    return this.env.close();
  }
}

/** A writable copy of a bookkeeping record. */
export function copyState(state: StoreState): StoreState {
  return { ...state, stepCounts: [...state.stepCounts] };
}

/** The bookkeeping once the catch-up logs (the token-vector index's and the change log) start at `sequence`. */
export function logsPrunedTo(state: StoreState, sequence: number): StoreState {
  return {
    ...state,
    retiredLogFrom: Math.max(state.retiredLogFrom ?? 0, sequence),
    ...(state.changeLogFrom !== undefined && { changeLogFrom: Math.max(state.changeLogFrom, sequence) }),
  };
}
