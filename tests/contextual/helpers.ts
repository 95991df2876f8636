import { mulberry32 } from '../../src/shared/random.js';

/** Seeded unit rows clustered around `centres` random directions (noise level `noise`), for codebook tests. */
export function clusteredRows(n: number, dim: number, centres: number, noise: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const gaussian = (): number => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const means = new Float32Array(centres * dim);
  for (let i = 0; i < means.length; i++) means[i] = gaussian();
  normalize(means, centres, dim);
  const rows = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(random() * centres);
    for (let t = 0; t < dim; t++) rows[i * dim + t] = means[c * dim + t]! + (noise * gaussian()) / Math.sqrt(dim);
  }
  return normalize(rows, n, dim);
}

export function normalize(rows: Float32Array, n: number, dim: number): Float32Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += rows[i * dim + t]! ** 2;
    const scale = 1 / Math.sqrt(s);
    for (let t = 0; t < dim; t++) rows[i * dim + t]! *= scale;
  }
  return rows;
}

/** Brute-force nearest centroid by inner product (first on ties), in float64. */
export function bruteNearest(rows: Float32Array, n: number, centroids: Float32Array, k: number, dim: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += rows[i * dim + t]! * centroids[c * dim + t]!;
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}
