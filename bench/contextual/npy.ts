/**
 * NumPy `.npy` files (format 1.0, or 2.0 when the header outgrows 65535 bytes; little-endian, C order), written
 * without holding the array: `createNpyFile` writes the header and sizes the file, then rows are written at their
 * positions by anyone holding the layout (several workers at once), or appended in order by `NpyWriter`.
 * Layout: magic "\x93NUMPY", major, minor, header length (uint16 LE in 1.0, uint32 LE in 2.0), an ASCII Python
 * dict literal padded with spaces and ended by "\n" so the data starts at a multiple of 64 bytes. The bytes equal
 * NumPy's own for the same array (tests/bench-contextual checks them against files numpy wrote).
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { InputError } from '../../src/shared/index.js';

export type NpyDtype = 'float32' | 'float16' | 'int32';

const DESCR: Record<NpyDtype, string> = { float32: '<f4', float16: '<f2', int32: '<i4' };
const ITEM_BYTES: Record<NpyDtype, number> = { float32: 4, float16: 2, int32: 4 };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ALIGN = 64;
/** NumPy leaves room for the growing axis to reach this many digits without rewriting the file. */
const GROWTH_DIGITS = 21;

export interface NpyLayout {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  /** Byte offset of the first element. */
  readonly dataOffset: number;
  /** Bytes per row (per element for a 1-d array). */
  readonly rowBytes: number;
}

export function itemBytes(dtype: NpyDtype): number {
  return ITEM_BYTES[dtype];
}

function layoutOf(dtype: NpyDtype, shape: readonly number[], dataOffset: number): NpyLayout {
  const rowBytes = shape.slice(1).reduce((a, b) => a * b, ITEM_BYTES[dtype]);
  return { dtype, shape, dataOffset, rowBytes };
}

/** Bytes of a whole array: rows x rowBytes. */
export function dataBytes(layout: NpyLayout): number {
  return (layout.shape[0] ?? 1) * layout.rowBytes;
}

/**
 * The header bytes of a C-order little-endian array of `dtype` and `shape`, byte for byte as NumPy (2.x) writes
 * them: the dict with sorted keys, spare spaces so the first dimension can grow to 21 digits in place, then
 * padding to a multiple of 64 (a full 64 when already aligned) and "\n"; version 1.0 unless the length needs 2.0.
 */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  for (const n of shape) if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`npy: bad dimension ${n} in shape`);
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${tuple}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_DIGITS - String(shape[0]).length));
  for (const lengthBytes of [2, 4]) {
    const textLength = dict.length + 1;
    const padding = ALIGN - ((MAGIC.length + 2 + lengthBytes + textLength) % ALIGN);
    const headerLength = textLength + padding;
    if (lengthBytes === 2 && headerLength > 0xffff) continue;
    const out = new Uint8Array(MAGIC.length + 2 + lengthBytes + headerLength);
    out.set(MAGIC, 0);
    out[6] = lengthBytes === 2 ? 1 : 2;
    out[7] = 0;
    const view = new DataView(out.buffer);
    if (lengthBytes === 2) view.setUint16(8, headerLength, true);
    else view.setUint32(8, headerLength, true);
    const text = dict + ' '.repeat(padding) + '\n';
    for (let i = 0; i < text.length; i++) out[MAGIC.length + 2 + lengthBytes + i] = text.charCodeAt(i);
    return out;
  }
  throw new RangeError('npy: header too long');
}

/** Parses the header at the start of `bytes` (at least the whole header); errors name `file`. */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyLayout {
  const fail = (message: string): never => {
    throw new InputError(message, { file }, 'npy header');
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a NumPy .npy file (bad magic)');
  const major = bytes[6]!;
  if (major !== 1 && major !== 2 && major !== 3) fail(`unsupported .npy format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) fail('truncated header');
  const headerLength = lengthBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes;
  if (bytes.length < start + headerLength) fail('truncated header');
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`malformed header dict ${JSON.stringify(text.trim())}`);
  const dtype = (Object.keys(DESCR) as NpyDtype[]).find((d) => DESCR[d] === descr);
  if (dtype === undefined) fail(`dtype '${descr}' is not one of ${Object.values(DESCR).join(', ')}`);
  if (fortran === 'True') fail('Fortran-order arrays are not supported (write C order)');
  const shape = shapeText!.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) fail(`bad shape (${shapeText})`);
  return layoutOf(dtype!, shape, start + headerLength);
}

/** The layout of the .npy file at `path`, checking that its size matches the header. */
export function readNpyLayout(path: string): NpyLayout {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(Math.min(fstatSync(fd).size, 1 << 16));
    readSync(fd, head, 0, head.length, 0);
    const layout = parseNpyHeader(head, path);
    const expected = layout.dataOffset + dataBytes(layout);
    const size = fstatSync(fd).size;
    if (size !== expected) {
      throw new InputError(`file holds ${size} bytes, the header's shape (${layout.shape.join(', ')}) needs ${expected}`, { file: path }, 'shape');
    }
    return layout;
  } finally {
    closeSync(fd);
  }
}

/** Writes the header of a new .npy file at `path` and sizes the file for its data (rows are written later). */
export function createNpyFile(path: string, dtype: NpyDtype, shape: readonly number[]): NpyLayout {
  const header = npyHeader(dtype, shape);
  const layout = layoutOf(dtype, shape, header.length);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header, 0, header.length, 0);
    // Sparse until written: a reader must trust the file only once its writer reports completion.
    const end = layout.dataOffset + dataBytes(layout);
    if (end > header.length) writeSync(fd, new Uint8Array(1), 0, 1, end - 1);
  } finally {
    closeSync(fd);
  }
  return layout;
}

/** Writes `bytes` at row `row` of the .npy file open as `fd` (opened "r+") with `layout`. */
export function writeRowsAt(fd: number, layout: NpyLayout, row: number, bytes: Uint8Array): void {
  let done = 0;
  const position = layout.dataOffset + row * layout.rowBytes;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** Reads `rows` rows from row `row` of the .npy file open as `fd` into `out` (at least rows x rowBytes). */
export function readRowsAt(fd: number, layout: NpyLayout, row: number, rows: number, out: Uint8Array): Uint8Array {
  const length = rows * layout.rowBytes;
  const position = layout.dataOffset + row * layout.rowBytes;
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) throw new RangeError(`npy: unexpected end of file reading rows ${row}..${row + rows}`);
    done += n;
  }
  return out.subarray(0, length);
}

type NpyArray = Float32Array | Uint16Array | Int32Array;

function bytesOf(data: NpyArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Appends rows in order to a new .npy file; `close` checks that exactly the declared shape was written. */
export class NpyWriter {
  readonly layout: NpyLayout;
  private readonly fd: number;
  private written = 0;

  constructor(readonly path: string, dtype: NpyDtype, shape: readonly number[]) {
    this.layout = createNpyFile(path, dtype, shape);
    this.fd = openSync(path, 'r+');
  }

  /** Appends whole rows (`data` holds a multiple of the row size in the file's dtype: float16 as Uint16Array bits). */
  append(data: NpyArray): void {
    const bytes = bytesOf(data);
    if (bytes.length % this.layout.rowBytes !== 0) throw new RangeError(`npy: ${bytes.length} bytes is not whole rows of ${this.layout.rowBytes}`);
    if (this.written + bytes.length > dataBytes(this.layout)) throw new RangeError(`npy: ${this.path} is full`);
    writeRowsAt(this.fd, this.layout, this.written / this.layout.rowBytes, bytes);
    this.written += bytes.length;
  }

  close(): void {
    closeSync(this.fd);
    if (this.written !== dataBytes(this.layout)) {
      throw new RangeError(`npy: ${this.path} got ${this.written} of ${dataBytes(this.layout)} data bytes`);
    }
  }
}

/** Writes a whole (small) array. */
export function writeNpy(path: string, dtype: NpyDtype, shape: readonly number[], data: NpyArray): void {
  const writer = new NpyWriter(path, dtype, shape);
  writer.append(data);
  writer.close();
}

/** Reads a whole (small) .npy array: float32 and int32 as such, float16 as its Uint16Array bits. */
export function readNpy(path: string): { layout: NpyLayout; data: NpyArray } {
  const layout = readNpyLayout(path);
  const fd = openSync(path, 'r');
  try {
    const rows = layout.shape[0] ?? 1;
    const bytes = readRowsAt(fd, layout, 0, rows, new Uint8Array(rows * layout.rowBytes));
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const data = layout.dtype === 'float32' ? new Float32Array(buffer) : layout.dtype === 'int32' ? new Int32Array(buffer) : new Uint16Array(buffer);
    return { layout, data };
  } finally {
    closeSync(fd);
  }
}
