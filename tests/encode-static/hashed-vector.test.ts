import { describe, expect, it } from 'vitest';
import { writeHashedVector } from '../../src/encode/static/hashed-vector.js';

const dim = 100;
function vectorOf(word: string): Float32Array {
  const out = new Float32Array(dim);
  writeHashedVector(word, dim, out, 0);
  return out;
}
function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j]! * b[j]!;
  return s;
}

describe('writeHashedVector', () => {
  it('is deterministic and independent of the output offset', () => {
    const a = vectorOf('brca1');
    const b = vectorOf('brca1');
    expect(Array.from(b)).toEqual(Array.from(a));
    const packed = new Float32Array(3 * dim).fill(7);
    writeHashedVector('brca1', dim, packed, dim);
    expect(Array.from(packed.subarray(dim, 2 * dim))).toEqual(Array.from(a));
    // Neighbouring rows are untouched.
    expect(packed[dim - 1]).toBe(7);
    expect(packed[2 * dim]).toBe(7);
  });

  it('gives unit vectors', () => {
    for (const word of ['x', '3.5', 'il-17a', 'ångström', '蛋白质', '']) {
      expect(Math.sqrt(dot(vectorOf(word), vectorOf(word)))).toBeCloseTo(1, 5);
    }
  });

  it('gives near-orthogonal vectors to different words, even ones differing in one character', () => {
    const words = ['brca1', 'brca2', 'brca', 'il-6', 'il-8', '1', '2', '10', '100', '0.05', '0.5'];
    for (let i = 0; i < 1200; i++) words.push(`w${i}`);
    const vectors = words.map(vectorOf);
    let sum = 0;
    let sumSq = 0;
    let maxAbs = 0;
    let pairs = 0;
    for (let i = 0; i < vectors.length; i++) {
      for (let k = i + 1; k < vectors.length; k++) {
        const c = dot(vectors[i]!, vectors[k]!);
        sum += c;
        sumSq += c * c;
        maxAbs = Math.max(maxAbs, Math.abs(c));
        pairs++;
      }
    }
    // Random unit vectors in 100-d: cosine mean 0, standard deviation 1/sqrt(100) = 0.1.
    const mean = sum / pairs;
    const sd = Math.sqrt(sumSq / pairs - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.085);
    expect(sd).toBeLessThan(0.115);
    expect(maxAbs).toBeLessThan(0.6);
  });

  it('spreads components around zero with no dominant axis', () => {
    const sums = new Float64Array(dim);
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const v = vectorOf(`token-${i}`);
      for (let j = 0; j < dim; j++) sums[j]! += v[j]!;
    }
    // Each component of a random unit vector has mean 0 and sd 0.1; the mean of 2000 has sd ~0.0022.
    for (let j = 0; j < dim; j++) expect(Math.abs(sums[j]! / n)).toBeLessThan(0.012);
  });
});
