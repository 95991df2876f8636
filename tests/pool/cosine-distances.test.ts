import { describe, expect, it } from 'vitest';
import { condensedCosineDistances, condensedCosineDistancesScalar, WasmCosine } from '../../src/pool/cosine.js';
import { randomUnitDoc, xorshift } from './helpers.js';

/** Textbook cosine distance of two rows, the reference for both kernels. */
function referenceDistance(data: Float32Array, dim: number, i: number, j: number): number {
  let dot = 0;
  let ni = 0;
  let nj = 0;
  for (let d = 0; d < dim; d++) {
    dot += data[i * dim + d]! * data[j * dim + d]!;
    ni += data[i * dim + d]! ** 2;
    nj += data[j * dim + d]! ** 2;
  }
  return 1 - dot / Math.sqrt(ni * nj);
}

describe('condensed cosine distances', () => {
  it('WebAssembly SIMD is available on this runtime', () => {
    expect(WasmCosine.create()).not.toBeNull();
  });
  for (const [n, dim, first] of [[9, 1, 0], [20, 3, 2], [33, 8, 1], [70, 101, 3], [150, 128, 0]] as const) {
    it(`n=${n} dim=${dim} from row ${first}: SIMD and scalar kernels equal the textbook formula`, () => {
      const random = xorshift(n * 1000 + dim);
      const data = new Float32Array((first + n) * dim).map(() => random() * 2 - 1);
      const pairs = (n * (n - 1)) / 2;
      const fast = new Float64Array(pairs);
      const scalar = new Float64Array(pairs);
      condensedCosineDistances(data, dim, first, n, new Float64Array(n), fast);
      condensedCosineDistancesScalar(data, dim, first, n, new Float64Array(n), scalar);
      let worst = 0;
      let k = 0;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++, k++) {
          const want = referenceDistance(data, dim, first + i, first + j);
          worst = Math.max(worst, Math.abs(fast[k]! - want), Math.abs(scalar[k]! - want));
        }
      }
      expect(k).toBe(pairs);
      expect(worst).toBeLessThan(1e-12);
    });
  }
  it('reusing the kernel on a smaller document after a larger one leaves no stale padding', () => {
    const big = randomUnitDoc(60, 7, 1);
    const small = randomUnitDoc(12, 5, 2);
    const out = new Float64Array(60 * 59);
    condensedCosineDistances(big.data, 7, 0, 60, new Float64Array(60), out);
    condensedCosineDistances(small.data, 5, 0, 12, new Float64Array(12), out);
    expect(out[0]!).toBeCloseTo(referenceDistance(small.data, 5, 0, 1), 12);
    expect(out[65]!).toBeCloseTo(referenceDistance(small.data, 5, 10, 11), 12);
  });
});
