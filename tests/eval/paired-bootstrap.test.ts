import { describe, expect, it } from 'vitest';
import { pairedBootstrap } from '../../src/eval/index.js';
import { mulberry32 } from '../../src/shared/index.js';

describe('pairedBootstrap', () => {
  it('matches the exact bootstrap distribution of a hand-worked three-query example', () => {
    // Differences a - b = [0, 0, 3]. A resample's mean is 3 x (times index 2 is drawn) / 3 = that count,
    // Binomial(3, 1/3): P(0) = 8/27, P(1) = 12/27, P(2) = 6/27, P(3) = 1/27. The 2.5% quantile is 0 (P(0) > 2.5%);
    // P(<= 2) = 26/27 = 96.3% < 97.5%, so the 97.5% quantile is 3.
    const result = pairedBootstrap([0.5, 0.2, 3.5], [0.5, 0.2, 0.5], { resamples: 20_000, seed: 7 });
    expect(result.n).toBe(3);
    expect(result.meanDifference).toBeCloseTo(1, 12);
    expect(result.lower).toBe(0);
    expect(result.upper).toBe(3);
    // Sampling error of the share: sd = sqrt(p (1 - p) / 20,000) = 0.0032; allow 5 sd.
    expect(Math.abs(result.shareAtOrBelowZero - 8 / 27)).toBeLessThan(0.016);
  });

  it('gives a point interval when every difference is the same', () => {
    const result = pairedBootstrap([0.7, 0.4, 0.9, 0.5], [0.6, 0.3, 0.8, 0.4], { resamples: 500 });
    expect(result.lower).toBeCloseTo(0.1, 12);
    expect(result.upper).toBeCloseTo(0.1, 12);
    expect(result.shareAtOrBelowZero).toBe(0);
  });

  it('is deterministic per seed, and swapping a and b negates the interval exactly', () => {
    const random = mulberry32(99);
    const a = Array.from({ length: 60 }, () => random());
    const b = Array.from({ length: 60 }, () => random());
    const ab = pairedBootstrap(a, b, { seed: 3, resamples: 2000 });
    expect(pairedBootstrap(a, b, { seed: 3, resamples: 2000 })).toEqual(ab);
    expect(pairedBootstrap(a, b, { seed: 4, resamples: 2000 }).lower).not.toBe(ab.lower);
    const ba = pairedBootstrap(b, a, { seed: 3, resamples: 2000 });
    expect(ba.lower).toBeCloseTo(-ab.upper, 12);
    expect(ba.upper).toBeCloseTo(-ab.lower, 12);
    expect(ba.meanDifference).toBeCloseTo(-ab.meanDifference, 12);
  });

  it('agrees with the normal-theory interval mean +- 1.96 sd / sqrt(n) on a large sample', () => {
    const random = mulberry32(2024);
    const n = 400;
    // Differences uniform on [-0.2, 0.4]: mean 0.1; the sample's own sd gives the reference interval.
    const a = Array.from({ length: n }, () => 0.6 * random());
    const b = Array.from({ length: n }, () => 0.2);
    const d = a.map((x, i) => x - b[i]!);
    const mean = d.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
    const half = (1.96 * sd) / Math.sqrt(n);
    const result = pairedBootstrap(a, b, { resamples: 10_000, seed: 11 });
    expect(result.meanDifference).toBeCloseTo(mean, 12);
    expect(result.lower).toBeGreaterThan(mean - half * 1.1);
    expect(result.lower).toBeLessThan(mean - half * 0.9);
    expect(result.upper).toBeGreaterThan(mean + half * 0.9);
    expect(result.upper).toBeLessThan(mean + half * 1.1);
  });

  it('refuses unpaired or empty lists and bad settings', () => {
    expect(() => pairedBootstrap([1, 2], [1])).toThrow(/equal-length/);
    expect(() => pairedBootstrap([], [])).toThrow(/at least one/);
    expect(() => pairedBootstrap([1], [1], { resamples: 0 })).toThrow(/resamples/);
    expect(() => pairedBootstrap([1], [1], { confidence: 1 })).toThrow(/confidence/);
  });
});
