import wasmBase64 from './dense-dots.wasm-bytes.js';

const PAGE = 65536;
let compiled: WebAssembly.Module | undefined;

/** A block of rows inside a kernel's memory: `rows` rows of `stride` floats (dim rounded up to 4, zero-padded). */
export interface KernelRows {
  readonly offset: number;
  readonly rows: number;
  readonly dim: number;
  readonly stride: number;
}

/**
 * Inner products of row sets in WebAssembly SIMD (`dense-dots.wat`). Each instance owns its memory: persistent
 * matrices (a codebook) are copied in once with `store`, query or batch rows go through `load` into a reusable
 * region. `dotsScalar` is the bit-exact reference of the kernel's summation order.
 */
export class DenseDots {
  private readonly memory: WebAssembly.Memory;
  private readonly dotsExport: (a: number, n: number, b: number, m: number, dim: number, out: number) => void;
  private top = 0;
  private readonly scratch = new Map<string, { offset: number; bytes: number }>();

  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(wasmBase64, 'base64'));
    const instance = new WebAssembly.Instance(compiled, {});
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.dotsExport = instance.exports.dots as DenseDots['dotsExport'];
    this.top = 16;
  }

  /** Copies `n` rows of `dim` floats into a new persistent region. */
  store(rows: Float32Array, n: number, dim: number): KernelRows {
    const stride = strideOf(dim);
    const block = { offset: this.allocate(n * stride * 4), rows: n, dim, stride };
    this.write(block, rows, n);
    return block;
  }

  /** Copies `n` rows into the reusable region `slot` (grown as needed; its previous content is overwritten). */
  load(slot: string, rows: Float32Array, n: number, dim: number): KernelRows {
    const stride = strideOf(dim);
    const block = { offset: this.region(slot, n * stride * 4), rows: n, dim, stride };
    this.write(block, rows, n);
    return block;
  }

  /** A view of a stored block's floats (invalidated when the kernel's memory grows). */
  view(block: KernelRows): Float32Array {
    return new Float32Array(this.memory.buffer, block.offset, block.rows * block.stride);
  }

  /**
   * `out[i * count + j] = a_(aFirst + i) · b_(bFirst + j)` for `n` rows of `a` and `count` rows of `b`.
   */
  dots(a: KernelRows, aFirst: number, n: number, b: KernelRows, bFirst: number, count: number, out: Float32Array): Float32Array {
    if (a.stride !== b.stride) throw new RangeError(`dense dots: row widths differ (${a.dim} and ${b.dim})`);
    if (n === 0 || count === 0) return out;
    const outOffset = this.region('out', n * count * 4);
    this.dotsExport(a.offset + aFirst * a.stride * 4, n, b.offset + bFirst * b.stride * 4, count, a.stride, outOffset);
    out.set(new Float32Array(this.memory.buffer, outOffset, n * count));
    return out;
  }

  private write(block: KernelRows, rows: Float32Array, n: number): void {
    const view = this.view(block);
    if (block.stride === block.dim) {
      view.set(rows.subarray(0, n * block.dim));
      return;
    }
    for (let i = 0; i < n; i++) {
      view.set(rows.subarray(i * block.dim, (i + 1) * block.dim), i * block.stride);
      view.fill(0, i * block.stride + block.dim, (i + 1) * block.stride);
    }
  }

  private region(slot: string, bytes: number): number {
    const current = this.scratch.get(slot);
    if (current && current.bytes >= bytes) return current.offset;
    const grown = Math.max(bytes, (current?.bytes ?? 0) * 2);
    const offset = this.allocate(grown);
    this.scratch.set(slot, { offset, bytes: grown });
    return offset;
  }

  private allocate(bytes: number): number {
    const offset = (this.top + 15) & ~15;
    const end = offset + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return offset;
  }
}

function strideOf(dim: number): number {
  return (dim + 3) & ~3;
}

/**
 * The kernel's arithmetic in scalar float32: lane l accumulates dimensions t = l (mod 4) in order, then
 * ((l0 + l1) + (l2 + l3)). Equal to `DenseDots.dots` bit for bit.
 */
export function dotsScalar(a: Float32Array, n: number, b: Float32Array, m: number, dim: number, out: Float32Array): Float32Array {
  const f = Math.fround;
  const lanes = new Float32Array(4);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      lanes.fill(0);
      for (let t = 0; t < dim; t++) lanes[t & 3] = f(lanes[t & 3]! + f(a[i * dim + t]! * b[j * dim + t]!));
      out[i * m + j] = f(f(lanes[0]! + lanes[1]!) + f(lanes[2]! + lanes[3]!));
    }
  }
  return out;
}
