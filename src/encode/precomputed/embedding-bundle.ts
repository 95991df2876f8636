import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { InputError, asFileError } from '../../shared/index.js';
import { describe, readIntegerArray, readNpyHeader, readSafetensorsHeader, type ArrayFile } from './array-files.js';

/**
 * A folder of precomputed multi-vector embeddings, as PyLate or colpali-engine users write them with numpy:
 * - `embeddings.npy`: every document's token vectors stacked, float32 or float16, shape (total_tokens, dim);
 * - `doclens.npy`: int32 or int64, shape (documents,), each document's row count, summing to total_tokens;
 * - `ids.txt`: one document id per line (UTF-8), in the same order.
 * Instead of the two `.npy` files, `embeddings.safetensors` may hold tensors `embeddings` and `doclens`.
 */
export const BUNDLE_FILES = {
  embeddings: 'embeddings.npy',
  lengths: 'doclens.npy',
  ids: 'ids.txt',
  safetensors: 'embeddings.safetensors',
} as const;

/** Whether `dir` looks like an embedding bundle (its id file and one of the embedding layouts). */
export function isEmbeddingBundle(dir: string): boolean {
  return (
    existsSync(path.join(dir, BUNDLE_FILES.ids)) &&
    (existsSync(path.join(dir, BUNDLE_FILES.embeddings)) || existsSync(path.join(dir, BUNDLE_FILES.safetensors)))
  );
}

export interface BundleBatch {
  /** Index of the batch's first document in the bundle. */
  readonly first: number;
  readonly ids: readonly string[];
  readonly lengths: Int32Array;
  /** The batch's rows as float32 (sum of lengths x dim), as stored (not normalised). */
  readonly rows: Float32Array;
}

/** Rows read per sequential read call at most (bounded memory whatever the batch). */
const READ_CHUNK_BYTES = 16 << 20;

/**
 * An opened, fully checked bundle: shapes, dtypes, lengths against rows, ids against lengths (count, non-empty,
 * unique, well-formed UTF-8). Vector values are checked as they are read (non-finite values name the document and
 * row); `checkValues` reads everything once for callers that must refuse bad input before writing.
 */
export class EmbeddingBundle {
  readonly dim: number;
  readonly documents: number;
  readonly tokens: number;
  readonly dtype: 'float32' | 'float16';
  readonly ids: readonly string[];
  readonly lengths: Int32Array;
  /** Row offset of each document (documents + 1 entries). */
  private readonly offsets: Float64Array;

  private constructor(
    readonly dir: string,
    private readonly vectors: ArrayFile,
    lengths: number[],
    ids: string[],
  ) {
    this.dim = vectors.shape[1]!;
    this.tokens = vectors.shape[0]!;
    this.dtype = vectors.dtype as 'float32' | 'float16';
    this.documents = lengths.length;
    this.ids = ids;
    this.lengths = Int32Array.from(lengths);
    this.offsets = new Float64Array(lengths.length + 1);
    for (let i = 0; i < lengths.length; i++) this.offsets[i + 1] = this.offsets[i]! + lengths[i]!;
  }

  static open(dir: string): EmbeddingBundle {
    const idsFile = path.join(dir, BUNDLE_FILES.ids);
    const safetensors = path.join(dir, BUNDLE_FILES.safetensors);
    let vectors: ArrayFile;
    let lengthsArray: ArrayFile;
    if (existsSync(safetensors)) {
      const tensors = readSafetensorsHeader(safetensors);
      const get = (name: string): ArrayFile => {
        const array = tensors.get(name);
        if (!array) throw new InputError(`has no tensor "${name}" (found: ${[...tensors.keys()].join(', ') || 'none'})`, { file: safetensors }, name, 'invalid_input');
        return array;
      };
      vectors = get('embeddings');
      lengthsArray = get('doclens');
    } else {
      vectors = readNpyHeader(path.join(dir, BUNDLE_FILES.embeddings));
      lengthsArray = readNpyHeader(path.join(dir, BUNDLE_FILES.lengths));
    }
    const fail = (array: ArrayFile, field: string, why: string): never => {
      throw new InputError(why, { file: array.file }, field, 'invalid_input');
    };
    if (vectors.dtype !== 'float32' && vectors.dtype !== 'float16') fail(vectors, 'embeddings', `${describe(vectors)} holds ${vectors.dtype}; embeddings must be float32 or float16`);
    if (vectors.shape.length !== 2) fail(vectors, 'embeddings', `embeddings must be a 2-D array (total_tokens, dim), got shape (${vectors.shape.join(', ')})`);
    if (vectors.shape[1]! < 1) fail(vectors, 'embeddings', 'embeddings have dimension 0');
    if (lengthsArray.shape.length !== 1) fail(lengthsArray, 'doclens', `doclens must be a 1-D array (documents,), got shape (${lengthsArray.shape.join(', ')})`);
    const lengths = readIntegerArray(lengthsArray);
    let total = 0;
    lengths.forEach((n, i) => {
      if (!Number.isSafeInteger(n) || n < 1) fail(lengthsArray, 'doclens', `document ${i} has length ${n}; every document needs at least one vector`);
      total += n;
    });
    if (total !== vectors.shape[0]) {
      fail(lengthsArray, 'doclens', `lengths add up to ${total} rows, but ${describe(vectors)} holds ${vectors.shape[0]} rows`);
    }
    const ids = readIds(idsFile, lengths.length);
    return new EmbeddingBundle(dir, vectors, lengths, ids);
  }

  /** Documents `first .. first + count` as float32 rows; throws on a non-finite value naming its document. */
  read(first: number, count: number): BundleBatch {
    const end = Math.min(this.documents, first + count);
    const rowStart = this.offsets[first]!;
    const rowEnd = this.offsets[end]!;
    const rows = new Float32Array((rowEnd - rowStart) * this.dim);
    const bytesPerRow = this.dim * this.vectors.itemBytes;
    const rowsPerRead = Math.max(1, Math.floor(READ_CHUNK_BYTES / bytesPerRow));
    let fd: number;
    try {
      fd = openSync(this.vectors.file, 'r');
    } catch (error) {
      throw asFileError(error, this.vectors.file);
    }
    try {
      const buffer = Buffer.alloc(Math.min(rowsPerRead, Math.max(1, rowEnd - rowStart)) * bytesPerRow);
      for (let row = rowStart; row < rowEnd; row += rowsPerRead) {
        const n = Math.min(rowsPerRead, rowEnd - row);
        const bytes = n * bytesPerRow;
        let done = 0;
        while (done < bytes) {
          const got = readSync(fd, buffer, done, bytes - done, this.vectors.dataOffset + row * bytesPerRow + done);
          if (got === 0) throw new InputError('ended before the data its header declares', { file: this.vectors.file }, 'embeddings', 'invalid_input');
          done += got;
        }
        decodeRows(buffer, n * this.dim, this.vectors.dtype, rows, (row - rowStart) * this.dim);
      }
    } finally {
      closeSync(fd);
    }
    this.checkFinite(rows, first, end, rowStart);
    return { first, ids: this.ids.slice(first, end), lengths: this.lengths.slice(first, end), rows };
  }

  /** The rows of the given documents (by bundle index), concatenated: a training sample drawn anywhere in the file. */
  sample(documentIndexes: readonly number[]): Float32Array {
    let total = 0;
    for (const d of documentIndexes) total += this.lengths[d]!;
    const out = new Float32Array(total * this.dim);
    let at = 0;
    for (const d of documentIndexes) {
      const { rows } = this.read(d, 1);
      out.set(rows, at);
      at += rows.length;
    }
    return out;
  }

  /** Reads every vector once, so that a bad value is refused before anything is written. */
  checkValues(batchDocuments = 4096): void {
    for (let first = 0; first < this.documents; first += batchDocuments) this.read(first, batchDocuments);
  }

  private checkFinite(rows: Float32Array, first: number, end: number, rowStart: number): void {
    for (let i = 0; i < rows.length; i++) {
      if (Number.isFinite(rows[i]!)) continue;
      const row = rowStart + Math.floor(i / this.dim);
      let doc = first;
      while (doc + 1 < end && this.offsets[doc + 1]! <= row) doc++;
      throw new InputError(
        `document "${this.ids[doc]}" (row ${row - this.offsets[doc]!} of its ${this.lengths[doc]}, file row ${row}) holds a non-finite value`,
        { file: this.vectors.file },
        'embeddings',
        'invalid_input',
      );
    }
  }
}

/** `ids.txt`: exactly `expected` non-empty, unique, well-formed UTF-8 lines (a final newline is optional). */
function readIds(file: string, expected: number): string[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw asFileError(error, file);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError('is not valid UTF-8', { file }, 'ids', 'invalid_input');
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const ids = lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (ids.length !== expected) {
    throw new InputError(`holds ${ids.length} ids, but doclens describes ${expected} documents`, { file }, 'ids', 'invalid_input');
  }
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    if (id.length === 0) throw new InputError('empty document id', { file, line: i + 1 }, 'ids', 'invalid_input');
    const before = seen.get(id);
    if (before !== undefined) throw new InputError(`duplicate document id "${id}" (also on line ${before})`, { file, line: i + 1 }, 'ids', 'invalid_input');
    seen.set(id, i + 1);
  });
  return ids;
}

const HALF_TO_FLOAT = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    table[h] =
      exponent === 0 ? sign * 2 ** -14 * (fraction / 1024)
      : exponent === 31 ? (fraction === 0 ? sign * Infinity : NaN)
      : sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return table;
})();

function decodeRows(bytes: Buffer, floats: number, dtype: ArrayFile['dtype'], out: Float32Array, at: number): void {
  if (dtype === 'float32') {
    out.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + floats * 4)), at);
    return;
  }
  for (let i = 0; i < floats; i++) out[at + i] = HALF_TO_FLOAT[bytes[2 * i]! | (bytes[2 * i + 1]! << 8)]!;
}

