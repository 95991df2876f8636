import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { float16DecodeTable } from '../../shared/index.js';
import {
  TABLE_HEADER_BYTES,
  type TableHeader,
  decodeTableHeader,
  matrixBytes,
  tableFileBytes,
  verifyTableFile,
} from './table-format.js';

/** Why a cached table file was not trusted. */
export class InvalidTableFile extends Error {}

const NEWLINE = 0x0a;
const EMPTY = -1;
const encoder = new TextEncoder();

/**
 * A word-vector table held as float16 rows (L2-normalised before rounding) with a word -> row lookup.
 * The vocabulary stays as the file's UTF-8 bytes, indexed by an open-addressing hash table over them:
 * building it is one pass over the bytes, with no per-word strings or Map entries, which keeps loads short.
 * Immutable after load; `rowOf` and `copyRow` do not allocate.
 */
export class EmbeddingTable {
  private readonly decode = float16DecodeTable();
  private scratch = new Uint8Array(256);

  private constructor(
    readonly header: TableHeader,
    private readonly matrix: Uint16Array,
    private readonly vocabulary: Uint8Array,
    /** Byte offset of each word in `vocabulary`; `wordStart[rows]` = end. Words end at the next '\n'. */
    private readonly wordStart: Uint32Array,
    private readonly slots: Int32Array,
  ) {}

  get dim(): number {
    return this.header.dim;
  }

  get size(): number {
    return this.header.rows;
  }

  /** Hex SHA-256 of the table content (matrix + vocabulary). */
  get contentHash(): string {
    return this.header.payloadSha256;
  }

  /** Row of `word` (exact, case-sensitive), or -1 when it is not in the vocabulary. */
  rowOf(word: string): number {
    // FNV-1a over UTF-8 bytes; ASCII words (almost all lookups) hash their char codes without encoding.
    let ascii = true;
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (ascii) return this.probe(finish(h), word, null, word.length);
    if (this.scratch.length < word.length * 3) this.scratch = new Uint8Array(word.length * 3);
    const length = encoder.encodeInto(word, this.scratch).written;
    return this.probe(fnv1a(this.scratch, 0, length), word, this.scratch, length);
  }

  /** Linear probing from `hash`; compares against `bytes` (UTF-8) or, when null, the ASCII `word`. */
  private probe(hash: number, word: string, bytes: Uint8Array | null, length: number): number {
    const mask = this.slots.length - 1;
    const vocabulary = this.vocabulary;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const row = this.slots[slot]!;
      if (row === EMPTY) return -1;
      const start = this.wordStart[row]!;
      if (this.wordEnd(row) - start !== length) continue;
      let i = 0;
      if (bytes) while (i < length && vocabulary[start + i] === bytes[i]) i++;
      else while (i < length && vocabulary[start + i] === word.charCodeAt(i)) i++;
      if (i === length) return row;
    }
  }

  has(word: string): boolean {
    return this.rowOf(word) >= 0;
  }

  /** The vocabulary word of `row`. */
  wordAt(row: number): string {
    return Buffer.from(this.vocabulary.buffer, this.vocabulary.byteOffset, this.vocabulary.length).toString(
      'utf8',
      this.wordStart[row]!,
      this.wordEnd(row),
    );
  }

  /** Decodes row `row` into `out[offset .. offset + dim)`. */
  copyRow(row: number, out: Float32Array, offset: number): void {
    const dim = this.header.dim;
    const base = row * dim;
    const matrix = this.matrix;
    const decode = this.decode;
    for (let j = 0; j < dim; j++) out[offset + j] = decode[matrix[base + j]!]!;
  }

  private wordEnd(row: number): number {
    // Every word but the last is followed by a '\n' separator.
    return row + 1 < this.header.rows ? this.wordStart[row + 1]! - 1 : this.wordStart[row + 1]!;
  }

  /**
   * Loads and verifies a table file: header, exact length and checksum must all match, and the vocabulary
   * must hold one word per row. Throws InvalidTableFile (with the reason) otherwise, so callers can rebuild.
   */
  static loadFile(path: string): EmbeddingTable {
    const file = readWholeFile(path);
    const header = decodeTableHeader(file);
    if (typeof header === 'string') throw new InvalidTableFile(`${path}: ${header}`);
    const expected = tableFileBytes(header);
    if (header.dim === 0 || header.rows === 0 || file.length !== expected) {
      throw new InvalidTableFile(`${path}: ${file.length} bytes, header describes ${expected} (truncated or corrupt)`);
    }
    if (!verifyTableFile(file)) throw new InvalidTableFile(`${path}: checksum mismatch (corrupt)`);
    const matrixLength = matrixBytes(header.rows, header.dim);
    // readWholeFile returns a buffer of its own starting at offset 0, so the 128-byte header keeps this aligned.
    const matrix = new Uint16Array(file.buffer, file.byteOffset + TABLE_HEADER_BYTES, header.rows * header.dim);
    const vocabulary = file.subarray(TABLE_HEADER_BYTES + matrixLength);
    const wordStart = new Uint32Array(header.rows + 1);
    let rows = 1;
    for (let i = 0; i < vocabulary.length; i++) {
      if (vocabulary[i] === NEWLINE) {
        if (rows === header.rows) throw new InvalidTableFile(`${path}: more vocabulary words than ${header.rows} rows`);
        wordStart[rows++] = i + 1;
      }
    }
    if (rows !== header.rows) throw new InvalidTableFile(`${path}: ${rows} vocabulary words for ${header.rows} rows`);
    wordStart[rows] = vocabulary.length;
    const slots = new Int32Array(2 ** Math.ceil(Math.log2(header.rows * 2))).fill(EMPTY);
    const mask = slots.length - 1;
    for (let row = 0; row < header.rows; row++) {
      const start = wordStart[row]!;
      const end = row + 1 < header.rows ? wordStart[row + 1]! - 1 : wordStart[row + 1]!;
      let slot = fnv1a(vocabulary, start, end - start) & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = row;
    }
    return new EmbeddingTable(header, matrix, vocabulary, wordStart, slots);
  }
}

function fnv1a(bytes: Uint8Array, start: number, length: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return finish(h);
}

function finish(h: number): number {
  return (h ^ (h >>> 15)) >>> 0;
}

function readWholeFile(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new InvalidTableFile(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const file = new Uint8Array(fstatSync(fd).size);
    let read = 0;
    while (read < file.length) {
      const n = readSync(fd, file, read, file.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return read === file.length ? file : file.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
