import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

/** Writes a little-endian .npy v1.0 file (an independent writer for the bundle readers' tests). */
export function writeNpy(file: string, descr: '<f4' | '<i8', shape: readonly number[], values: ArrayLike<number>): void {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = descr === '<f4' ? Buffer.from(Float32Array.from(values).buffer) : Buffer.from(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
  writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
}

/** A bundle directory of `documents` clustered documents (5-14 rows each, dim `dim`); returns their rows too. */
export function writeBundle(dir: string, documents: number, dim: number, seed: number): { ids: string[]; rows: Float32Array[] } {
  mkdirSync(dir, { recursive: true });
  const random = mulberry32(seed);
  const rows = Array.from({ length: documents }, (_, i) => clusteredRows(5 + Math.floor(random() * 10), dim, 24, 0.6, seed * 7919 + i));
  const ids = rows.map((_, i) => `doc-${i}`);
  const all = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of rows) {
    all.set(r, at);
    at += r.length;
  }
  writeNpy(path.join(dir, 'embeddings.npy'), '<f4', [all.length / dim, dim], all);
  writeNpy(path.join(dir, 'doclens.npy'), '<i8', [documents], rows.map((r) => r.length / dim));
  writeFileSync(path.join(dir, 'ids.txt'), ids.join('\n') + '\n');
  return { ids, rows };
}
