import { InvalidArgumentError } from 'commander';
import { isBlockSize, MAX_BLOCK_SIZE } from '../index/index.js';
import type { FusionMethod } from '../search/index.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** Documents per sparse block (the index's rule, `isBlockSize`). */
export function sparseBlockSize(value: string): number {
  const n = Number(value);
  if (!isBlockSize(n)) throw new InvalidArgumentError(`expected an integer in 1..${MAX_BLOCK_SIZE}, got "${value}"`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return n;
}

export function unitInterval(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a number in [0, 1], got "${value}"`);
  return n;
}

/** The retrieval flags shared by `search` and `eval`. */
export interface RetrievalFlags {
  readonly mode: 'late' | 'sparse' | 'hybrid';
  readonly exhaustive?: boolean;
  readonly candidates?: number;
  readonly fusion?: FusionMethod;
  readonly lateWeight?: number;
  readonly alpha?: number;
  readonly beta?: number;
}

/** Maps the retrieval flags onto the retriever's options for `k` results. */
export function retrieveOptions(flags: RetrievalFlags, k: number) {
  return {
    k,
    mode: flags.mode,
    exhaustive: flags.exhaustive === true,
    ...(flags.candidates !== undefined && { candidatesPerToken: flags.candidates }),
    ...(flags.alpha !== undefined && { alpha: flags.alpha }),
    ...(flags.beta !== undefined && { beta: flags.beta }),
    fusion: {
      ...(flags.fusion !== undefined && { method: flags.fusion }),
      ...(flags.lateWeight !== undefined && { lateWeight: flags.lateWeight }),
    },
  };
}
