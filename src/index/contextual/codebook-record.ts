import { IndexFormatError } from '../../shared/index.js';
import type { CodebookTrainingReport } from './codebook-training.js';
import type { ResidualBuckets } from './residual-buckets.js';
import type { CellCodebook } from './two-level-kmeans.js';

const MAGIC = 0x4243494c; // "LICB" little-endian
const VERSION = 1;

export interface StoredCodebook {
  readonly book: CellCodebook;
  readonly buckets: ResidualBuckets;
  readonly report: CodebookTrainingReport;
}

/**
 * One binary record for a trained codebook: magic, version, JSON header length (u32), the JSON header (dims,
 * sizes, training report), padding to 4 bytes, then the float32 / uint32 arrays in header order. Little-endian.
 */
export function encodeCodebook({ book, buckets, report }: StoredCodebook): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({ dim: book.dim, size: book.size, cellCount: book.cellCount, nbits: buckets.nbits, report }),
  );
  const headerEnd = align4(12 + header.length);
  const arrays = [book.centroids, book.coarse, book.cellStart, buckets.cutoffs, buckets.values];
  const total = headerEnd + arrays.reduce((sum, a) => sum + a.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  let at = headerEnd;
  for (const array of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    at += array.byteLength;
  }
  return out;
}

export function decodeCodebook(bytes: Uint8Array, where: string): StoredCodebook {
  const fail = (why: string): never => {
    throw new IndexFormatError('corrupt_store', `${where}: codebook record ${why}`);
  };
  if (bytes.length < 12) fail('is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) fail('has a bad magic number');
  if (view.getUint32(4, true) !== VERSION) fail(`has unsupported version ${view.getUint32(4, true)}`);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) fail('is truncated');
  let header: { dim: number; size: number; cellCount: number; nbits: number; report: CodebookTrainingReport };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch {
    return fail('has an unreadable header');
  }
  const { dim, size, cellCount, nbits } = header;
  const B = 2 ** nbits;
  const lengths = [size * dim, cellCount * dim, cellCount + 1, dim * (B - 1), dim * B];
  let at = align4(12 + headerLength);
  if (bytes.length !== at + lengths.reduce((a, b) => a + b, 0) * 4) fail('has the wrong length');
  // A copy into aligned memory: LMDB's buffer may be unaligned and is reused by the next read.
  const floats = (length: number): Float32Array => {
    const array = new Float32Array(length);
    new Uint8Array(array.buffer).set(bytes.subarray(at, at + length * 4));
    at += length * 4;
    return array;
  };
  const centroids = floats(lengths[0]!);
  const coarse = floats(lengths[1]!);
  const cellStart = new Uint32Array(floats(lengths[2]!).buffer);
  const cutoffs = floats(lengths[3]!);
  const values = floats(lengths[4]!);
  if (cellStart[0] !== 0 || cellStart[cellCount] !== size) fail('has inconsistent cells');
  return {
    book: { dim, size, centroids, coarse, cellCount, cellStart },
    buckets: { dim, nbits, cutoffs, values },
    report: header.report,
  };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
