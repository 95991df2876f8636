/** Small scalar row helpers for codebook code paths that are not hot (seeding, normalisation). */

/** `a[ao .. ao + dim) · b[bo .. bo + dim)`. */
export function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let t = 0; t < dim; t++) s += a[ao + t]! * b[bo + t]!;
  return s;
}

/** Scales every row of `rows` to unit length in place (zero rows stay zero). */
export function normalizeRowsInPlace(rows: Float32Array, n: number, dim: number): Float32Array {
  for (let i = 0, o = 0; i < n; i++, o += dim) {
    let norm = 0;
    for (let t = 0; t < dim; t++) norm += rows[o + t]! * rows[o + t]!;
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let t = 0; t < dim; t++) rows[o + t]! *= scale;
    }
  }
  return rows;
}
