import { WasmKernel } from './wasm-kernel.js';

/** similarity.wat's exports (byte addresses and counts; see the source for each contract). */
export type SimilarityExports = {
  similarities(q: number, qCount: number, qStride: number, d: number, dCount: number, dim: number,
    sims: number, simsStride: number, best: number): void;
  argmaxRows(sims: number, rows: number, columns: number, simsStride: number, columnBase: number,
    bestIndex: number, bestValue: number): void;
};

/** The similarity-matrix kernel (similarity.wat), or null without WebAssembly SIMD. */
export const SIMILARITY_KERNEL = WasmKernel.load<SimilarityExports>(new URL('./similarity.wasm', import.meta.url), [
  'similarities', 'argmaxRows',
]);

/** Bytes after the last unpadded row that the kernel may read (its masked tail load). */
export const SIMILARITY_ROW_SLACK_BYTES = 16;

/**
 * Scalar reference of the kernel's `similarities`, bit for bit: `out[i * outStride + j]` = dot(a_i, b_j) of
 * `aCount` rows `a` and `bCount` rows `b` (row-major, `dim` floats), each lane l of four summing the float32
 * products of dimensions l, l + 4, ... in float32 (Math.fround after every operation, exact in float64 for
 * float32 operands), the lanes then added as (l0 + l2) + (l1 + l3).
 */
export function similaritiesScalar(
  a: Float32Array,
  aCount: number,
  b: Float32Array,
  bCount: number,
  dim: number,
  out: Float32Array,
  outStride = bCount,
): Float32Array {
  const fround = Math.fround;
  const padded = (dim + 3) & ~3;
  for (let i = 0; i < aCount; i++) {
    const ai = i * dim;
    for (let j = 0; j < bCount; j++) {
      const bj = j * dim;
      let l0 = 0;
      let l1 = 0;
      let l2 = 0;
      let l3 = 0;
      for (let t = 0; t < padded; t += 4) {
        // Past `dim` both operands are zero (query padding, masked document lanes).
        l0 = fround(l0 + (t < dim ? fround(a[ai + t]! * b[bj + t]!) : 0));
        l1 = fround(l1 + (t + 1 < dim ? fround(a[ai + t + 1]! * b[bj + t + 1]!) : 0));
        l2 = fround(l2 + (t + 2 < dim ? fround(a[ai + t + 2]! * b[bj + t + 2]!) : 0));
        l3 = fround(l3 + (t + 3 < dim ? fround(a[ai + t + 3]! * b[bj + t + 3]!) : 0));
      }
      out[i * outStride + j] = fround(fround(l0 + l2) + fround(l1 + l3));
    }
  }
  return out;
}
