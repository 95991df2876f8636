import { IndexFormatError, LateIndexError } from '../../shared/index.js';
import { lmdbFileProblem } from './lmdb-file.js';

/**
 * A damaged LMDB file is refused with `index_corrupt` before LMDB maps it (`checkStoreFile`, see lmdb-file.ts), and
 * what LMDB or the record decoder report on a damaged file that passed is named the same way (`asStoreDamage`).
 */

/** What to do about a damaged store; every `index_corrupt` message ends with it. */
export const DAMAGE_REMEDY = 'restore the index directory from a copy, or rebuild it from the corpus with "lateindex index --overwrite"';

/** A commit rewrites one meta page in place; a read racing it is retried before the file is called damaged. */
const READ_ATTEMPTS = 3;
const RETRY_MS = 20;

/**
 * LMDB's error numbers that mean the file is not what it should be: MDB_PAGE_NOTFOUND, MDB_CORRUPTED, MDB_PANIC,
 * MDB_VERSION_MISMATCH, MDB_INVALID, MDB_PAGE_FULL, MDB_BAD_TXN (a transaction that met one of these).
 */
const LMDB_DAMAGE_CODES = new Set([-30797, -30796, -30795, -30794, -30793, -30786, -30782]);

/**
 * Throws `index_corrupt` when LMDB cannot map the file safely. `forWriting` also walks every tree page: a write
 * transaction over a garbled page can trip one of LMDB's assertions, which aborts the process.
 */
export function checkStoreFile(file: string, forWriting: boolean): void {
  let problem: string | undefined;
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    if (attempt > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
    problem = lmdbFileProblem(file, forWriting);
    if (problem === undefined) return;
  }
  throw storeDamaged(file, problem!);
}

/** The `index_corrupt` error for `file`, saying what is wrong and what to do. */
export function storeDamaged(file: string, problem: string, cause?: unknown): IndexFormatError {
  return new IndexFormatError('index_corrupt', `${file}: the LMDB store is damaged (${problem}); ${DAMAGE_REMEDY}`, cause === undefined ? undefined : { cause });
}

/**
 * `err`, thrown while reading stored records of `file`, as `index_corrupt` when it says the file is damaged: an
 * LMDB error of the damage kind, or a record that cannot be decoded (any error that is neither one of ours nor a
 * system error with an errno). Anything else is returned as it is.
 */
export function asStoreDamage(err: unknown, file: string): unknown {
  if (err instanceof LateIndexError || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return err;
  if (typeof code === 'number' && !LMDB_DAMAGE_CODES.has(code)) return err;
  return storeDamaged(file, typeof code === 'number' ? err.message : `a stored record cannot be decoded: ${err.message}`, err);
}
