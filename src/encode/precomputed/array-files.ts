import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError, asFileError } from '../../shared/index.js';

/** Element types the bundle readers accept. */
export type ArrayDtype = 'float32' | 'float16' | 'int32' | 'int64' | 'uint32' | 'uint64';

const ITEM_BYTES: Record<ArrayDtype, number> = { float32: 4, float16: 2, int32: 4, int64: 8, uint32: 4, uint64: 8 };

/** A dense little-endian C-order array stored in a file from `dataOffset` on. */
export interface ArrayFile {
  readonly file: string;
  /** The array's name inside a multi-array file (safetensors), else undefined. */
  readonly name?: string;
  readonly dtype: ArrayDtype;
  readonly shape: readonly number[];
  readonly dataOffset: number;
  readonly itemBytes: number;
}

export function elementCount(array: ArrayFile): number {
  return array.shape.reduce((a, b) => a * b, 1);
}

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const NPY_DTYPES: Record<string, ArrayDtype> = {
  '<f4': 'float32',
  '<f2': 'float16',
  '<i4': 'int32',
  '<i8': 'int64',
  '<u4': 'uint32',
  '<u8': 'uint64',
};

/**
 * Reads a NumPy `.npy` header (format versions 1-3: magic, version, header length, a Python dict literal with
 * `descr`, `fortran_order` and `shape`) and checks the file holds exactly the data it declares.
 */
export function readNpyHeader(file: string): ArrayFile {
  const fail = (why: string): never => {
    throw new InputError(why, { file }, undefined, 'invalid_input');
  };
  return withFile(file, (fd, size) => {
    const head = Buffer.alloc(12);
    readSync(fd, head, 0, 12, 0);
    if (size < 10 || !head.subarray(0, 6).equals(NPY_MAGIC)) fail('not a NumPy .npy file (bad magic bytes)');
    const major = head[6]!;
    if (major < 1 || major > 3) fail(`unsupported .npy format version ${major}.${head[7]}`);
    const lengthBytes = major === 1 ? 2 : 4;
    const headerLength = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
    const start = 8 + lengthBytes;
    if (start + headerLength > size) fail('the .npy header is truncated');
    const text = Buffer.alloc(headerLength);
    readSync(fd, text, 0, headerLength, start);
    const header = text.toString(major === 3 ? 'utf8' : 'latin1');
    const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
    const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
    const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
    if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`unreadable .npy header ${JSON.stringify(header.trim())}`);
    const dtype = NPY_DTYPES[descr!];
    if (dtype === undefined) {
      fail(`dtype "${descr}" is not supported (expected little-endian float32 "<f4" or float16 "<f2" vectors, int32/int64 lengths)`);
    }
    if (fortran === 'True') fail('the array is in Fortran order; save it with np.ascontiguousarray(...) first');
    const shape = shapeText!
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map(Number);
    if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) fail(`bad shape (${shapeText})`);
    const array: ArrayFile = { file, dtype: dtype!, shape, dataOffset: start + headerLength, itemBytes: ITEM_BYTES[dtype!] };
    const expected = array.dataOffset + elementCount(array) * array.itemBytes;
    if (size !== expected) fail(`holds ${size - array.dataOffset} data bytes, but its header declares shape (${shape.join(', ')}) of ${descr} (${expected - array.dataOffset} bytes)`);
    return array;
  });
}

const SAFETENSORS_DTYPES: Record<string, ArrayDtype> = { F32: 'float32', F16: 'float16', I32: 'int32', I64: 'int64', U32: 'uint32', U64: 'uint64' };

/** Reads a safetensors header (u64 length, JSON of name -> dtype, shape, data_offsets) and checks its extents. */
export function readSafetensorsHeader(file: string): Map<string, ArrayFile> {
  const fail = (why: string): never => {
    throw new InputError(why, { file }, undefined, 'invalid_input');
  };
  return withFile(file, (fd, size) => {
    if (size < 8) fail('not a safetensors file (shorter than its header length)');
    const head = Buffer.alloc(8);
    readSync(fd, head, 0, 8, 0);
    const length = Number(head.readBigUInt64LE(0));
    if (!(length > 1) || 8 + length > size || length > 100_000_000) fail('not a safetensors file (bad header length)');
    const text = Buffer.alloc(length);
    readSync(fd, text, 0, length, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(text.toString('utf8')) as Record<string, unknown>;
    } catch {
      return fail('the safetensors header is not valid JSON');
    }
    const dataStart = 8 + length;
    const arrays = new Map<string, ArrayFile>();
    for (const [name, value] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const dtype = typeof entry.dtype === 'string' ? SAFETENSORS_DTYPES[entry.dtype] : undefined;
      if (dtype === undefined) fail(`tensor "${name}" has dtype ${JSON.stringify(entry.dtype)}; supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')}`);
      const shape = entry.shape;
      const offsets = entry.data_offsets;
      if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) fail(`tensor "${name}" has a bad shape`);
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0)) fail(`tensor "${name}" has bad data_offsets`);
      const array: ArrayFile = { file, name, dtype: dtype!, shape: shape as number[], dataOffset: dataStart + (offsets as number[])[0]!, itemBytes: ITEM_BYTES[dtype!] };
      const bytes = (offsets as number[])[1]! - (offsets as number[])[0]!;
      if (bytes !== elementCount(array) * array.itemBytes) fail(`tensor "${name}": data_offsets span ${bytes} bytes, its shape needs ${elementCount(array) * array.itemBytes}`);
      if (array.dataOffset + bytes > size) fail(`tensor "${name}" extends past the end of the file`);
      arrays.set(name, array);
    }
    return arrays;
  });
}

/** Reads a whole integer array (document lengths) as numbers. */
export function readIntegerArray(array: ArrayFile): number[] {
  if (!array.dtype.startsWith('int') && !array.dtype.startsWith('uint')) {
    throw new InputError(`${describe(array)} must hold integers, not ${array.dtype}`, { file: array.file }, undefined, 'invalid_input');
  }
  const n = elementCount(array);
  const bytes = readRange(array.file, array.dataOffset, n * array.itemBytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const at = i * array.itemBytes;
    const value =
      array.dtype === 'int32' ? view.getInt32(at, true)
      : array.dtype === 'uint32' ? view.getUint32(at, true)
      : array.dtype === 'int64' ? Number(view.getBigInt64(at, true))
      : Number(view.getBigUint64(at, true));
    out[i] = value;
  }
  return out;
}

/** `name` in `file`, for messages. */
export function describe(array: ArrayFile): string {
  return array.name === undefined ? array.file : `tensor "${array.name}" of ${array.file}`;
}

export function readRange(file: string, position: number, length: number): Buffer {
  return withFile(file, (fd) => {
    const out = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, position + done);
      if (n === 0) throw new InputError('ended before the data its header declares', { file }, undefined, 'invalid_input');
      done += n;
    }
    return out;
  });
}

function withFile<T>(file: string, use: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw asFileError(error, file);
  }
  try {
    return use(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}
