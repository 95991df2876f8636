import { describe, expect, it } from 'vitest';
import { getFloat16 } from '@petamoriken/float16';
import { Float16Codec } from '../../src/index/codecs/float16-codec.js';
import { LateInteractionSearcher, maxSimKernel } from '../../src/search/index.js';
import { createMaxSimScorer, MAXSIM_BACKEND } from '../../src/search/maxsim-scorer.js';
import { WasmMaxSim } from '../../src/search/maxsim-wasm.js';
import { FakeIndex, rng } from './fixtures.js';

/** Plain float64 triple loop, the reference for every kernel; also the scale of float32 rounding error. */
function reference(
  query: Float32Array, queryCount: number, doc: Float32Array, docCount: number, dim: number, weights?: Float32Array,
): { score: number; errorScale: number } {
  if (docCount === 0) return { score: 0, errorScale: 0 };
  let maxDocNorm = 0;
  for (let j = 0; j < docCount; j++) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += doc[j * dim + t]! ** 2;
    maxDocNorm = Math.max(maxDocNorm, Math.sqrt(s));
  }
  let score = 0;
  let errorScale = 0;
  for (let i = 0; i < queryCount; i++) {
    let best = -Infinity;
    let norm = 0;
    for (let t = 0; t < dim; t++) norm += query[i * dim + t]! ** 2;
    for (let j = 0; j < docCount; j++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += query[i * dim + t]! * doc[j * dim + t]!;
      best = Math.max(best, s);
    }
    const w = weights === undefined ? 1 : weights[i]!;
    score += w * best;
    errorScale += Math.abs(w) * Math.sqrt(norm) * maxDocNorm;
  }
  return { score, errorScale };
}

function randomRows(random: () => number, count: number, dim: number): Float32Array {
  return Float32Array.from({ length: count * dim }, () => random() * 2 - 1);
}

function createKernel(): WasmMaxSim {
  const kernel = WasmMaxSim.create();
  if (kernel === null) throw new Error('WebAssembly SIMD unavailable');
  return kernel;
}

describe('WebAssembly SIMD MaxSim', () => {
  it('is the backend on this runtime', () => {
    expect(MAXSIM_BACKEND).toBe('wasm-simd');
    expect(createMaxSimScorer().backend).toBe('wasm-simd');
  });

  it('matches hand-worked examples', () => {
    // q0 = (1,0), q1 = (0,1); d0 = (0.5,0.5), d1 = (1,0): q0 -> 1, q1 -> 0.5
    const kernel = createKernel();
    const doc = new Float32Array([0.5, 0.5, 1, 0]);
    kernel.setQuery(new Float32Array([1, 0, 0, 1]), 2, 2);
    expect(kernel.score(doc, 2)).toBe(1.5);
    expect(kernel.scoreFloat32(doc, 2)).toBe(1.5);
    kernel.setQuery(new Float32Array([1, 0, 0, 1]), 2, 2, new Float32Array([2, 3]));
    expect(kernel.score(doc, 2)).toBe(3.5);
    // Every similarity negative: max(-3, -1) = -1.
    kernel.setQuery(new Float32Array([1]), 1, 1);
    expect(kernel.score(new Float32Array([-3, -1]), 2)).toBe(-1);
    expect(kernel.scoreFloat32(new Float32Array([-3, -1]), 2)).toBe(-1);
    expect(kernel.score(new Float32Array(0), 0)).toBe(0);
  });

  it('equals the float64 brute force on random shapes (float32 within 1e-5 relative, exact score bit-identical to the JS kernel)', () => {
    const random = rng(2024);
    const dims = [1, 2, 3, 4, 5, 7, 8, 13, 31, 64, 96, 100, 127, 128, 130];
    let cases = 0;
    const kernel = createKernel();
    for (let round = 0; round < 48; round++) {
      const dim = dims[Math.floor(random() * dims.length)]!;
      const queryCount = 1 + Math.floor(random() * 40);
      const docCount = Math.floor(random() * 201);
      const weights = random() < 0.5 ? Float32Array.from({ length: queryCount }, () => random() * 3 - 0.5) : undefined;
      const query = randomRows(random, queryCount, dim);
      const doc = randomRows(random, docCount, dim);
      const want = reference(query, queryCount, doc, docCount, dim, weights);
      kernel.setQuery(query, queryCount, dim, weights);
      const float32 = kernel.scoreFloat32(doc, docCount);
      expect(Math.abs(float32 - want.score)).toBeLessThanOrEqual(1e-5 * want.errorScale);
      const exact = kernel.score(doc, docCount);
      expect(exact).toBe(maxSimKernel(query, queryCount, doc, docCount, dim, weights));
      expect(Math.abs(exact - want.score)).toBeLessThanOrEqual(1e-12 * Math.max(1, want.errorScale));
      cases++;
    }
    expect(cases).toBe(48);
  });

  it('rescores near-ties in float64: rows closer than float32 rounding still give the JS kernel value', () => {
    const random = rng(99);
    const kernel = createKernel();
    for (const dim of [3, 100, 128]) {
      const query = randomRows(random, 9, dim);
      // 60 copies of one row, each nudged by one float32 ulp in a random coordinate: float32 dot products
      // cannot tell them apart reliably, float64 ones can.
      const base = randomRows(random, 1, dim);
      const doc = new Float32Array(60 * dim);
      const bits = new Int32Array(doc.buffer);
      for (let j = 0; j < 60; j++) {
        doc.set(base, j * dim);
        const at = j * dim + Math.floor(random() * dim);
        bits[at]! += random() < 0.5 ? 1 : -1;
      }
      kernel.setQuery(query, 9, dim);
      expect(kernel.score(doc, 60)).toBe(maxSimKernel(query, 9, doc, 60, dim));
    }
  });

  it('ignores rows past the document (poisoned with NaN) when decoding in place, for dims not a multiple of 4', () => {
    const random = rng(5);
    const kernel = createKernel();
    for (const dim of [1, 6, 13, 130]) {
      const query = randomRows(random, 7, dim);
      const big = randomRows(random, 50, dim);
      kernel.setQuery(query, 7, dim);
      kernel.score(big, 50); // grows the document region to 50 rows
      const doc = randomRows(random, 11, dim);
      const buffer = kernel.documentBuffer();
      expect(buffer.length).toBeGreaterThanOrEqual(50 * dim);
      buffer.fill(Number.NaN);
      buffer.set(doc);
      const inPlace = buffer.subarray(0, 11 * dim);
      expect(kernel.score(inPlace, 11)).toBe(maxSimKernel(query, 7, doc, 11, dim));
      const want = reference(query, 7, doc, 11, dim);
      expect(Math.abs(kernel.scoreFloat32(inPlace, 11) - want.score)).toBeLessThanOrEqual(1e-5 * want.errorScale);
    }
  });

  it('survives memory growth: old views are invalidated, new buffers and the query stay correct', () => {
    const random = rng(11);
    const kernel = createKernel();
    const dim = 128;
    const query = randomRows(random, 32, dim);
    kernel.setQuery(query, 32, dim);
    const small = randomRows(random, 3, dim);
    expect(kernel.score(small, 3)).toBe(maxSimKernel(query, 32, small, 3, dim));
    const before = kernel.documentBuffer();
    // 4000 rows x 128 floats = 2 MB: far beyond the initial 64 KiB page.
    const large = randomRows(random, 4000, dim);
    expect(kernel.score(large, 4000)).toBe(maxSimKernel(query, 32, large, 4000, dim));
    expect(before.length).toBe(0); // detached by Memory.grow
    const after = kernel.documentBuffer();
    expect(after.length).toBeGreaterThanOrEqual(4000 * dim);
    after.set(small);
    expect(kernel.score(after.subarray(0, 3 * dim), 3)).toBe(maxSimKernel(query, 32, small, 3, dim));
    // A larger query moves the document region; scores stay right.
    const longQuery = randomRows(random, 40, dim);
    kernel.setQuery(longQuery, 40, dim);
    expect(kernel.score(large, 4000)).toBe(maxSimKernel(longQuery, 40, large, 4000, dim));
    const moved = kernel.documentBuffer();
    moved.set(small);
    expect(kernel.score(moved.subarray(0, 3 * dim), 3)).toBe(maxSimKernel(longQuery, 40, small, 3, dim));
  });

  it('falls back to the JS kernel for non-finite input (overflow, Infinity, NaN) and agrees with it', () => {
    const kernel = createKernel();
    const query = new Float32Array([1e30, 1, 2, -1, 1, 0.5]);
    kernel.setQuery(query, 2, 3);
    // 1e30 * 1e30 overflows float32 but not float64.
    const overflow = new Float32Array([1e30, 0, 0, 1, 1, 1]);
    expect(kernel.score(overflow, 2)).toBe(maxSimKernel(query, 2, overflow, 2, 3));
    const withInfinity = new Float32Array([Infinity, 0, 0, 1, 1, 1]);
    expect(kernel.score(withInfinity, 2)).toBe(maxSimKernel(query, 2, withInfinity, 2, 3));
    const withNaN = new Float32Array([Number.NaN, 0, 0, 1, 1, 1]);
    expect(kernel.score(withNaN, 2)).toBe(maxSimKernel(query, 2, withNaN, 2, 3));
  });

  it('rejects a document shorter than its row count', () => {
    const kernel = createKernel();
    kernel.setQuery(new Float32Array(8), 2, 4);
    expect(() => kernel.score(new Float32Array(7), 2)).toThrow(/7 floats, fewer than 2 rows x dim 4/);
  });
});

describe('WebAssembly SIMD float16 decoding', () => {
  it('decodes every one of the 65536 half floats bit-exactly (subnormals, infinities, NaN payloads)', () => {
    const kernel = createKernel();
    kernel.setQuery(new Float32Array(8), 1, 8);
    const halves = Uint16Array.from({ length: 65536 }, (_, h) => h);
    const decoded = kernel.decodeFloat16(new Uint8Array(halves.buffer), 8192);
    const bits = new Uint32Array(decoded.buffer, decoded.byteOffset, decoded.length);
    const view = new DataView(halves.buffer);
    let mismatches = 0;
    for (let h = 0; h < 65536; h++) {
      const want = getFloat16(view, 2 * h, true);
      const isInfinityOrNaN = (h & 0x7c00) === 0x7c00;
      const ok = isInfinityOrNaN
        ? bits[h] === (((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13)) >>> 0
        : Object.is(decoded[h], want);
      if (!ok) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(decoded[0x3c00]).toBe(1);
    expect(decoded[0x0001]).toBe(2 ** -24);
    expect(decoded[0xfbff]).toBe(-65504);
  });

  it('scores float16 bytes like the JS kernel over the codec-decoded rows, growing memory as needed', () => {
    const random = rng(123);
    const codec = new Float16Codec();
    const kernel = createKernel();
    for (const [dim, queryCount, docCounts] of [[7, 5, [3, 1, 90, 2]], [100, 20, [94, 500, 13]], [128, 32, [33, 2000]]] as const) {
      const query = randomRows(random, queryCount, dim);
      kernel.setQuery(query, queryCount, dim);
      for (const docCount of docCounts) {
        const bytes = codec.encode(randomRows(random, docCount, dim), dim);
        const rows = codec.decode(bytes, docCount, dim, new Float32Array(docCount * dim));
        expect(kernel.scoreFloat16(bytes, docCount)).toBe(maxSimKernel(query, queryCount, rows, docCount, dim));
      }
    }
  });
});

describe('MaxSim scorers', () => {
  it('the scalar fallback and the SIMD scorer return identical scores, reusing their buffers', () => {
    const random = rng(77);
    const scalar = createMaxSimScorer('scalar');
    const wasm = createMaxSimScorer('wasm-simd');
    expect(scalar.backend).toBe('scalar');
    expect(scalar.scoreFloat16).toBeUndefined();
    for (const dim of [5, 100]) {
      const query = { dim, count: 12, data: randomRows(random, 12, dim), weights: Float32Array.from({ length: 12 }, () => random()) };
      scalar.setQuery(query);
      wasm.setQuery(query);
      for (let d = 0; d < 20; d++) {
        const rows = Math.floor(random() * 80);
        const doc = randomRows(random, rows, dim);
        const scores = [scalar, wasm].map((scorer) => {
          const buffer = scorer.documentBuffer();
          if (buffer.length < doc.length) return scorer.score(doc, rows);
          buffer.set(doc);
          return scorer.score(buffer.subarray(0, doc.length), rows);
        });
        expect(scores[1]).toBe(scores[0]);
        expect(scores[0]).toBe(maxSimKernel(query.data, 12, doc, rows, dim, query.weights));
        const halves = new Float16Codec().encode(doc, dim);
        const rounded = new Float16Codec().decode(halves, rows, dim, new Float32Array(rows * dim));
        expect(wasm.scoreFloat16!(halves, rows)).toBe(maxSimKernel(query.data, 12, rounded, rows, dim, query.weights));
      }
      expect(scalar.documentBuffer().length).toBeGreaterThanOrEqual(70 * dim);
      expect(wasm.documentBuffer().length).toBeGreaterThanOrEqual(70 * dim);
    }
  });

  it('LateInteractionSearcher scores equal the JS kernel bit for bit', () => {
    const random = rng(3);
    const dim = 30;
    const docs = Array.from({ length: 25 }, (_, i) => {
      const count = 1 + Math.floor(random() * 30);
      return { id: `d${i}`, vectors: { dim, count, data: randomRows(random, count, dim) } };
    });
    const index = new FakeIndex(dim, docs);
    const query = { dim, count: 9, data: randomRows(random, 9, dim) };
    const hits = new LateInteractionSearcher(index).search(query, { k: 25, exhaustive: true });
    expect(hits).toHaveLength(25);
    for (const hit of hits) {
      const doc = docs[hit.internalId]!.vectors;
      expect(hit.score).toBe(maxSimKernel(query.data, 9, doc.data, doc.count, dim));
    }
  });
});
