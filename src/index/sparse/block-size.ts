/** Documents per sparse block unless the index asks otherwise. */
export const DEFAULT_BLOCK_SIZE = 64;
/** Block offsets are stored in one byte. */
export const MAX_BLOCK_SIZE = 256;

/** The one rule for a sparse block size: an integer in 1..MAX_BLOCK_SIZE. */
export function isBlockSize(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_BLOCK_SIZE;
}
