import { describe, expect, it } from 'vitest';
import { DenseDots, dotsScalar } from '../../src/index/contextual/kernels/dense-dots.js';
import { mulberry32 } from '../../src/shared/random.js';

function randomRows(n: number, dim: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n * dim }, () => random() * 2 - 1);
}

describe('dense dots kernel', () => {
  for (const [n, m, dim] of [[1, 1, 4], [2, 4, 128], [5, 7, 128], [3, 9, 12], [7, 13, 10], [64, 130, 128]] as const) {
    it(`equals the scalar reference bit for bit (${n} x ${m}, dim ${dim})`, () => {
      const a = randomRows(n, dim, n * 31 + m);
      const b = randomRows(m, dim, m * 17 + n);
      const kernel = new DenseDots();
      const stored = kernel.store(b, m, dim);
      const loaded = kernel.load('rows', a, n, dim);
      const simd = kernel.dots(loaded, 0, n, stored, 0, m, new Float32Array(n * m));
      const scalar = dotsScalar(a, n, b, m, dim, new Float32Array(n * m));
      expect(Array.from(simd)).toEqual(Array.from(scalar));
      // and both are the real inner products to float32 precision
      let s = 0;
      for (let t = 0; t < dim; t++) s += a[(n - 1) * dim + t]! * b[(m - 1) * dim + t]!;
      expect(simd[n * m - 1]).toBeCloseTo(s, 4);
    });
  }

  it('takes row ranges of stored blocks and survives memory growth', () => {
    const dim = 8;
    const kernel = new DenseDots();
    const b = randomRows(10, dim, 1);
    const stored = kernel.store(b, 10, dim);
    kernel.store(new Float32Array(200_000 * dim), 200_000, dim); // grows memory past the first page
    const a = randomRows(3, dim, 2);
    const out = kernel.dots(kernel.load('q', a, 3, dim), 1, 2, stored, 4, 3, new Float32Array(6));
    const ref = dotsScalar(a.subarray(dim), 2, b.subarray(4 * dim), 3, dim, new Float32Array(6));
    expect(Array.from(out)).toEqual(Array.from(ref));
  });
});
