import type { MultiVector } from '../../src/shared/multivector.js';

/** Test-local PRNG (xorshift32), independent of src/pool/seed.ts. */
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** `count` random unit rows of `dim`. */
export function randomUnitDoc(count: number, dim: number, seed: number, extra: Partial<MultiVector> = {}): MultiVector {
  const random = xorshift(seed);
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const v = gaussian(random);
      data[i * dim + d] = v;
      s += v * v;
    }
    for (let d = 0; d < dim; d++) data[i * dim + d]! /= Math.sqrt(s);
  }
  return { ...extra, dim, count, data };
}

/** Rows near `modes` orthogonal axes: row i is axis (i % modes) plus small noise, unit length. */
export function modalDoc(count: number, dim: number, modes: number, noise: number, seed: number): MultiVector {
  const random = xorshift(seed);
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const v = (d === i % modes ? 1 : 0) + noise * gaussian(random);
      data[i * dim + d] = v;
      s += v * v;
    }
    for (let d = 0; d < dim; d++) data[i * dim + d]! /= Math.sqrt(s);
  }
  return { dim, count, data };
}

export function doc2d(anglesDegrees: number[]): MultiVector {
  const data = new Float32Array(anglesDegrees.length * 2);
  anglesDegrees.forEach((a, i) => {
    data[i * 2] = Math.cos((a * Math.PI) / 180);
    data[i * 2 + 1] = Math.sin((a * Math.PI) / 180);
  });
  return { dim: 2, count: anglesDegrees.length, data };
}

export function row(doc: MultiVector, i: number): number[] {
  return Array.from(doc.data.subarray(i * doc.dim, (i + 1) * doc.dim));
}

/** Reference MaxSim of one query vector against a document: max over rows of the dot product. */
export function maxSim(query: ArrayLike<number>, doc: MultiVector): number {
  let best = -Infinity;
  for (let i = 0; i < doc.count; i++) {
    let s = 0;
    for (let d = 0; d < doc.dim; d++) s += query[d]! * doc.data[i * doc.dim + d]!;
    best = Math.max(best, s);
  }
  return best;
}
