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
  const header = checkHeader(reader, expected);
  if (typeof header === 'string') return header;
  const live = checkLevel0(reader, expected);
  if (typeof live === 'string') return live;
  const upper = checkUpperLevels(reader, expected, header);
  return upper ?? live;
}

interface Header {
  readonly maxLevel: number;
  readonly entryPoint: number;
}

function checkHeader(reader: ChunkReader, expected: HnswFileExpectation): Header | string {
  const at = reader.take(HEADER_BYTES);
  if (at < 0) return 'the header is cut short';
  const data = reader.data;
  const u64 = (offset: number): number => {
    const value = data.getBigUint64(at + offset, true);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(value);
  };
  const { dim, m, elements } = expected;
  const linksLevel0 = 2 * m * 4 + 4;
  const fields = {
    offsetLevel0: [u64(0), 0],
    sizeDataPerElement: [u64(24), linksLevel0 + dim * 4 + 8],
    labelOffset: [u64(32), linksLevel0 + dim * 4],
    offsetData: [u64(40), linksLevel0],
    maxM: [u64(56), m],
    maxM0: [u64(64), 2 * m],
    M: [u64(72), m],
    efConstruction: [u64(88), expected.efConstruction],
    elementCount: [u64(16), elements],
  } as const;
  for (const [name, [actual, wanted]] of Object.entries(fields)) {
    if (actual !== wanted) return `header field ${name} is ${actual}, expected ${wanted}`;
  }
  const maxElements = u64(8);
  if (maxElements < elements || maxElements > Math.max(4096, 2 * elements)) return `header field maxElements is ${maxElements} for ${elements} elements`;
  const maxLevel = data.getInt32(at + 48, true);
  const entryPoint = data.getUint32(at + 52, true);
  const mult = data.getFloat64(at + 80, true);
  if (Math.abs(mult * Math.log(m) - 1) > 1e-9) return `header field mult is ${mult}, expected 1 / ln(${m})`;
  if (elements === 0 ? maxLevel !== -1 || entryPoint !== NO_ENTRY_POINT : maxLevel < 0 || maxLevel > MAX_LEVEL || entryPoint >= elements) {
    return `header gives entry point ${entryPoint} at level ${maxLevel} for ${elements} elements`;
  }
  return { maxLevel, entryPoint };
}

/** The level-0 records: neighbour counts and ids, delete marks, finite vectors, distinct labels. */
function checkLevel0(reader: ChunkReader, expected: HnswFileExpectation): Uint32Array | string {
  const { dim, m, elements, labelLimit } = expected;
  const dataOffset = 2 * m * 4 + 4;
  const labelOffset = dataOffset + dim * 4;
  const recordBytes = labelOffset + 8;
  const live: number[] = [];
  const labelSeen = new Uint8Array(labelLimit);
  let deleted = 0;
  for (let i = 0; i < elements; i++) {
    const at = reader.take(recordBytes);
    if (at < 0) return `element ${i} of ${elements} is cut short`;
    const data = reader.data;
    const count = data.getUint16(at, true);
    const mark = data.getUint8(at + 2);
    if (count > 2 * m || (mark & ~DELETE_MARK) !== 0) return `element ${i} has ${count} level-0 neighbours (at most ${2 * m}) and mark ${mark}`;
    for (let j = 0; j < count; j++) {
      const neighbour = data.getUint32(at + 4 + 4 * j, true);
      if (neighbour >= elements) return `element ${i} has neighbour ${neighbour} at level 0, beyond ${elements} elements`;
    }
    // A float32 is not finite when its exponent bits are all ones (byte 3: s1111111, byte 2: 1xxxxxxx).
    const bytes = reader.bytes;
    for (let b = at + dataOffset + 2, stop = b + 4 * dim; b < stop; b += 4) {
      if ((bytes[b + 1]! & 0x7f) === 0x7f && (bytes[b]! & 0x80) !== 0) return `element ${i} has a vector value that is not finite`;
    }
    const labelHigh = data.getUint32(at + labelOffset + 4, true);
    const label = data.getUint32(at + labelOffset, true);
    if (labelHigh !== 0 || label >= labelLimit) return `element ${i} has label ${labelHigh * 2 ** 32 + label}, beyond next label ${labelLimit}`;
    if (labelSeen[label] === 1) return `label ${label} is held by two elements`;
    labelSeen[label] = 1;
    if ((mark & DELETE_MARK) !== 0) deleted++;
    else live.push(label);
  }
  if (deleted !== expected.deleted) return `${deleted} elements are marked deleted, the sidecar says ${expected.deleted}`;
  return Uint32Array.from(live);
}

/** The upper levels: each element's level, neighbour counts and ids, every link to an element that has its level. */
function checkUpperLevels(reader: ChunkReader, expected: HnswFileExpectation, header: Header): string | undefined {
  const { m, elements } = expected;
  const linksUpper = m * 4 + 4;
  const levels = new Uint8Array(elements);
  // (neighbour, level) of every upper-level link: checked once every element's level is known.
  const upperLinks: number[] = [];
  for (let i = 0; i < elements; i++) {
    const sizeAt = reader.take(4);
    if (sizeAt < 0) return `the upper levels of element ${i} are cut short`;
    const size = reader.data.getUint32(sizeAt, true);
    const level = size / linksUpper;
    if (!Number.isInteger(level) || level > header.maxLevel) {
      return `element ${i} has ${size} bytes of upper levels (levels of ${linksUpper} bytes, at most ${header.maxLevel})`;
    }
    levels[i] = level;
    if (level === 0) continue;
    const at = reader.take(size);
    if (at < 0) return `the upper levels of element ${i} are cut short`;
    const data = reader.data;
    for (let l = 1; l <= level; l++) {
      const base = at + (l - 1) * linksUpper;
      const count = data.getUint16(base, true);
      if (count > m) return `element ${i} has ${count} neighbours at level ${l} (at most ${m})`;
      for (let j = 0; j < count; j++) {
        const neighbour = data.getUint32(base + 4 + 4 * j, true);
        if (neighbour >= elements) return `element ${i} has neighbour ${neighbour} at level ${l}, beyond ${elements} elements`;
        upperLinks.push(neighbour, l);
      }
    }
  }
  if (!reader.atEnd()) return 'there are bytes after the last element';
  for (let k = 0; k < upperLinks.length; k += 2) {
    if (levels[upperLinks[k]!]! < upperLinks[k + 1]!) return `a link at level ${upperLinks[k + 1]} leads to element ${upperLinks[k]}, which has no such level`;
  }
  const { entryPoint, maxLevel } = header;
  if (elements > 0 && levels[entryPoint] !== maxLevel) return `the entry point ${entryPoint} has level ${levels[entryPoint]}, the header says ${maxLevel}`;
  return undefined;
}

/** Sequential reads of a file in 1 MiB chunks, hashing every byte read. */
class ChunkReader {
  private readonly fd: number;
  /** The current buffer, and a view of it: `take` returns offsets into them. */
  bytes = Buffer.alloc(CHUNK_BYTES);
  data = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
  private start = 0;
  private end = 0;
  private eof = false;
  private readonly hash = createHash('sha1');

  constructor(file: string) {
    this.fd = openSync(file, 'r');
  }

  /** The offset in `data` of the next `n` bytes (valid until the next call), or -1 when the file ends first. */
  take(n: number): number {
    if (this.end - this.start < n && !this.fill(n)) return -1;
    const at = this.start;
    this.start += n;
    return at;
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
    if (n > this.bytes.length) {
      const grown = Buffer.alloc(n);
      this.bytes.copy(grown, 0, this.start, this.end);
      this.bytes = grown;
      this.data = new DataView(grown.buffer, grown.byteOffset, grown.length);
    } else {
      this.bytes.copy(this.bytes, 0, this.start, this.end);
    }
    this.end -= this.start;
    this.start = 0;
    while (this.end < n && !this.eof) {
      const got = readSync(this.fd, this.bytes, this.end, this.bytes.length - this.end, null);
      if (got === 0) this.eof = true;
      this.hash.update(this.bytes.subarray(this.end, this.end + got));
      this.end += got;
    }
    return this.end >= n;
  }
}
