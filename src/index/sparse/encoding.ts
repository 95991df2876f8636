/**
 * Byte layouts of the sparse store's LMDB values. All multi-byte integers are little-endian.
 *
 * - posting block of (term, block): `[offsets: u8 x n][impacts: u8 x n]`, offsets = internalId - block x blockSize,
 *   strictly ascending, so a whole block of one term is scored with one read.
 * - term blocks: `[df: u32][n: u32][blocks: u32 x n][maxima: u8 x n]`, blocks strictly ascending.
 * - document: `[length: u32][n: u32][termIds: u32 x n]`, the distinct terms the document has postings for.
 * - block record (the block's forward index): `[n: u32][termIds: u32 x n][ends: u32 x n][offsets: u8 x P]
 *   [impacts: u8 x P]`, term ids strictly ascending, term i's postings at [ends[i-1], ends[i]) with offsets strictly
 *   ascending, P = ends[n-1]; the same postings as the term's posting blocks, so BMP scores a block with one read.
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

/** Postings of one block as parallel arrays sorted by term id, then offset. */
export interface BlockPostings {
  termIds: ArrayLike<number>;
  offsets: ArrayLike<number>;
  impacts: ArrayLike<number>;
  count: number;
}

export function encodeBlockRecord(postings: BlockPostings, from = 0, to = postings.count): Uint8Array {
  let terms = 0;
  for (let i = from; i < to; i++) if (i === from || postings.termIds[i] !== postings.termIds[i - 1]) terms++;
  const total = to - from;
  const out = new Uint8Array(4 + 8 * terms + 2 * total);
  const view = new DataView(out.buffer);
  view.setUint32(0, terms, true);
  const postingsAt = 4 + 8 * terms;
  let t = -1;
  for (let i = from; i < to; i++) {
    if (i === from || postings.termIds[i] !== postings.termIds[i - 1]) view.setUint32(4 + 4 * ++t, postings.termIds[i]!, true);
    view.setUint32(4 + 4 * terms + 4 * t, i - from + 1, true);
    out[postingsAt + i - from] = postings.offsets[i]!;
    out[postingsAt + total + i - from] = postings.impacts[i]!;
  }
  return out;
}

export function decodeBlockRecord(bytes: Uint8Array): { termIds: Uint32Array; offsets: Uint8Array; impacts: Uint8Array; count: number } {
  const terms = readUint32At(bytes, 0);
  const total = terms === 0 ? 0 : readUint32At(bytes, 4 + 4 * terms + 4 * (terms - 1));
  const termIds = new Uint32Array(total);
  let from = 0;
  for (let t = 0; t < terms; t++) {
    const end = readUint32At(bytes, 4 + 4 * terms + 4 * t);
    termIds.fill(readUint32At(bytes, 4 + 4 * t), from, end);
    from = end;
  }
  const postingsAt = 4 + 8 * terms;
  return {
    termIds,
    // Copies (not Buffer#slice views): `bytes` may be lmdb's reused read buffer.
    offsets: new Uint8Array(bytes.subarray(postingsAt, postingsAt + total)),
    impacts: new Uint8Array(bytes.subarray(postingsAt + total, postingsAt + 2 * total)),
    count: total,
  };
}

export function readUint32At(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}
