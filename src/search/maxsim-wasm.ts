/**
 * MaxSim in WebAssembly SIMD (f32x4), assembled here from opcodes (no build step, nothing fetched).
 *
 * Numerics: the SIMD kernel multiplies and accumulates in float32 (four lanes, horizontal add at the end), where
 * `maxSimKernel` accumulates exact float32 products in float64. A float32 dot product of length n is within
 * about (n/4 + 2) * 2^-24 * |q|·|d| of the exact one (~2e-6 relative for unit vectors at dim 128).
 * `scoreFloat32` returns that approximate score. `score` removes the difference: for each query row it recomputes
 * in float64, in `maxSimKernel`'s order, every document row whose float32 similarity is within twice that error
 * bound of the row's float32 maximum (usually one row), so it returns exactly `maxSimKernel`'s value and rankings
 * do not depend on whether the runtime has SIMD.
 */
import { maxSimKernel } from './maxsim.js';
import {
  assembleModule,
  EMPTY_BLOCK,
  f32x4Const,
  f32x4Shuffle,
  f64Const,
  i32x4Const,
  i32Const,
  localGet as get,
  localSet as set,
  localTee as tee,
  memarg,
  Op,
  simd,
  SimdOp,
  v128Load,
  v128Store,
  WasmType,
  type WasmFunction,
  type WasmValueType,
} from '../shared/wasm-assembler.js';

/** Query rows per register block (x 4 document rows): 2 x 4 keeps 8 accumulators plus operands in 16 registers. */
export const DEFAULT_QUERY_BLOCK = 2;
/** Lane mask for the last partial chunk of a row (dim % 4 lanes set) lives at byte 0 of memory. */
const MASK_OFFSET = 0;
const PAGE_BYTES = 65536;
/** Slack after the document rows: the masked tail load reads up to 12 bytes past them, float16 decoding writes 28. */
const TAIL_SLACK_BYTES = 32;
const QUERY_OFFSET = 16;

/** Allocates locals after the parameters and keeps their types in declaration order. */
class LocalAllocator {
  readonly types: WasmValueType[] = [];
  constructor(private readonly paramCount: number) {}
  add(type: WasmValueType): number {
    this.types.push(type);
    return this.paramCount + this.types.length - 1;
  }
  many(type: WasmValueType, count: number): number[] {
    return Array.from({ length: count }, () => this.add(type));
  }
}

const f32x4Add = simd(SimdOp.f32x4Add);
const f32x4Mul = simd(SimdOp.f32x4Mul);
const f32x4Pmax = simd(SimdOp.f32x4Pmax);
const v128And = simd(SimdOp.v128And);
const zeroV128 = f32x4Const(0, 0, 0, 0);
const enterBlockLoop = [Op.block, EMPTY_BLOCK, Op.loop, EMPTY_BLOCK];
const add = (...operands: number[][]): number[] => [...operands.flatMap((o, k) => (k === 0 ? o : [...o, Op.i32Add]))];
/** min(a, b) of i32 locals. */
const minLocal = (a: number[], b: number[]): number[] => [...a, ...b, ...a, ...b, Op.i32LtS, Op.select];

/** [sum(a), sum(b), sum(c), sum(d)] of four f32x4 locals, through two temporaries (shuffles + 3 adds). */
function horizontalSums(a: number, b: number, c: number, d: number, t0: number, t1: number): number[] {
  return [
    ...get(a), ...get(b), ...f32x4Shuffle(0, 4, 1, 5), ...get(a), ...get(b), ...f32x4Shuffle(2, 6, 3, 7), ...f32x4Add,
    ...set(t0),
    ...get(c), ...get(d), ...f32x4Shuffle(0, 4, 1, 5), ...get(c), ...get(d), ...f32x4Shuffle(2, 6, 3, 7), ...f32x4Add,
    ...set(t1),
    ...get(t0), ...get(t1), ...f32x4Shuffle(0, 1, 4, 5), ...get(t0), ...get(t1), ...f32x4Shuffle(2, 3, 6, 7), ...f32x4Add,
  ];
}

/** Largest lane of an f32x4 local as f32 (NaN lanes ignored unless all are NaN), via temporary `t`. */
function horizontalMax(v: number, t: number): number[] {
  return [
    ...get(v), ...get(v), ...get(v), ...f32x4Shuffle(2, 3, 0, 1), ...f32x4Pmax, ...tee(t),
    ...get(t), ...get(t), ...f32x4Shuffle(1, 0, 3, 2), ...f32x4Pmax, ...simd(SimdOp.f32x4ExtractLane), 0,
  ];
}

/** Locals (and the d, dCount, dim parameters) of a kernel that walks unpadded document rows four at a time. */
interface DocumentRows {
  readonly d: number;
  readonly dCount: number;
  readonly dim: number;
  readonly j: number;
  readonly t: number;
  readonly lastDoc: number;
  readonly fullBytes: number;
  readonly rowBytes: number;
  readonly tailLanes: number;
  readonly mask: number;
  readonly docPtr: readonly number[];
}

/** Loads the tail mask and derives the row geometry: whole-chunk bytes, row bytes, tail lanes, last row index. */
function rowGeometry(l: DocumentRows): number[] {
  return [
    ...i32Const(MASK_OFFSET), ...v128Load(), ...set(l.mask),
    ...get(l.dim), ...i32Const(2), Op.i32ShrU, ...i32Const(4), Op.i32Shl, ...set(l.fullBytes),
    ...get(l.dim), ...i32Const(2), Op.i32Shl, ...set(l.rowBytes),
    ...get(l.dim), ...i32Const(3), Op.i32And, ...set(l.tailLanes),
    ...get(l.dCount), ...i32Const(1), Op.i32Sub, ...set(l.lastDoc),
  ];
}

/**
 * Points `docPtr` at document rows j .. j+3 (rows past the end repeat the last one), zeroes `accumulators`, then
 * emits `chunk` for every whole 4-float chunk (byte offset in t) and, masked, once more for the tail lanes.
 */
function documentRowBlock(l: DocumentRows, accumulators: readonly number[], chunk: (masked: boolean) => number[]): number[] {
  return [
    ...l.docPtr.flatMap((p, r) => [
      ...add(get(l.d), [...minLocal([...get(l.j), ...i32Const(r), Op.i32Add], get(l.lastDoc)), ...get(l.rowBytes), Op.i32Mul]),
      ...set(p),
    ]),
    ...accumulators.flatMap((a) => [...zeroV128, ...set(a)]),
    ...i32Const(0), ...set(l.t),
    ...get(l.fullBytes), Op.if, EMPTY_BLOCK,
    Op.loop, EMPTY_BLOCK,
    ...chunk(false),
    ...get(l.t), ...i32Const(16), Op.i32Add, ...tee(l.t), ...get(l.fullBytes), Op.i32LtU, Op.brIf, 0,
    Op.end,
    Op.end,
    ...get(l.tailLanes), Op.if, EMPTY_BLOCK,
    ...chunk(true),
    Op.end,
  ];
}

/**
 * maxsim(q, qCount, qStride, d, dCount, dim, sims, simsStride, best): for every query row i (at q + i * qStride
 * bytes, zero-padded to a multiple of 4 floats) and document row j (at d + j * dim * 4, unpadded) writes
 * dot(q_i, d_j) as f32 at sims + i * simsStride + 4j (for j up to dCount rounded up to 4; the extra columns repeat
 * the last row) and max_j of it at best + 4i. Requires qCount >= 1, dCount >= 1, the tail mask at MASK_OFFSET
 * and TAIL_SLACK_BYTES readable after the last document row.
 */
function maxSimFunction(queryBlock: number): WasmFunction {
  const { i32, v128 } = WasmType;
  const [q, qCount, qStride, d, dCount, dim, sims, simsStride, best] = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;
  const locals = new LocalAllocator(9);
  const [i, j, t, lastDoc, lastQuery, fullBytes, rowBytes, tailLanes] = locals.many(i32, 8) as [
    number, number, number, number, number, number, number, number,
  ];
  const queryRow = locals.many(i32, queryBlock);
  const queryPtr = locals.many(i32, queryBlock);
  const simsRow = locals.many(i32, queryBlock);
  const docPtr = locals.many(i32, 4);
  const [mask, docChunk, temp0, temp1] = locals.many(v128, 4) as [number, number, number, number];
  const queryChunk = locals.many(v128, queryBlock);
  const bestSoFar = locals.many(v128, queryBlock);
  const acc = queryRow.map(() => locals.many(v128, 4));

  // One chunk of 4 dims at byte offset t: every query row of the block against every document row of the block.
  const chunk = (masked: boolean): number[] => [
    ...queryPtr.flatMap((p, k) => [...get(p), ...get(t), Op.i32Add, ...v128Load(), ...set(queryChunk[k]!)]),
    ...docPtr.flatMap((p, r) => [
      ...get(p), ...get(t), Op.i32Add, ...v128Load(), ...(masked ? [...get(mask), ...v128And] : []), ...set(docChunk),
      ...queryChunk.flatMap((x, k) => [
        ...get(acc[k]![r]!), ...get(x), ...get(docChunk), ...f32x4Mul, ...f32x4Add, ...set(acc[k]![r]!),
      ]),
    ]),
  ];

  const rows: DocumentRows = { d, dCount, dim, j, t, lastDoc, fullBytes, rowBytes, tailLanes, mask, docPtr };
  const body = [
    ...rowGeometry(rows),
    ...get(qCount), ...i32Const(1), Op.i32Sub, ...set(lastQuery),
    ...i32Const(0), ...set(i),
    Op.loop, EMPTY_BLOCK, // query blocks
    ...queryRow.flatMap((row, k) => [
      ...minLocal([...get(i), ...i32Const(k), Op.i32Add], get(lastQuery)), ...set(row),
      ...add(get(q), [...get(row), ...get(qStride), Op.i32Mul]), ...set(queryPtr[k]!),
      ...add(get(sims), [...get(row), ...get(simsStride), Op.i32Mul]), ...set(simsRow[k]!),
      ...f32x4Const(-Infinity, -Infinity, -Infinity, -Infinity), ...set(bestSoFar[k]!),
    ]),
    ...i32Const(0), ...set(j),
    Op.loop, EMPTY_BLOCK, // document blocks of 4 rows; rows past the end repeat the last one
    ...documentRowBlock(rows, acc.flat(), chunk),
    ...acc.flatMap((a, k) => [
      ...get(simsRow[k]!), ...get(j), ...i32Const(2), Op.i32Shl, Op.i32Add,
      ...horizontalSums(a[0]!, a[1]!, a[2]!, a[3]!, temp0, temp1), ...tee(temp0), ...v128Store(),
      ...get(bestSoFar[k]!), ...get(temp0), ...f32x4Pmax, ...set(bestSoFar[k]!),
    ]),
    ...get(j), ...i32Const(4), Op.i32Add, ...tee(j), ...get(dCount), Op.i32LtS, Op.brIf, 0,
    Op.end,
    ...queryRow.flatMap((row, k) => [
      ...get(best), ...get(row), ...i32Const(2), Op.i32Shl, Op.i32Add,
      ...horizontalMax(bestSoFar[k]!, temp0), Op.f32Store, ...memarg(2),
    ]),
    ...get(i), ...i32Const(queryBlock), Op.i32Add, ...tee(i), ...get(qCount), Op.i32LtS, Op.brIf, 0,
    Op.end,
  ];
  return {
    exportName: 'maxsim',
    params: [i32, i32, i32, i32, i32, i32, i32, i32, i32],
    results: [],
    locals: locals.types,
    body,
  };
}

/**
 * maxNormSquared(d, dCount, dim) -> f32: the largest squared L2 norm among dCount unpadded rows at d (0 when
 * dCount is 0; NaN if a row has NaN), four rows at a time. Same memory requirements as `maxsim`.
 */
function maxNormSquaredFunction(): WasmFunction {
  const { i32, f32, v128 } = WasmType;
  const [d, dCount, dim] = [0, 1, 2] as const;
  const locals = new LocalAllocator(3);
  const [j, t, lastDoc, fullBytes, rowBytes, tailLanes] = locals.many(i32, 6) as [
    number, number, number, number, number, number,
  ];
  const docPtr = locals.many(i32, 4);
  const [mask, docChunk, temp0, temp1, bestSoFar] = locals.many(v128, 5) as [number, number, number, number, number];
  const acc = locals.many(v128, 4);
  const chunk = (masked: boolean): number[] =>
    docPtr.flatMap((p, r) => [
      ...get(p), ...get(t), Op.i32Add, ...v128Load(), ...(masked ? [...get(mask), ...v128And] : []), ...tee(docChunk),
      ...get(docChunk), ...f32x4Mul, ...get(acc[r]!), ...f32x4Add, ...set(acc[r]!),
    ]);
  const rows: DocumentRows = { d, dCount, dim, j, t, lastDoc, fullBytes, rowBytes, tailLanes, mask, docPtr };
  const body = [
    ...rowGeometry(rows),
    ...zeroV128, ...set(bestSoFar),
    ...i32Const(0), ...set(j),
    ...enterBlockLoop,
    ...get(j), ...get(dCount), Op.i32GeS, Op.brIf, 1,
    ...documentRowBlock(rows, acc, chunk),
    // f32x4.max (not pmax) so that a NaN norm propagates and the caller falls back to rescoring every row.
    ...get(bestSoFar), ...horizontalSums(acc[0]!, acc[1]!, acc[2]!, acc[3]!, temp0, temp1), ...simd(SimdOp.f32x4Max),
    ...set(bestSoFar),
    ...get(j), ...i32Const(4), Op.i32Add, ...set(j),
    Op.br, 0,
    Op.end,
    Op.end,
    ...get(bestSoFar), ...get(bestSoFar), ...get(bestSoFar), ...f32x4Shuffle(2, 3, 0, 1), ...simd(SimdOp.f32x4Max), ...tee(temp0),
    ...get(temp0), ...get(temp0), ...f32x4Shuffle(1, 0, 3, 2), ...simd(SimdOp.f32x4Max), ...simd(SimdOp.f32x4ExtractLane), 0,
  ];
  return { exportName: 'maxNormSquared', params: [i32, i32, i32], results: [f32], locals: locals.types, body };
}

/**
 * rescore(q, qCount, qStride, d, dCount, dim, sims, simsStride, thresholds, out): for every query row i, the
 * largest float64 dot(q_i, d_j) (promoted products summed in order t = 0..dim-1, as `maxSimKernel` does) over
 * the rows j whose float32 similarity in `sims` is >= the f32 at thresholds + 4i, stored as f64 at out + 8i
 * (-Infinity when no row qualifies). Blocks of 4 similarities below the threshold are skipped with one compare.
 */
function rescoreFunction(): WasmFunction {
  const { i32, f32, f64, v128 } = WasmType;
  const [q, qCount, qStride, d, dCount, dim, sims, simsStride, thresholds, out] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
  const locals = new LocalAllocator(10);
  const [i, j, column, t, rowBytes, queryPtr, docPtr, simsRow] = locals.many(i32, 8) as [
    number, number, number, number, number, number, number, number,
  ];
  const threshold = locals.add(f32);
  const [best, dot] = locals.many(f64, 2) as [number, number];
  const thresholdLanes = locals.add(v128);
  const f32Load = [Op.f32Load, ...memarg(2)];
  const body = [
    ...get(dim), ...i32Const(2), Op.i32Shl, ...set(rowBytes),
    ...i32Const(0), ...set(i),
    ...enterBlockLoop, // query rows
    ...get(i), ...get(qCount), Op.i32GeS, Op.brIf, 1,
    ...get(thresholds), ...get(i), ...i32Const(2), Op.i32Shl, Op.i32Add, ...f32Load, ...tee(threshold),
    ...simd(SimdOp.f32x4Splat), ...set(thresholdLanes),
    ...add(get(q), [...get(i), ...get(qStride), Op.i32Mul]), ...set(queryPtr),
    ...add(get(sims), [...get(i), ...get(simsStride), Op.i32Mul]), ...set(simsRow),
    ...f64Const(-Infinity), ...set(best),
    ...i32Const(0), ...set(j),
    ...enterBlockLoop, // blocks of 4 document rows
    ...get(j), ...get(dCount), Op.i32GeS, Op.brIf, 1,
    ...get(simsRow), ...get(j), ...i32Const(2), Op.i32Shl, Op.i32Add, ...v128Load(), ...get(thresholdLanes),
    ...simd(SimdOp.f32x4Ge), ...simd(SimdOp.v128AnyTrue),
    Op.if, EMPTY_BLOCK,
    ...get(j), ...set(column),
    ...enterBlockLoop, // rows of the block
    ...get(column), ...get(dCount), Op.i32GeS, ...get(column), ...get(j), ...i32Const(4), Op.i32Add, Op.i32GeS,
    Op.i32Or, Op.brIf, 1,
    ...get(simsRow), ...get(column), ...i32Const(2), Op.i32Shl, Op.i32Add, ...f32Load, ...get(threshold), Op.f32Ge,
    Op.if, EMPTY_BLOCK,
    ...add(get(d), [...get(column), ...get(rowBytes), Op.i32Mul]), ...set(docPtr),
    ...f64Const(0), ...set(dot),
    ...i32Const(0), ...set(t),
    Op.loop, EMPTY_BLOCK,
    ...get(dot),
    ...get(queryPtr), ...get(t), Op.i32Add, ...f32Load, Op.f64PromoteF32,
    ...get(docPtr), ...get(t), Op.i32Add, ...f32Load, Op.f64PromoteF32,
    Op.f64Mul, Op.f64Add, ...set(dot),
    ...get(t), ...i32Const(4), Op.i32Add, ...tee(t), ...get(rowBytes), Op.i32LtU, Op.brIf, 0,
    Op.end,
    ...get(dot), ...get(best), Op.f64Gt, Op.if, EMPTY_BLOCK, ...get(dot), ...set(best), Op.end,
    Op.end,
    ...get(column), ...i32Const(1), Op.i32Add, ...set(column),
    Op.br, 0,
    Op.end, Op.end,
    Op.end,
    ...get(j), ...i32Const(4), Op.i32Add, ...set(j),
    Op.br, 0,
    Op.end, Op.end,
    ...get(out), ...get(i), ...i32Const(3), Op.i32Shl, Op.i32Add, ...get(best), Op.f64Store, ...memarg(3),
    ...get(i), ...i32Const(1), Op.i32Add, ...set(i),
    Op.br, 0,
    Op.end, Op.end,
  ];
  return {
    exportName: 'rescore',
    params: [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32],
    results: [],
    locals: locals.types,
    body,
  };
}

/**
 * decodeFloat16(src, dst, n): IEEE half floats (little-endian u16 at src) to f32 at dst, 8 at a time, bit-exact
 * including subnormals, infinities and NaN payloads. Rounds n up to a multiple of 8: reads up to 14 bytes past
 * src + 2n and writes up to 28 bytes past dst + 4n.
 */
function decodeFloat16Function(): WasmFunction {
  const { i32, v128 } = WasmType;
  const [src, dst, n] = [0, 1, 2] as const;
  const locals = new LocalAllocator(3);
  const [offset, end] = locals.many(i32, 2) as [number, number];
  const [signBit, magnitudeBits, infinityHalf, exponentBits, scale, halves, half, magnitude] = locals.many(v128, 8) as [
    number, number, number, number, number, number, number, number,
  ];
  const i32x4Shl = simd(SimdOp.i32x4Shl);
  const v128Or = simd(SimdOp.v128Or);
  // Magnitude bits shifted into f32 position read as a float 2^112 too small (exponent bias 15 vs 127); the
  // multiply fixes normals and subnormals exactly. Exponent 31 (infinity, NaN) gets the f32 exponent OR-ed in.
  const convert = (widen: number): number[] => [
    ...get(halves), ...simd(widen), ...tee(half),
    ...get(magnitudeBits), ...v128And, ...tee(magnitude), ...i32Const(13), ...i32x4Shl, ...get(scale), ...f32x4Mul,
    ...get(magnitude), ...get(infinityHalf), ...simd(SimdOp.i32x4GeU), ...get(exponentBits), ...v128And, ...v128Or,
    ...get(half), ...get(signBit), ...v128And, ...i32Const(16), ...i32x4Shl, ...v128Or,
  ];
  const body = [
    ...i32x4Const(0x8000, 0x8000, 0x8000, 0x8000), ...set(signBit),
    ...i32x4Const(0x7fff, 0x7fff, 0x7fff, 0x7fff), ...set(magnitudeBits),
    ...i32x4Const(0x7c00, 0x7c00, 0x7c00, 0x7c00), ...set(infinityHalf),
    ...i32x4Const(0x7f800000, 0x7f800000, 0x7f800000, 0x7f800000), ...set(exponentBits),
    ...f32x4Const(2 ** 112, 2 ** 112, 2 ** 112, 2 ** 112), ...set(scale),
    ...get(n), ...i32Const(1), Op.i32Shl, ...set(end),
    ...i32Const(0), ...set(offset),
    ...enterBlockLoop,
    ...get(offset), ...get(end), Op.i32GeU, Op.brIf, 1,
    ...get(src), ...get(offset), Op.i32Add, ...v128Load(), ...set(halves),
    ...get(dst), ...get(offset), ...i32Const(1), Op.i32Shl, Op.i32Add,
    ...convert(SimdOp.i32x4ExtendLowI16x8U), ...v128Store(),
    ...get(dst), ...get(offset), ...i32Const(1), Op.i32Shl, Op.i32Add,
    ...convert(SimdOp.i32x4ExtendHighI16x8U), ...v128Store(16),
    ...get(offset), ...i32Const(16), Op.i32Add, ...set(offset),
    Op.br, 0,
    Op.end, Op.end,
  ];
  return { exportName: 'decodeFloat16', params: [i32, i32, i32], results: [], locals: locals.types, body };
}

/** The kernel module's bytes (exported for tests that exercise the runtime check). */
export function maxSimModuleBytes(queryBlock = DEFAULT_QUERY_BLOCK): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(queryBlock) || queryBlock < 1 || queryBlock > 4) {
    throw new RangeError(`queryBlock must be 1..4, got ${queryBlock}`);
  }
  return assembleModule([maxSimFunction(queryBlock), maxNormSquaredFunction(), rescoreFunction(), decodeFloat16Function()], 1);
}

type MaxSimExport = (
  q: number, qCount: number, qStride: number, d: number, dCount: number, dim: number,
  sims: number, simsStride: number, best: number,
) => void;
type MaxNormSquaredExport = (d: number, dCount: number, dim: number) => number;
type DecodeFloat16Export = (src: number, dst: number, n: number) => void;
type RescoreExport = (
  q: number, qCount: number, qStride: number, d: number, dCount: number, dim: number,
  sims: number, simsStride: number, thresholds: number, out: number,
) => void;

/** Compiled kernel modules by query block size; null when the runtime rejects them (no SIMD). */
const compiledModules = new Map<number, WebAssembly.Module | null>();

const align16 = (bytes: number): number => (bytes + 15) & ~15;
const UNIT_ROUNDOFF_F32 = 2 ** -24;
const UNIT_ROUNDOFF_F64 = 2 ** -53;

/**
 * One WebAssembly instance scoring many documents against one query (`setQuery` once per search, then `score`
 * per document). Memory layout: tail mask | query rows (padded) | document rows | similarity matrix | row maxima.
 * Documents are best decoded straight into `documentBuffer()`; any other array is copied in. Growing memory
 * invalidates earlier `documentBuffer()` views, so take a fresh one per document. Not re-entrant.
 */
export class WasmMaxSim {
  private readonly memory: WebAssembly.Memory;
  private readonly kernel: MaxSimExport;
  private readonly maxNormSquared: MaxNormSquaredExport;
  private readonly rescore: RescoreExport;
  private readonly decodeFloat16Kernel: DecodeFloat16Export;
  private floats: Float32Array;
  private bytes: Uint8Array;
  private doubles: Float64Array;
  private dim = 0;
  private queryCount = 0;
  private query = new Float32Array(0);
  private weights: Float32Array | undefined;
  /** Per query row, L2 norm (float64, rounded up) for the float32 error bound. */
  private queryNorms = new Float64Array(0);
  private queryStrideBytes = 0;
  private docOffset = 0;
  private docRowCapacity = 0;
  private simsOffset = 0;
  private simsStrideBytes = 0;
  private bestOffset = 0;
  private thresholdsOffset = 0;
  private exactOffset = 0;
  private stagingOffset = 0;

  private constructor(instance: WebAssembly.Instance) {
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.kernel = instance.exports.maxsim as MaxSimExport;
    this.maxNormSquared = instance.exports.maxNormSquared as MaxNormSquaredExport;
    this.rescore = instance.exports.rescore as RescoreExport;
    this.decodeFloat16Kernel = instance.exports.decodeFloat16 as DecodeFloat16Export;
    this.floats = new Float32Array(this.memory.buffer);
    this.bytes = new Uint8Array(this.memory.buffer);
    this.doubles = new Float64Array(this.memory.buffer);
  }

  /** A new instance, or null when this runtime lacks WebAssembly SIMD (the module is compiled once per block size). */
  static create(queryBlock = DEFAULT_QUERY_BLOCK): WasmMaxSim | null {
    let module = compiledModules.get(queryBlock);
    if (module === undefined) {
      const bytes = maxSimModuleBytes(queryBlock);
      module = typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
      compiledModules.set(queryBlock, module);
    }
    return module === null ? null : new WasmMaxSim(new WebAssembly.Instance(module));
  }

  /** Copies the query (rows x dim, optional per-row weights) into memory; later `score` calls use it. */
  setQuery(query: Float32Array, queryCount: number, dim: number, weights?: Float32Array): void {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`MaxSim: dim must be a positive integer, got ${dim}`);
    if (query.length < queryCount * dim) {
      throw new RangeError(`MaxSim: query holds ${query.length} floats, fewer than ${queryCount} rows x dim ${dim}`);
    }
    if (weights !== undefined && weights.length < queryCount) {
      throw new RangeError(`MaxSim: ${weights.length} weights for ${queryCount} query rows`);
    }
    this.dim = dim;
    this.queryCount = queryCount;
    this.query = query.slice(0, queryCount * dim);
    this.weights = weights?.slice(0, queryCount);
    this.queryNorms = new Float64Array(queryCount);
    for (let i = 0; i < queryCount; i++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += this.query[i * dim + t]! ** 2;
      this.queryNorms[i] = Math.sqrt(s) * (1 + 1e-12);
    }
    this.queryStrideBytes = align16(dim * 4);
    this.layout();
    const floats = this.floats;
    floats.fill(0, MASK_OFFSET / 4, MASK_OFFSET / 4 + 4);
    new Int32Array(this.memory.buffer, MASK_OFFSET, 4).fill(-1, 0, dim & 3);
    const strideFloats = this.queryStrideBytes / 4;
    for (let i = 0; i < queryCount; i++) {
      const at = QUERY_OFFSET / 4 + i * strideFloats;
      floats.set(this.query.subarray(i * dim, (i + 1) * dim), at);
      floats.fill(0, at + dim, at + strideFloats);
    }
  }

  /** Computes region offsets for the current query and document capacity, growing memory as needed. */
  private layout(): void {
    this.docOffset = align16(QUERY_OFFSET + this.queryCount * this.queryStrideBytes);
    this.simsOffset = align16(this.docOffset + this.docRowCapacity * this.dim * 4 + TAIL_SLACK_BYTES);
    this.simsStrideBytes = align16(this.docRowCapacity * 4);
    this.bestOffset = this.simsOffset + this.queryCount * this.simsStrideBytes;
    this.thresholdsOffset = align16(this.bestOffset + this.queryCount * 4);
    this.exactOffset = align16(this.thresholdsOffset + this.queryCount * 4);
    this.stagingOffset = align16(this.exactOffset + this.queryCount * 8);
    const needed = this.stagingOffset + this.docRowCapacity * this.dim * 2 + 16;
    const have = this.memory.buffer.byteLength;
    if (needed > have) this.memory.grow(Math.ceil((needed - have) / PAGE_BYTES));
    if (this.floats.buffer !== this.memory.buffer) {
      this.floats = new Float32Array(this.memory.buffer);
      this.doubles = new Float64Array(this.memory.buffer);
      this.bytes = new Uint8Array(this.memory.buffer);
    }
  }

  /** Room for `docRows` document rows, preserving the query (which sits before the document region). */
  private reserveDocumentRows(docRows: number): void {
    if (docRows <= this.docRowCapacity) return;
    this.docRowCapacity = Math.max(docRows, this.docRowCapacity * 2);
    this.layout();
  }

  /**
   * Float32Array over the document region (room for the current capacity in rows x dim): pass it as the `out`
   * of `readVectors` so rows decode straight into WebAssembly memory. Empty at first; it grows to the largest
   * document scored since. Valid until the next `setQuery` or a `score` of a larger document.
   */
  documentBuffer(): Float32Array {
    const start = this.docOffset / 4;
    return this.floats.subarray(start, start + this.docRowCapacity * this.dim);
  }

  /**
   * Decodes `docCount` rows stored as little-endian IEEE float16 (the float16 codec's bytes) into the document
   * region in WebAssembly SIMD, bit-exact; returns a view of the decoded rows (valid like `documentBuffer()`).
   */
  decodeFloat16(halves: Uint8Array, docCount: number): Float32Array {
    const n = docCount * this.dim;
    if (halves.length < 2 * n) {
      throw new RangeError(`MaxSim: ${halves.length} float16 bytes, fewer than ${docCount} rows x dim ${this.dim}`);
    }
    this.reserveDocumentRows(docCount);
    // A fresh view of exactly 2n bytes: LMDB's transient read buffers report a `length` shorter than the view's
    // real extent, which TypedArray#set ignores.
    this.bytes.set(new Uint8Array(halves.buffer, halves.byteOffset, 2 * n), this.stagingOffset);
    this.decodeFloat16Kernel(this.stagingOffset, this.docOffset, n);
    return this.floats.subarray(this.docOffset / 4, this.docOffset / 4 + n);
  }

  /** `score` of a document given as float16 bytes, decoded straight into WebAssembly memory. */
  scoreFloat16(halves: Uint8Array, docCount: number, floors?: Float64Array): number {
    return this.score(this.decodeFloat16(halves, docCount), docCount, floors);
  }

  /** Makes `doc`'s first docCount rows the document in memory (no copy when it already is). */
  private placeDocument(doc: Float32Array, docCount: number): void {
    const n = docCount * this.dim;
    if (doc.length < n) throw new RangeError(`MaxSim: document holds ${doc.length} floats, fewer than ${docCount} rows x dim ${this.dim}`);
    if (doc.buffer === this.memory.buffer && doc.byteOffset === this.docOffset) return;
    this.reserveDocumentRows(docCount);
    this.floats.set(doc.length === n ? doc : doc.subarray(0, n), this.docOffset / 4);
  }

  private runKernel(docCount: number): void {
    this.kernel(
      QUERY_OFFSET, this.queryCount, this.queryStrideBytes, this.docOffset, docCount, this.dim,
      this.simsOffset, this.simsStrideBytes, this.bestOffset,
    );
  }

  /** Float32-accumulated MaxSim: sum_i w_i * max_j dot(q_i, d_j); 0 for an empty document (see file comment). */
  scoreFloat32(doc: Float32Array, docCount: number): number {
    if (docCount === 0 || this.queryCount === 0) return 0;
    this.placeDocument(doc, docCount);
    this.runKernel(docCount);
    const best = this.floats;
    const at = this.bestOffset / 4;
    const weights = this.weights;
    let total = 0;
    for (let i = 0; i < this.queryCount; i++) total += (weights === undefined ? 1 : weights[i]!) * best[at + i]!;
    return total;
  }

  /** MaxSim equal to `maxSimKernel` on the same input (float64 rescoring of near-best rows; see file comment). */
  score(doc: Float32Array, docCount: number, floors?: Float64Array): number {
    if (docCount === 0) return 0;
    const queryCount = this.queryCount;
    if (queryCount === 0) return 0;
    this.placeDocument(doc, docCount);
    this.runKernel(docCount);
    const dim = this.dim;
    const docNorm = Math.sqrt(this.maxNormSquared(this.docOffset, docCount, dim) * (1 + 1e-4) + 1e-30);
    // Float32 error bound per unit |q|·|d| (lanes of ceil(dim/4) terms + 2 horizontal adds, with margin), plus
    // the float64 reference's own rounding; subnormal results add an absolute error.
    const relativeError = (Math.ceil(dim / 4) + 4) * UNIT_ROUNDOFF_F32 * 1.01 + (dim + 2) * UNIT_ROUNDOFF_F64 * 1.01;
    const errorPerQueryNorm = relativeError * docNorm;
    const absoluteError = (dim + 4) * 2 ** -148;
    const floats = this.floats;
    const queryNorms = this.queryNorms;
    const bestStart = this.bestOffset / 4;
    const thresholdsStart = this.thresholdsOffset / 4;
    for (let i = 0; i < queryCount; i++) {
      let threshold = floats[bestStart + i]! - 2 * (errorPerQueryNorm * queryNorms[i]! + absoluteError);
      // Lowered by more than float32 rounding, so the threshold stored as f32 is still at most the bound.
      threshold -= Math.abs(threshold) * 2 ** -22 + 1e-38;
      if (!Number.isFinite(threshold)) {
        // Overflow or NaN input: no usable bound, so score every row in float64 the scalar way.
        const start = this.docOffset / 4;
        return maxSimKernel(this.query, queryCount, floats.subarray(start, start + docCount * dim), docCount, dim, this.weights, floors);
      }
      floats[thresholdsStart + i] = threshold;
    }
    this.rescore(
      QUERY_OFFSET, queryCount, this.queryStrideBytes, this.docOffset, docCount, dim,
      this.simsOffset, this.simsStrideBytes, this.thresholdsOffset, this.exactOffset,
    );
    const bestExact = this.doubles;
    const exactStart = this.exactOffset / 8;
    // Same summation order as maxSimKernel (pairs of rows) so the totals are bit-identical.
    const weights = this.weights;
    let total = 0;
    for (let i = 0; i < queryCount; i += 2) {
      const paired = i + 1 < queryCount;
      let bestA = bestExact[exactStart + i]!;
      let bestB = paired ? bestExact[exactStart + i + 1]! : 0;
      if (floors !== undefined) {
        if (floors[i]! > bestA) bestA = floors[i]!;
        if (paired && floors[i + 1]! > bestB) bestB = floors[i + 1]!;
      }
      if (weights === undefined) {
        total += paired ? bestA + bestB : bestA;
      } else {
        total += weights[i]! * bestA;
        if (paired) total += weights[i + 1]! * bestB;
      }
    }
    return total;
  }
}
