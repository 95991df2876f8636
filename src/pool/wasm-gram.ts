/**
 * Pairwise dot products of float64 rows in WebAssembly SIMD (f64x2, two accumulators), about 3x the scalar JS
 * loop. Float64 accumulation keeps distances within ~1e-16 of the scalar path, so clustering still matches
 * SciPy. The module is assembled here from its opcodes (no build step, nothing fetched); `null` when the
 * runtime lacks WebAssembly SIMD, and callers fall back to scalar code.
 */
import {
  assembleModule,
  EMPTY_BLOCK,
  i32Const,
  instantiateIfSupported,
  localGet,
  localSet,
  localTee,
  memarg,
  Op,
  simd,
  SimdOp,
  WasmType,
  type WasmFunction,
} from '../shared/wasm-assembler.js';

/**
 * gram(n, stride, out): for 0 <= i < j < n writes dot(row i, row j) as f64 at out, out + 8, ... (condensed
 * order). Row r starts at byte r * stride * 8; stride is a multiple of 4 (zero-padded), at least 4.
 */
function gramModuleBytes(): Uint8Array<ArrayBuffer> {
  // Locals: params n=0 stride=1 out=2; i=3 j=4 rowI=5 rowJ=6 d=7 rowBytes=8 (i32); acc0=9 acc1=10 (v128).
  const get = localGet;
  const set = localSet;
  const tee = localTee;
  const add = [Op.i32Add];
  const mul = [Op.i32Mul];
  const loadV128 = (offset: number) => [...simd(SimdOp.v128Load), ...memarg(4, offset)];
  const f64x2Add = simd(SimdOp.f64x2Add);
  const f64x2Mul = simd(SimdOp.f64x2Mul);
  const zeroV128 = [...simd(SimdOp.v128Const), ...new Array<number>(16).fill(0)];
  const f64x2Lane = (lane: number) => [...simd(SimdOp.f64x2ExtractLane), lane];
  const enter = [Op.block, EMPTY_BLOCK, Op.loop, EMPTY_BLOCK];
  const body = [
    ...get(1), ...i32Const(3), Op.i32Shl, ...set(8), // rowBytes = stride << 3
    ...enter, // loop over i
    ...get(3), ...get(0), Op.i32GeS, Op.brIf, 1, // if i >= n: exit
    ...get(3), ...get(8), ...mul, ...set(5),
    ...get(3), ...i32Const(1), ...add, ...set(4),
    ...enter, // loop over j
    ...get(4), ...get(0), Op.i32GeS, Op.brIf, 1, // if j >= n: exit
    ...get(4), ...get(8), ...mul, ...set(6),
    ...zeroV128, ...set(9),
    ...zeroV128, ...set(10),
    ...i32Const(0), ...set(7),
    Op.loop, EMPTY_BLOCK, // loop over d (bytes, 32 per step)
    ...get(9), ...get(5), ...get(7), ...add, ...loadV128(0), ...get(6), ...get(7), ...add, ...loadV128(0),
    ...f64x2Mul, ...f64x2Add, ...set(9),
    ...get(10), ...get(5), ...get(7), ...add, ...loadV128(16), ...get(6), ...get(7), ...add, ...loadV128(16),
    ...f64x2Mul, ...f64x2Add, ...set(10),
    ...get(7), ...i32Const(32), ...add, ...tee(7), ...get(8), Op.i32LtS, Op.brIf, 0, // while d < rowBytes
    Op.end,
    ...get(2),
    ...get(9), ...get(10), ...f64x2Add, ...tee(9), ...f64x2Lane(0), ...get(9), ...f64x2Lane(1), Op.f64Add,
    Op.f64Store, ...memarg(3),
    ...get(2), ...i32Const(8), ...add, ...set(2),
    ...get(4), ...i32Const(1), ...add, ...set(4),
    Op.br, 0, // next j
    Op.end, Op.end,
    ...get(3), ...i32Const(1), ...add, ...set(3),
    Op.br, 0, // next i
    Op.end, Op.end,
  ];
  const { i32, v128 } = WasmType;
  const gram: WasmFunction = {
    exportName: 'gram',
    params: [i32, i32, i32],
    results: [],
    locals: [i32, i32, i32, i32, i32, i32, v128, v128],
    body,
  };
  return assembleModule([gram], 1);
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
    const instance = instantiateIfSupported(gramModuleBytes());
    return instance === null ? null : new WasmGram(instance);
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
