import { describe, expect, it } from 'vitest';
import { LateIndexError } from '../../src/shared/index.js';
import { IndexFormatError } from '../../src/shared/index.js';
import { ResidualCodec, residualCentroidCount, type ResidualModel } from '../../src/index/codecs/index.js';
import { cosine, randomUnitRows, rng } from './helpers.js';

const DIM = 128;
const TRAIN = 2048;
const TEST = 1000;

/** Standard normal density and CDF (CDF by Simpson integration of the density: no library reference needed). */
function phi(z: number): number {
  return Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
}
function cdf(z: number): number {
  const steps = 2000;
  const h = z / steps;
  let sum = phi(0) + phi(z);
  for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * phi(i * h);
  return 0.5 + (sum * h) / 3;
}
function quantile(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Mean squared error per unit variance of quantising a Gaussian into B equiprobable buckets reconstructed at their
 * conditional means: 1 - sum_b p_b mu_b^2 with mu_b = (phi(a_b) - phi(a_{b+1})) / p_b (1 bit: 1 - 2/pi).
 */
function equiprobableDistortion(buckets: number): number {
  const edges = [-Infinity, ...Array.from({ length: buckets - 1 }, (_, b) => quantile((b + 1) / buckets)), Infinity];
  let kept = 0;
  for (let b = 0; b < buckets; b++) {
    const mu = (phi(edges[b]!) - phi(edges[b + 1]!)) * buckets;
    kept += mu * mu / buckets;
  }
  return 1 - kept;
}

/** Nearest centroid by brute force (independent of the codec's blocked scan). */
function nearest(model: Readonly<ResidualModel>, rows: Float32Array, off: number): number {
  let best = -1;
  let bestDot = -Infinity;
  for (let c = 0; c < model.centroidCount; c++) {
    let dot = 0;
    for (let j = 0; j < model.dim; j++) dot += model.centroids[c * model.dim + j]! * rows[off + j]!;
    if (dot > bestDot) {
      bestDot = dot;
      best = c;
    }
  }
  return best;
}

function meanCosine(a: Float32Array, b: Float32Array, dim: number): number {
  let total = 0;
  for (let off = 0; off < a.length; off += dim) total += cosine(a, b, off, dim);
  return total / (a.length / dim);
}

describe('residual codec', () => {
  const train = randomUnitRows(rng(11), TRAIN, DIM);
  const test = randomUnitRows(rng(12), TEST, DIM);

  it('centroid count follows 2^floor(log2(min(16 sqrt(n), n / 8, 256))), at least 1', () => {
    expect(residualCentroidCount(4096)).toBe(256);
    expect(residualCentroidCount(1000)).toBe(64); // min(506, 125, 256) = 125 -> 64
    expect(residualCentroidCount(100)).toBe(8); // min(160, 12.5, 256) -> 8
    expect(residualCentroidCount(7)).toBe(1);
  });

  it('refuses to encode before training', () => {
    const codec = new ResidualCodec(2);
    expect(() => codec.encode(test.subarray(0, DIM), DIM)).toThrow(LateIndexError);
    expect(codec.encode(new Float32Array(0), DIM).length).toBe(0);
  });

  for (const nbits of [1, 2, 4]) {
    it(`residual:${nbits} round-trip cosine agrees with the Gaussian quantiser prediction from the residual energy`, () => {
      const codec = new ResidualCodec(nbits);
      const report = codec.train(train, DIM);
      const model = codec.model!;
      expect(report.centroids).toBe(residualCentroidCount(report.trainVectors));
      expect(report.heldOutVectors).toBe(Math.floor(TRAIN * 0.1));
      const bytes = codec.encode(test, DIM);
      expect(bytes.length).toBe(TEST * (1 + (DIM * nbits) / 8));
      const decoded = codec.decode(bytes, TEST, DIM, new Float32Array(TEST * DIM));
      // Stored ids are the brute-force nearest centroids; residual energy E||x - c||^2 from those.
      let energy = 0;
      let idMismatches = 0;
      for (let v = 0; v < TEST; v++) {
        const c = nearest(model, test, v * DIM);
        if (bytes[v] !== c) idMismatches++;
        for (let j = 0; j < DIM; j++) energy += (test[v * DIM + j]! - model.centroids[c * DIM + j]!) ** 2;
      }
      energy /= TEST;
      expect(idMismatches).toBe(0);
      // Brute-force reconstruction from the model: bucket = number of cut-offs <= residual, centroid + bucket
      // value, normalised.
      const buckets = 1 << nbits;
      let maxDiff = 0;
      for (let v = 0; v < TEST; v++) {
        const c = bytes[v]!;
        const row = new Float64Array(DIM);
        let norm = 0;
        for (let j = 0; j < DIM; j++) {
          const r = test[v * DIM + j]! - model.centroids[c * DIM + j]!;
          let bucket = 0;
          for (let b = 0; b < buckets - 1; b++) if (r >= model.cutoffs[j * (buckets - 1) + b]!) bucket++;
          row[j] = model.centroids[c * DIM + j]! + model.values[j * buckets + bucket]!;
          norm += row[j]! ** 2;
        }
        for (let j = 0; j < DIM; j++) maxDiff = Math.max(maxDiff, Math.abs(row[j]! / Math.sqrt(norm) - decoded[v * DIM + j]!));
      }
      expect(maxDiff).toBeLessThan(1e-5);
      // First order: the error e is orthogonal to the reconstruction, so cos = sqrt(1 - ||e||^2) with
      // E||e||^2 = D_B * E||r||^2 for near-Gaussian residual coordinates. The neglected centroid-error cross term
      // grows with D_B (largest at 1 bit), hence the tolerance of 0.05.
      const predicted = Math.sqrt(1 - equiprobableDistortion(1 << nbits) * energy);
      const measured = meanCosine(test, decoded, DIM);
      console.info(`residual:${nbits} on random unit rows (dim ${DIM}): mean cosine ${measured.toFixed(4)}, predicted ${predicted.toFixed(4)}, residual energy ${energy.toFixed(3)}`);
      expect(Math.abs(measured - predicted)).toBeLessThan(0.05);
      // A-priori bound (same first-order model and tolerance): the nearest unit centroid has cos >= 0, so
      // ||r||^2 <= 2 and cos >= sqrt(1 - 2 D_B) - 0.05 whatever the data (residual:2: 0.799).
      expect(measured).toBeGreaterThanOrEqual(Math.sqrt(Math.max(0, 1 - 2 * equiprobableDistortion(1 << nbits))) - 0.05);
      // The training report's held-out figure describes the same distribution.
      expect(Math.abs(report.meanCosine - measured)).toBeLessThan(0.01);
    });
  }

  it('equiprobable 2-bit distortion matches the hand-worked value 0.1395 (quartiles +-0.6745)', () => {
    expect(equiprobableDistortion(2)).toBeCloseTo(1 - 2 / Math.PI, 4);
    expect(equiprobableDistortion(4)).toBeCloseTo(0.1395, 3);
  });

  it('training is deterministic and its state restores an identical codec', () => {
    const a = new ResidualCodec(2);
    const b = new ResidualCodec(2);
    a.train(train, DIM);
    b.train(train, DIM);
    expect(Buffer.from(a.state()).equals(Buffer.from(b.state()))).toBe(true);
    const restored = new ResidualCodec(2);
    restored.restore(a.state());
    expect(restored.training()).toEqual(a.training());
    const payload = a.encode(test, DIM);
    expect(Buffer.from(restored.encode(test, DIM)).equals(Buffer.from(payload))).toBe(true);
    const fromA = a.decode(payload, TEST, DIM, new Float32Array(TEST * DIM));
    const fromRestored = restored.decode(payload, TEST, DIM, new Float32Array(TEST * DIM));
    expect(Buffer.from(fromRestored.buffer).equals(Buffer.from(fromA.buffer))).toBe(true);
  });

  it('decodes from an unaligned view and rejects malformed or mismatched state', () => {
    const codec = new ResidualCodec(4);
    codec.train(train, DIM);
    const payload = codec.encode(test.subarray(0, 10 * DIM), DIM);
    const shifted = new Uint8Array(payload.length + 1);
    shifted.set(payload, 1);
    const aligned = codec.decode(payload, 10, DIM, new Float32Array(10 * DIM));
    const unaligned = codec.decode(shifted.subarray(1), 10, DIM, new Float32Array(10 * DIM));
    expect(Array.from(unaligned)).toEqual(Array.from(aligned));
    const state = codec.state();
    expect(() => new ResidualCodec(2).restore(state)).toThrow(/trained for 4 bits/);
    expect(() => new ResidualCodec(4).restore(state.subarray(0, state.length - 4))).toThrow(IndexFormatError);
    expect(() => new ResidualCodec(4).restore(new Uint8Array(8))).toThrow(IndexFormatError);
  });
});
