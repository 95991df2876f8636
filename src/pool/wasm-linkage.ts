/**
 * Cosine distances, the nearest-neighbour-chain linkage and the cluster means in one WebAssembly module, so a
 * document's rows are copied in once and the n x n float64 distance matrix never leaves WebAssembly memory. The arithmetic is the
 * same float64 sequence as `condensedCosineDistancesScalar` + `LinkageBuilder` (only the summation order of dot
 * products differs, by ~1e-16), so cluster assignments still match SciPy. The module is assembled here from its
 * opcodes (nothing fetched); `null` when the runtime lacks WebAssembly SIMD.
 */
import { InputError } from '../shared/errors.js';
import {
  assembleModule,
  EMPTY_BLOCK,
  F64_BLOCK,
  f64Const,
  i32Const,
  localGet,
  localSet,
  localTee,
  memarg,
  Op,
  simd,
  SimdOp,
  WasmType,
  type WasmFunction,
  type WasmValueType,
} from '../shared/wasm-assembler.js';
import type { LinkageMethod } from './linkage.js';

const get = localGet;
const set = localSet;
const tee = localTee;
const { i32, f64, v128 } = WasmType;
/** `block; loop` (exit with `br 1`, repeat with `br 0`) ... `end; end`. */
const enter = [Op.block, EMPTY_BLOCK, Op.loop, EMPTY_BLOCK];
const leave = [Op.end, Op.end];
const i32Load = (offset = 0) => [Op.i32Load, ...memarg(2, offset)];
const i32Store = (offset = 0) => [Op.i32Store, ...memarg(2, offset)];
const f64Load = (offset = 0) => [Op.f64Load, ...memarg(3, offset)];
const f64Store = (offset = 0) => [Op.f64Store, ...memarg(3, offset)];
const v128Load = (offset = 0) => [...simd(SimdOp.v128Load), ...memarg(4, offset)];
const zeroV128 = [...simd(SimdOp.v128Const), ...new Array<number>(16).fill(0)];
/** Byte address `base + index * 2^shift` from locals. */
const address = (base: number, index: number, shift: number) => [
  ...get(base), ...get(index), ...i32Const(shift), Op.i32Shl, Op.i32Add,
];
const increment = (local: number, by = 1) => [...get(local), ...i32Const(by), Op.i32Add, ...set(local)];

/**
 * prepare(n, dim, stride, src, rows, squaredNorms): widens n packed float32 rows at `src` to float64 rows of
 * `stride` (zero-padded) at `rows`, and writes each row's sum of squares (summed in order, as the scalar path).
 */
function prepareFunction(): WasmFunction {
  // params n=0 dim=1 stride=2 src=3 rows=4 norms=5; locals i=6 d=7 srcRow=8 dstRow=9 (i32) s=10 v=11 (f64)
  const body = [
    ...i32Const(0), ...set(6),
    ...enter,
    ...get(6), ...get(0), Op.i32GeS, Op.brIf, 1,
    ...get(6), ...get(1), Op.i32Mul, ...i32Const(2), Op.i32Shl, ...get(3), Op.i32Add, ...set(8),
    ...get(6), ...get(2), Op.i32Mul, ...i32Const(3), Op.i32Shl, ...get(4), Op.i32Add, ...set(9),
    ...f64Const(0), ...set(10),
    ...i32Const(0), ...set(7),
    ...enter,
    ...get(7), ...get(1), Op.i32GeS, Op.brIf, 1,
    ...address(8, 7, 2), Op.f32Load, ...memarg(2), Op.f64PromoteF32, ...set(11),
    ...address(9, 7, 3), ...get(11), ...f64Store(),
    ...get(10), ...get(11), ...get(11), Op.f64Mul, Op.f64Add, ...set(10),
    ...increment(7),
    Op.br, 0,
    ...leave,
    ...enter,
    ...get(7), ...get(2), Op.i32GeS, Op.brIf, 1,
    ...address(9, 7, 3), ...f64Const(0), ...f64Store(),
    ...increment(7),
    Op.br, 0,
    ...leave,
    ...address(5, 6, 3), ...get(10), ...f64Store(),
    ...increment(6),
    Op.br, 0,
    ...leave,
  ];
  return { exportName: 'prepare', params: [i32, i32, i32, i32, i32, i32], results: [], locals: [i32, i32, i32, i32, f64, f64], body };
}

/**
 * distances(n, stride, rows, inverseNorms, out): the full symmetric n x n matrix of 1 - clamp(dot * inv_i *
 * inv_j) at `out` (diagonal untouched). Rows are float64 with an even stride. Rows i and i + 1 are dotted
 * against four rows j at once: six loads feed eight f64x2 accumulators.
 */
function distancesFunction(): WasmFunction {
  // params n=0 stride=1 rows=2 norms=3 out=4
  // i32 locals i=5 j=6 rowI=7 rowI2=8 rowJ0..rowJ3=9..12 d=13 rowBytes=14
  // f64 locals invI=15 invI2=16 dist=17; v128 locals a0..a3=18..21 b0..b3=22..25 xi=26 xi2=27 xj=28
  const [n, rows, norms, out] = [0, 2, 3, 4];
  const [i, j, rowI, rowI2, rowJ0, d, rowBytes, invI, invI2, dist, a0, b0, xi, xi2, xj] =
    [5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 18, 22, 26, 27, 28];
  const f64x2Add = simd(SimdOp.f64x2Add);
  const f64x2Mul = simd(SimdOp.f64x2Mul);
  const load = (row: number) => [...get(row), ...get(d), Op.i32Add, ...v128Load()];
  /** acc += x * xj */
  const accumulate = (acc: number, x: number) => [...get(acc), ...get(x), ...get(xj), ...f64x2Mul, ...f64x2Add, ...set(acc)];
  const zero = (acc: number) => [...zeroV128, ...set(acc)];
  const dLoop = (step: number[]) => [
    ...i32Const(0), ...set(d),
    Op.loop, EMPTY_BLOCK,
    ...step,
    ...get(d), ...i32Const(16), Op.i32Add, ...tee(d), ...get(rowBytes), Op.i32LtS, Op.brIf, 0,
    Op.end,
  ];
  /** Writes the distance of (i + rowOffset, j + offset) from `acc` at both (i', j') and (j', i'). */
  const store = (acc: number, rowOffset: number, inv: number, offset: number) => {
    const iPlus = [...get(i), ...i32Const(rowOffset), Op.i32Add];
    const jPlus = [...get(j), ...i32Const(offset), Op.i32Add];
    return [
      ...get(acc), ...simd(SimdOp.f64x2ExtractLane), 0, ...get(acc), ...simd(SimdOp.f64x2ExtractLane), 1, Op.f64Add,
      ...get(inv), Op.f64Mul,
      ...get(norms), ...jPlus, ...i32Const(3), Op.i32Shl, Op.i32Add, ...f64Load(), Op.f64Mul,
      ...f64Const(-1), Op.f64Max, ...f64Const(1), Op.f64Min, ...set(dist),
      ...f64Const(1), ...get(dist), Op.f64Sub, ...set(dist),
      ...get(out), ...iPlus, ...get(n), Op.i32Mul, ...jPlus, Op.i32Add, ...i32Const(3), Op.i32Shl, Op.i32Add,
      ...get(dist), ...f64Store(),
      ...get(out), ...jPlus, ...get(n), Op.i32Mul, ...iPlus, Op.i32Add, ...i32Const(3), Op.i32Shl, Op.i32Add,
      ...get(dist), ...f64Store(),
    ];
  };
  const body = [
    ...get(1), ...i32Const(3), Op.i32Shl, ...set(rowBytes),
    ...i32Const(0), ...set(i),
    ...enter, // over row pairs (i, i + 1); a last unpaired row has no j > i left
    ...get(i), ...i32Const(1), Op.i32Add, ...get(n), Op.i32GeS, Op.brIf, 1,
    ...get(rows), ...get(i), ...get(rowBytes), Op.i32Mul, Op.i32Add, ...tee(rowI),
    ...get(rowBytes), Op.i32Add, ...set(rowI2),
    ...address(norms, i, 3), ...f64Load(), ...set(invI),
    ...address(norms, i, 3), ...f64Load(8), ...set(invI2),
    // (i, i + 1)
    ...get(i), ...i32Const(1), Op.i32Add, ...set(j),
    ...zero(a0),
    ...dLoop([...load(rowI2), ...set(xj), ...get(rowI), ...get(d), Op.i32Add, ...v128Load(), ...set(xi), ...accumulate(a0, xi)]),
    ...store(a0, 0, invI, 0),
    ...get(i), ...i32Const(2), Op.i32Add, ...set(j),
    ...enter, // blocks of four j
    ...get(j), ...i32Const(3), Op.i32Add, ...get(n), Op.i32GeS, Op.brIf, 1,
    ...get(rows), ...get(j), ...get(rowBytes), Op.i32Mul, Op.i32Add, ...tee(rowJ0),
    ...get(rowBytes), Op.i32Add, ...tee(rowJ0 + 1),
    ...get(rowBytes), Op.i32Add, ...tee(rowJ0 + 2),
    ...get(rowBytes), Op.i32Add, ...set(rowJ0 + 3),
    ...zeroV128, ...tee(a0), ...tee(a0 + 1), ...tee(a0 + 2), ...tee(a0 + 3),
    ...tee(b0), ...tee(b0 + 1), ...tee(b0 + 2), ...set(b0 + 3),
    ...dLoop([
      ...load(rowI), ...set(xi), ...load(rowI2), ...set(xi2),
      ...[0, 1, 2, 3].flatMap((q) => [...load(rowJ0 + q), ...set(xj), ...accumulate(a0 + q, xi), ...accumulate(b0 + q, xi2)]),
    ]),
    ...[0, 1, 2, 3].flatMap((q) => [...store(a0 + q, 0, invI, q), ...store(b0 + q, 1, invI2, q)]),
    ...increment(j, 4),
    Op.br, 0,
    ...leave,
    ...enter, // remaining j one at a time
    ...get(j), ...get(n), Op.i32GeS, Op.brIf, 1,
    ...get(rows), ...get(j), ...get(rowBytes), Op.i32Mul, Op.i32Add, ...set(rowJ0),
    ...zero(a0), ...zero(b0),
    ...dLoop([
      ...load(rowJ0), ...set(xj),
      ...load(rowI), ...set(xi), ...accumulate(a0, xi),
      ...load(rowI2), ...set(xi2), ...accumulate(b0, xi2),
    ]),
    ...store(a0, 0, invI, 0), ...store(b0, 1, invI2, 0),
    ...increment(j),
    Op.br, 0,
    ...leave,
    ...increment(i, 2),
    Op.br, 0,
    ...leave,
  ];
  return {
    exportName: 'distances',
    params: [i32, i32, i32, i32, i32],
    results: [],
    locals: [...new Array<WasmValueType>(10).fill(i32), f64, f64, f64, ...new Array<WasmValueType>(11).fill(v128)],
    body,
  };
}

/**
 * nnChain(n, method, D, sizes, active, chain, left, right, height): SciPy's `nn_chain` over the full symmetric
 * float64 matrix `D` (overwritten), method 0 ward, 1 average, 2 complete, 3 single. Writes merge t as slots
 * left[t] < right[t] (i32) at height[t] (f64), in chain order (not sorted). `sizes` (f64), `active` and
 * `chain` (i32) are n-element scratch. Scans run over the live slots in ascending order with a strict `<`,
 * so ties go to the lowest index as in SciPy.
 */
function nnChainFunction(): WasmFunction {
  const [n, method, D, sizes, active, chain, left, right, height] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [t, chainLength, x, y, a, i, activeCount, write, rowX, rowY, merges, swap] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  const [currentMin, dist, nx, ny, ni, dxi, dyi, inv] = [21, 22, 23, 24, 25, 26, 27, 28];
  const chainAt = (offsetFromEnd: number) => [
    ...get(chain), ...get(chainLength), ...i32Const(offsetFromEnd), Op.i32Sub, ...i32Const(2), Op.i32Shl, Op.i32Add,
  ];
  const row = (slot: number) => [...get(D), ...get(slot), ...get(n), Op.i32Mul, ...i32Const(3), Op.i32Shl, Op.i32Add];
  const wardUpdate = [
    // sqrt((ni+nx)*inv*dxi*dxi + (ni+ny)*inv*dyi*dyi - ni*inv*dxy*dxy), inv = 1/(nx+ny+ni)
    ...f64Const(1), ...get(nx), ...get(ny), Op.f64Add, ...get(ni), Op.f64Add, Op.f64Div, ...set(inv),
    ...get(ni), ...get(nx), Op.f64Add, ...get(inv), Op.f64Mul, ...get(dxi), Op.f64Mul, ...get(dxi), Op.f64Mul,
    ...get(ni), ...get(ny), Op.f64Add, ...get(inv), Op.f64Mul, ...get(dyi), Op.f64Mul, ...get(dyi), Op.f64Mul,
    Op.f64Add,
    ...get(ni), ...get(inv), Op.f64Mul, ...get(currentMin), Op.f64Mul, ...get(currentMin), Op.f64Mul,
    Op.f64Sub, Op.f64Sqrt,
  ];
  const averageUpdate = [
    ...get(nx), ...get(dxi), Op.f64Mul, ...get(ny), ...get(dyi), Op.f64Mul, Op.f64Add,
    ...get(nx), ...get(ny), Op.f64Add, Op.f64Div,
  ];
  const update = [
    ...get(method), Op.i32Eqz, Op.if, F64_BLOCK, ...wardUpdate,
    Op.else, ...get(method), ...i32Const(1), Op.i32Eq, Op.if, F64_BLOCK, ...averageUpdate,
    Op.else, ...get(method), ...i32Const(2), Op.i32Eq, Op.if, F64_BLOCK, ...get(dxi), ...get(dyi), Op.f64Max,
    Op.else, ...get(dxi), ...get(dyi), Op.f64Min,
    Op.end, Op.end, Op.end,
  ];
  const body = [
    ...i32Const(0), ...set(i),
    ...enter,
    ...get(i), ...get(n), Op.i32GeS, Op.brIf, 1,
    ...address(sizes, i, 3), ...f64Const(1), ...f64Store(),
    ...address(active, i, 2), ...get(i), ...i32Store(),
    ...increment(i),
    Op.br, 0,
    ...leave,
    ...get(n), ...set(activeCount),
    ...i32Const(0), ...set(chainLength),
    ...get(n), ...i32Const(1), Op.i32Sub, ...set(merges),
    ...i32Const(0), ...set(t),
    ...enter, // over merges t
    ...get(t), ...get(merges), Op.i32GeS, Op.brIf, 1,
    ...get(chainLength), Op.i32Eqz, Op.if, EMPTY_BLOCK,
    ...get(chain), ...get(active), ...i32Load(), ...i32Store(),
    ...i32Const(1), ...set(chainLength),
    Op.end,
    ...enter, // walk the chain until two mutual nearest neighbours
    ...chainAt(1), ...i32Load(), ...set(x),
    ...get(chainLength), ...i32Const(1), Op.i32GtS, Op.if, EMPTY_BLOCK,
    ...chainAt(2), ...i32Load(), ...set(y),
    ...row(x), ...get(y), ...i32Const(3), Op.i32Shl, Op.i32Add, ...f64Load(), ...set(currentMin),
    Op.else,
    ...f64Const(Infinity), ...set(currentMin),
    Op.end,
    ...row(x), ...set(rowX),
    ...i32Const(0), ...set(a),
    ...enter, // scan live slots
    ...get(a), ...get(activeCount), Op.i32GeS, Op.brIf, 1,
    ...address(active, a, 2), ...i32Load(), ...tee(i), ...get(x), Op.i32Ne, Op.if, EMPTY_BLOCK,
    ...address(rowX, i, 3), ...f64Load(), ...tee(dist), ...get(currentMin), Op.f64Lt, Op.if, EMPTY_BLOCK,
    ...get(dist), ...set(currentMin), ...get(i), ...set(y),
    Op.end,
    Op.end,
    ...increment(a),
    Op.br, 0,
    ...leave,
    Op.block, EMPTY_BLOCK, // stop when y is the previous chain element, else push y
    ...get(chainLength), ...i32Const(1), Op.i32LeS, Op.brIf, 0,
    ...get(y), ...chainAt(2), ...i32Load(), Op.i32Eq, Op.brIf, 2,
    Op.end,
    ...get(chain), ...get(chainLength), ...i32Const(2), Op.i32Shl, Op.i32Add, ...get(y), ...i32Store(),
    ...increment(chainLength),
    Op.br, 0,
    ...leave,
    ...get(chainLength), ...i32Const(2), Op.i32Sub, ...set(chainLength),
    ...get(x), ...get(y), Op.i32GtS, Op.if, EMPTY_BLOCK,
    ...get(x), ...set(swap), ...get(y), ...set(x), ...get(swap), ...set(y),
    Op.end,
    ...address(sizes, x, 3), ...f64Load(), ...set(nx),
    ...address(sizes, y, 3), ...f64Load(), ...set(ny),
    ...address(left, t, 2), ...get(x), ...i32Store(),
    ...address(right, t, 2), ...get(y), ...i32Store(),
    ...address(height, t, 3), ...get(currentMin), ...f64Store(),
    ...address(sizes, x, 3), ...f64Const(0), ...f64Store(),
    ...address(sizes, y, 3), ...get(nx), ...get(ny), Op.f64Add, ...f64Store(),
    ...row(x), ...set(rowX),
    ...row(y), ...set(rowY),
    ...i32Const(0), ...set(write),
    ...i32Const(0), ...set(a),
    ...enter, // Lance-Williams update of every live slot against the merged one; drop x from the live list
    ...get(a), ...get(activeCount), Op.i32GeS, Op.brIf, 1,
    Op.block, EMPTY_BLOCK,
    ...address(active, a, 2), ...i32Load(), ...tee(i), ...get(x), Op.i32Eq, Op.brIf, 0,
    ...address(active, write, 2), ...get(i), ...i32Store(),
    ...increment(write),
    ...get(i), ...get(y), Op.i32Eq, Op.brIf, 0,
    ...address(sizes, i, 3), ...f64Load(), ...set(ni),
    ...address(rowX, i, 3), ...f64Load(), ...set(dxi),
    ...address(rowY, i, 3), ...f64Load(), ...set(dyi),
    ...update, ...set(dist),
    ...address(rowY, i, 3), ...get(dist), ...f64Store(),
    ...row(i), ...get(y), ...i32Const(3), Op.i32Shl, Op.i32Add, ...get(dist), ...f64Store(),
    Op.end,
    ...increment(a),
    Op.br, 0,
    ...leave,
    ...get(write), ...set(activeCount),
    ...increment(t),
    Op.br, 0,
    ...leave,
  ];
  return {
    exportName: 'nnChain',
    params: [i32, i32, i32, i32, i32, i32, i32, i32, i32],
    results: [],
    locals: [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, f64, f64, f64, f64, f64, f64, f64, f64],
    body,
  };
}

/**
 * pool(n, dim, stride, rows, labels, clusters, renormalize, sums, counts, out): cluster c of `out` (float32,
 * packed `dim`) is the sum of the float64 rows labelled c, in row order, times 1 / ||sum|| (0 for a zero sum)
 * when `renormalize`, else 1 / size: the same float64 operations as `ClusterMerger`, so the same floats.
 */
function poolFunction(): WasmFunction {
  const [n, dim, stride, rows, labels, clusters, renormalize, sums, counts, out] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [i, d, c, rowBase, sumBase, rowBytes, end] = [10, 11, 12, 13, 14, 15, 16];
  const [s, scale, v] = [17, 18, 19];
  const body = [
    ...get(stride), ...i32Const(3), Op.i32Shl, ...set(rowBytes),
    ...get(clusters), ...get(rowBytes), Op.i32Mul, ...get(sums), Op.i32Add, ...set(end),
    ...get(sums), ...set(i),
    ...enter, // zero the sums
    ...get(i), ...get(end), Op.i32GeU, Op.brIf, 1,
    ...get(i), ...zeroV128, ...simd(SimdOp.v128Store), ...memarg(4),
    ...increment(i, 16),
    Op.br, 0,
    ...leave,
    ...i32Const(0), ...set(c),
    ...enter, // zero the counts
    ...get(c), ...get(clusters), Op.i32GeS, Op.brIf, 1,
    ...address(counts, c, 3), ...f64Const(0), ...f64Store(),
    ...increment(c),
    Op.br, 0,
    ...leave,
    ...i32Const(0), ...set(i),
    ...enter, // add each row to its cluster
    ...get(i), ...get(n), Op.i32GeS, Op.brIf, 1,
    ...address(labels, i, 2), ...i32Load(), ...set(c),
    ...address(counts, c, 3), ...address(counts, c, 3), ...f64Load(), ...f64Const(1), Op.f64Add, ...f64Store(),
    ...get(rows), ...get(i), ...get(rowBytes), Op.i32Mul, Op.i32Add, ...set(rowBase),
    ...get(sums), ...get(c), ...get(rowBytes), Op.i32Mul, Op.i32Add, ...set(sumBase),
    ...i32Const(0), ...set(d),
    Op.loop, EMPTY_BLOCK,
    ...get(sumBase), ...get(d), Op.i32Add,
    ...get(sumBase), ...get(d), Op.i32Add, ...v128Load(),
    ...get(rowBase), ...get(d), Op.i32Add, ...v128Load(),
    ...simd(SimdOp.f64x2Add), ...simd(SimdOp.v128Store), ...memarg(4),
    ...get(d), ...i32Const(16), Op.i32Add, ...tee(d), ...get(rowBytes), Op.i32LtS, Op.brIf, 0,
    Op.end,
    ...increment(i),
    Op.br, 0,
    ...leave,
    ...i32Const(0), ...set(c),
    ...enter, // scale and narrow each cluster
    ...get(c), ...get(clusters), Op.i32GeS, Op.brIf, 1,
    ...get(sums), ...get(c), ...get(rowBytes), Op.i32Mul, Op.i32Add, ...set(sumBase),
    ...get(renormalize), Op.if, EMPTY_BLOCK,
    ...f64Const(0), ...set(s),
    ...i32Const(0), ...set(d),
    ...enter,
    ...get(d), ...get(dim), Op.i32GeS, Op.brIf, 1,
    ...address(sumBase, d, 3), ...f64Load(), ...tee(v), ...get(v), Op.f64Mul, ...get(s), Op.f64Add, ...set(s),
    ...increment(d),
    Op.br, 0,
    ...leave,
    ...f64Const(1), ...get(s), Op.f64Sqrt, Op.f64Div, ...f64Const(0), ...get(s), ...f64Const(0), Op.f64Gt, Op.select,
    ...set(scale),
    Op.else,
    ...f64Const(1), ...address(counts, c, 3), ...f64Load(), Op.f64Div, ...set(scale),
    Op.end,
    ...i32Const(0), ...set(d),
    ...enter,
    ...get(d), ...get(dim), Op.i32GeS, Op.brIf, 1,
    ...get(out), ...get(c), ...get(dim), Op.i32Mul, ...get(d), Op.i32Add, ...i32Const(2), Op.i32Shl, Op.i32Add,
    ...address(sumBase, d, 3), ...f64Load(), ...get(scale), Op.f64Mul, Op.f32DemoteF64,
    Op.f32Store, ...memarg(2),
    ...increment(d),
    Op.br, 0,
    ...leave,
    ...increment(c),
    Op.br, 0,
    ...leave,
  ];
  return {
    exportName: 'pool',
    params: new Array<WasmValueType>(10).fill(i32),
    results: [],
    locals: [...new Array<WasmValueType>(7).fill(i32), f64, f64, f64],
    body,
  };
}

let compiledModule: WebAssembly.Module | null | undefined;

/** The module, compiled once per process and shared by every pooler's instance; null without WebAssembly SIMD. */
function linkageModule(): WebAssembly.Module | null {
  if (compiledModule === undefined) {
    const bytes = assembleModule([prepareFunction(), distancesFunction(), nnChainFunction(), poolFunction()], 1);
    compiledModule = typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiledModule;
}

const METHOD_CODES: Record<LinkageMethod, number> = { ward: 0, average: 1, complete: 2, single: 3 };

/** Merges in chain order (not sorted by height): merge t joins the clusters holding slots left[t] < right[t]. */
export interface MergeList {
  readonly leaves: number;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly height: Float64Array;
}

type Exports = {
  memory: WebAssembly.Memory;
  prepare: (n: number, dim: number, stride: number, src: number, rows: number, norms: number) => void;
  distances: (n: number, stride: number, rows: number, norms: number, out: number) => void;
  nnChain: (
    n: number, method: number, d: number, sizes: number, active: number, chain: number,
    left: number, right: number, height: number,
  ) => void;
  pool: (
    n: number, dim: number, stride: number, rows: number, labels: number, clusters: number, renormalize: number,
    sums: number, counts: number, out: number,
  ) => void;
};

/** Owns one WebAssembly instance and its memory; not re-entrant (one per pooler). */
export class WasmLinkage {
  /** Largest row count taken (its matrix is 8 n^2 bytes, 32 MiB here, and memory never shrinks); callers use
   * the JS path above it. */
  static readonly MAX_ROWS = 2048;

  /** Shape of the last `build` (its float64 rows stay at offset 0 for `pool`) and where its matrix began. */
  private built = { n: 0, dim: 0, stride: 0, scratch: 0 };

  private constructor(private readonly exports: Exports) {}

  static create(): WasmLinkage | null {
    const module = linkageModule();
    return module === null ? null : new WasmLinkage(new WebAssembly.Instance(module).exports as unknown as Exports);
  }

  /**
   * Clusters rows [first, first + n) of `data` on cosine distance with `method`. The returned arrays are views
   * into WebAssembly memory, valid until the next call. A non-finite value is an InputError.
   */
  build(data: Float32Array, dim: number, first: number, n: number, method: LinkageMethod): MergeList {
    const stride = Math.max(2, (dim + 1) & ~1);
    const merges = Math.max(n - 1, 0);
    // Layout (bytes, 16-aligned): f64 rows | f64 norms | f64 sizes | f64 heights | f64 D | f32 src | i32 active,
    // chain, left, right.
    const align = (bytes: number) => (bytes + 15) & ~15;
    const rows = 0;
    const norms = align(rows + n * stride * 8);
    const sizes = align(norms + n * 8);
    const height = align(sizes + n * 8);
    const matrix = align(height + merges * 8);
    const src = align(matrix + n * n * 8);
    const active = align(src + n * dim * 4);
    const chain = align(active + n * 4);
    const left = align(chain + n * 4);
    const right = align(left + merges * 4);
    const end = right + merges * 4;
    const memory = this.exports.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    const buffer = memory.buffer;
    new Float32Array(buffer, src, n * dim).set(data.subarray(first * dim, (first + n) * dim));
    this.exports.prepare(n, dim, stride, src, rows, norms);
    const inverseNorms = new Float64Array(buffer, norms, n);
    for (let i = 0; i < n; i++) {
      const s = inverseNorms[i]!;
      if (!Number.isFinite(s)) {
        throw new InputError(`token vector row ${first + i} has a non-finite value (NaN or Infinity)`, undefined, 'embeddings');
      }
      inverseNorms[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
    }
    this.exports.distances(n, stride, rows, norms, matrix);
    this.exports.nnChain(n, METHOD_CODES[method], matrix, sizes, active, chain, left, right, height);
    this.built = { n, dim, stride, scratch: matrix };
    return {
      leaves: n,
      left: new Int32Array(buffer, left, merges),
      right: new Int32Array(buffer, right, merges),
      height: new Float64Array(buffer, height, merges),
    };
  }

  /**
   * Means of the rows of the last `build` by `labels[0..n)` (0..clusters-1), re-normalised when `renormalize`:
   * float32, packed, cluster by cluster; a view into WebAssembly memory valid until the next call. Equals
   * `ClusterMerger` bit for bit.
   */
  pool(labels: Int32Array, clusters: number, renormalize: boolean): Float32Array {
    const { n, dim, stride, scratch } = this.built;
    const align = (bytes: number) => (bytes + 15) & ~15;
    const sums = scratch;
    const counts = align(sums + clusters * stride * 8);
    const labelsAt = align(counts + clusters * 8);
    const out = align(labelsAt + n * 4);
    const end = out + clusters * dim * 4;
    const memory = this.exports.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    new Int32Array(memory.buffer, labelsAt, n).set(labels.subarray(0, n));
    this.exports.pool(n, dim, stride, 0, labelsAt, clusters, renormalize ? 1 : 0, sums, counts, out);
    return new Float32Array(memory.buffer, out, clusters * dim);
  }
}
