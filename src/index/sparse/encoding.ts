/**
 * Byte layouts of the sparse store's LMDB values. All multi-byte integers are little-endian.
 *
 * - posting block of (term, block): `[offsets: u8 x n][impacts: u8 x n]`, offsets = internalId - block x blockSize,
 *   strictly ascending, so a whole block of one term is scored with one read.
 * - term blocks: `[df: u32][n: u32][blocks: u32 x n][maxima: u8 x n]`, blocks strictly ascending.
 * - document: `[length: u32][n: u32][termIds: u32 x n]`, the distinct terms the document has postings for.
 */

/** Bits of a posting key reserved for the block number; term ids use the remaining 27 bits below 2^53. */
const BLOCK_BITS = 26;
const BLOCK_RADIX = 2 ** BLOCK_BITS;
/** Exclusive bound of block numbers representable in a posting key. */
export const MAX_BLOCKS = BLOCK_RADIX;
/** Exclusive bound of term ids representable in a posting key. */
export const MAX_TERM_ID = 2 ** 27;

/** Numeric LMDB key of a (term, block) posting list: orders by term, then block. */
export function postingKey(termId: number, block: number): number {
  return termId * BLOCK_RADIX + block;
}

export function termOfPostingKey(key: number): number {
  return Math.floor(key / BLOCK_RADIX);
}

export function blockOfPostingKey(key: number): number {
  return key % BLOCK_RADIX;
}

export function encodePostingBlock(offsets: ArrayLike<number>, impacts: ArrayLike<number>, count: number): Uint8Array {
  const out = new Uint8Array(2 * count);
  for (let i = 0; i < count; i++) {
    out[i] = offsets[i]!;
    out[count + i] = impacts[i]!;
  }
  return out;
}

export interface DecodedTermBlocks {
  df: number;
  blocks: Uint32Array;
  maxima: Uint8Array;
}

export function encodeTermBlocks(df: number, blocks: Uint32Array, maxima: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(8 + 5 * count);
  const view = new DataView(out.buffer);
  view.setUint32(0, df, true);
  view.setUint32(4, count, true);
  for (let i = 0; i < count; i++) view.setUint32(8 + 4 * i, blocks[i]!, true);
  out.set(maxima.subarray(0, count), 8 + 4 * count);
  return out;
}

export function decodeTermBlocks(bytes: Uint8Array): DecodedTermBlocks {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const df = view.getUint32(0, true);
  const count = view.getUint32(4, true);
  const blocks = new Uint32Array(count);
  for (let i = 0; i < count; i++) blocks[i] = view.getUint32(8 + 4 * i, true);
  // Copy: `bytes` may be a Node Buffer (whose slice is a view) over lmdb's reused read buffer.
  const maxima = new Uint8Array(count);
  maxima.set(bytes.subarray(8 + 4 * count, 8 + 5 * count));
  return { df, blocks, maxima };
}

export interface DecodedDocument {
  length: number;
  termIds: Uint32Array;
}

export function encodeDocument(length: number, termIds: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(8 + 4 * termIds.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, length, true);
  view.setUint32(4, termIds.length, true);
  for (let i = 0; i < termIds.length; i++) view.setUint32(8 + 4 * i, termIds[i]!, true);
  return out;
}

export function decodeDocument(bytes: Uint8Array): DecodedDocument {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(4, true);
  const termIds = new Uint32Array(count);
  for (let i = 0; i < count; i++) termIds[i] = view.getUint32(8 + 4 * i, true);
  return { length: view.getUint32(0, true), termIds };
}

/** Index of `value` in the ascending `sorted[0..count)`, or -(insertion point) - 1 when absent. */
export function binarySearch(sorted: Uint32Array, count: number, value: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v < value) lo = mid + 1;
    else if (v > value) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}
