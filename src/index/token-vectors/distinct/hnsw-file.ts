import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Reads `hnsw.bin` with plain reads before hnswlib loads it: hnswlib trusts the file, and a neighbour id or level
 * out of range makes its first search or insertion read outside its arrays (SIGSEGV), which no JavaScript can
 * catch. A file whose checksum was made to match garbage must therefore still fail here, and be rebuilt.
 *
 * Layout written by hnswlib-node 3's bundled hnswlib (`saveIndex`, 64-bit little-endian): a 96-byte header
 * (offsetLevel0, maxElements, elementCount, sizeDataPerElement, labelOffset, offsetData: u64 each; maxLevel i32;
 * entryPoint u32; maxM, maxM0, M: u64; mult f64; efConstruction u64), then `elementCount` level-0 records of
 * `sizeDataPerElement` bytes (neighbour list: count u16, delete mark in the next byte, a spare byte, maxM0 u32 ids;
 * the vector as dim f32; the label u64), then per element its upper levels: a u32 byte size (a multiple of
 * `maxM * 4 + 4`), then that many bytes of per-level neighbour lists (count u16, two spare bytes, maxM u32 ids).
 */

const HEADER_BYTES = 96;
const CHUNK_BYTES = 1 << 20;
const DELETE_MARK = 0x01;
const MAX_LEVEL = 31;
const NO_ENTRY_POINT = 0xffffffff;

/** What a loaded graph must agree with: the index's dim and HNSW parameters, and the labels LMDB has created. */
export interface HnswFileExpectation {
  readonly dim: number;
  readonly m: number;
  readonly efConstruction: number;
  /** Element slots the sidecar records. */
  readonly elements: number;
  /** Tombstoned slots the sidecar records. */
  readonly deleted: number;
  /** Every label in the file is below this (the sidecar's next label). */
  readonly labelLimit: number;
}

/** The file's SHA-1, and either what a structurally sound file holds or why it is not sound. */
export type HnswFileContents =
  | { readonly sha1: string; readonly problem: string }
  | {
      readonly sha1: string;
      readonly problem?: undefined;
      /** Labels of the elements not marked deleted, in file order. */
      readonly liveLabels: Uint32Array;
    };

/**
 * Hashes `file` and checks it against `expected` in one pass: header fields, every neighbour id and level inside
 * the graph (and each upper-level neighbour present at that level), finite vectors, labels below the limit and
 * distinct, the delete marks and element counts the sidecar records, and nothing after the last element.
 */
export function readHnswFile(file: string, expected: HnswFileExpectation): HnswFileContents {
  const reader = new ChunkReader(file);
  try {
    const checked = checkContents(reader, expected);
    reader.drain();
    return typeof checked === 'string' ? { sha1: reader.digest(), problem: checked } : { sha1: reader.digest(), liveLabels: checked };
  } finally {
    reader.close();
  }
}

/** The live labels of a sound file, or what is wrong with it. */
function checkContents(reader: ChunkReader, expected: HnswFileExpectation): Uint32Array | string {
  const header = reader.take(HEADER_BYTES);
  if (!header) return 'the header is cut short';
  const u64 = (offset: number): number => {
    const value = header.readBigUInt64LE(offset);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(value);
  };
  const { dim, m } = expected;
  const linksLevel0 = 2 * m * 4 + 4;
  const linksUpper = m * 4 + 4;
  const fields = {
    offsetLevel0: [u64(0), 0],
    sizeDataPerElement: [u64(24), linksLevel0 + dim * 4 + 8],
    labelOffset: [u64(32), linksLevel0 + dim * 4],
    offsetData: [u64(40), linksLevel0],
    maxM: [u64(56), m],
    maxM0: [u64(64), 2 * m],
    M: [u64(72), m],
    efConstruction: [u64(88), expected.efConstruction],
    elementCount: [u64(16), expected.elements],
  } as const;
  for (const [name, [actual, wanted]] of Object.entries(fields)) {
    if (actual !== wanted) return `header field ${name} is ${actual}, expected ${wanted}`;
  }
  const elements = expected.elements;
  const maxElements = u64(8);
  if (maxElements < elements || maxElements > Math.max(4096, 2 * elements)) return `header field maxElements is ${maxElements} for ${elements} elements`;
  const maxLevel = header.readInt32LE(48);
  const entryPoint = header.readUInt32LE(52);
  const mult = header.readDoubleLE(80);
  if (Math.abs(mult * Math.log(m) - 1) > 1e-9) return `header field mult is ${mult}, expected 1 / ln(${m})`;
  if (elements === 0 ? maxLevel !== -1 || entryPoint !== NO_ENTRY_POINT : maxLevel < 0 || maxLevel > MAX_LEVEL || entryPoint >= elements) {
    return `header gives entry point ${entryPoint} at level ${maxLevel} for ${elements} elements`;
  }

  const live: number[] = [];
  const labelSeen = new Uint8Array(expected.labelLimit);
  let deleted = 0;
  const dataOffset = linksLevel0;
  const labelOffset = linksLevel0 + dim * 4;
  const recordBytes = labelOffset + 8;
  for (let i = 0; i < elements; i++) {
    const record = reader.take(recordBytes);
    if (!record) return `element ${i} of ${elements} is cut short`;
    const count = record.readUInt16LE(0);
    const mark = record[2]!;
    if (count > 2 * m || (mark & ~DELETE_MARK) !== 0) return `element ${i} has ${count} level-0 neighbours (at most ${2 * m}) and mark ${mark}`;
    for (let j = 0; j < count; j++) {
      const neighbour = record.readUInt32LE(4 + 4 * j);
      if (neighbour >= elements) return `element ${i} has neighbour ${neighbour} at level 0, beyond ${elements} elements`;
    }
    for (let j = 0; j < dim; j++) {
      if (!Number.isFinite(record.readFloatLE(dataOffset + 4 * j))) return `element ${i} has a vector value that is not finite`;
    }
    const labelHigh = record.readUInt32LE(labelOffset + 4);
    const label = record.readUInt32LE(labelOffset);
    if (labelHigh !== 0 || label >= expected.labelLimit) return `element ${i} has label ${labelHigh * 2 ** 32 + label}, beyond next label ${expected.labelLimit}`;
    if (labelSeen[label] === 1) return `label ${label} is held by two elements`;
    labelSeen[label] = 1;
    if ((mark & DELETE_MARK) !== 0) deleted++;
    else live.push(label);
  }
  if (deleted !== expected.deleted) return `${deleted} elements are marked deleted, the sidecar says ${expected.deleted}`;

  const levels = new Uint8Array(elements);
  // (neighbour, level) of every upper-level link: checked once every element's level is known.
  const upperLinks: number[] = [];
  for (let i = 0; i < elements; i++) {
    const sizeBytes = reader.take(4);
    if (!sizeBytes) return `the upper levels of element ${i} are cut short`;
    const size = sizeBytes.readUInt32LE(0);
    const level = size / linksUpper;
    if (!Number.isInteger(level) || level > maxLevel) return `element ${i} has ${size} bytes of upper levels (levels of ${linksUpper} bytes, at most ${maxLevel})`;
    levels[i] = level;
    if (level === 0) continue;
    const lists = reader.take(size);
    if (!lists) return `the upper levels of element ${i} are cut short`;
    for (let l = 1; l <= level; l++) {
      const base = (l - 1) * linksUpper;
      const count = lists.readUInt16LE(base);
      if (count > m) return `element ${i} has ${count} neighbours at level ${l} (at most ${m})`;
      for (let j = 0; j < count; j++) {
        const neighbour = lists.readUInt32LE(base + 4 + 4 * j);
        if (neighbour >= elements) return `element ${i} has neighbour ${neighbour} at level ${l}, beyond ${elements} elements`;
        upperLinks.push(neighbour, l);
      }
    }
  }
  if (!reader.atEnd()) return 'there are bytes after the last element';
  for (let k = 0; k < upperLinks.length; k += 2) {
    if (levels[upperLinks[k]!]! < upperLinks[k + 1]!) return `a link at level ${upperLinks[k + 1]} leads to element ${upperLinks[k]}, which has no such level`;
  }
  if (elements > 0 && levels[entryPoint] !== maxLevel) return `the entry point ${entryPoint} has level ${levels[entryPoint]}, the header says ${maxLevel}`;
  return Uint32Array.from(live);
}

/** Sequential reads of a file in 1 MiB chunks, hashing every byte read. */
class ChunkReader {
  private readonly fd: number;
  private buffer = Buffer.alloc(CHUNK_BYTES);
  private start = 0;
  private end = 0;
  private eof = false;
  private readonly hash = createHash('sha1');

  constructor(file: string) {
    this.fd = openSync(file, 'r');
  }

  /** The next `n` bytes (a view valid until the next call), or undefined when the file ends first. */
  take(n: number): Buffer | undefined {
    if (this.end - this.start < n && !this.fill(n)) return undefined;
    const view = this.buffer.subarray(this.start, this.start + n);
    this.start += n;
    return view;
  }

  /** Reads (and hashes) the rest of the file. */
  drain(): void {
    while (this.fill(1)) this.start = this.end;
  }

  atEnd(): boolean {
    return this.start === this.end && !this.fill(1);
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  close(): void {
    closeSync(this.fd);
  }

  private fill(n: number): boolean {
    if (n > this.buffer.length) {
      const grown = Buffer.alloc(n);
      this.buffer.copy(grown, 0, this.start, this.end);
      this.buffer = grown;
    } else {
      this.buffer.copy(this.buffer, 0, this.start, this.end);
    }
    this.end -= this.start;
    this.start = 0;
    while (this.end < n && !this.eof) {
      const got = readSync(this.fd, this.buffer, this.end, this.buffer.length - this.end, null);
      if (got === 0) this.eof = true;
      this.hash.update(this.buffer.subarray(this.end, this.end + got));
      this.end += got;
    }
    return this.end >= n;
  }
}
