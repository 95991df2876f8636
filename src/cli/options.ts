import { InvalidArgumentError } from 'commander';
import type { FusionMethod } from '../search/index.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** Documents per sparse block: an integer in 1..256 (block offsets are stored in one byte). */
export function sparseBlockSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError(`expected an integer in 1..256, got "${value}"`);
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
