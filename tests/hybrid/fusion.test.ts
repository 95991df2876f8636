import { describe, expect, it } from 'vitest';
import {
  convexFusion,
  depthNormalisedFusion,
  distributionFusion,
  fuse,
  reciprocalRankFusion,
  zScoreFusion,
} from '../../src/search/fusion.js';

describe('convexFusion', () => {
  it('min-max normalises each list over the union and mixes them', () => {
    // late: 10, 20, 30 -> 0, 0.5, 1; sparse: 4, 0, 2 -> 1, 0, 0.5
    const fused = convexFusion(Float64Array.of(10, 20, 30), Float64Array.of(4, 0, 2), 0.25);
    // 0.25*late + 0.75*sparse
    expect(Array.from(fused)).toEqual([0.75, 0.125, 0.625]);
  });

  it('ignores a list that cannot order the union', () => {
    const fused = convexFusion(Float64Array.of(1, 3, 2), Float64Array.of(0, 0, 0), 0.5);
    expect(Array.from(fused)).toEqual([0, 0.5, 0.25]);
  });
});

describe('reciprocalRankFusion', () => {
  it('adds 1/(k + rank) from each ranking; zero sparse scores have no rank', () => {
    // late ranks: d2=1, d0=2, d1=3; sparse ranks: d0=1, d1=2, d2 unranked (score 0)
    const fused = reciprocalRankFusion(Float64Array.of(5, 1, 9), Float64Array.of(3, 2, 0), 60);
    expect(fused[0]).toBeCloseTo(1 / 62 + 1 / 61, 15);
    expect(fused[1]).toBeCloseTo(1 / 63 + 1 / 62, 15);
    expect(fused[2]).toBeCloseTo(1 / 61, 15);
  });

  it('breaks score ties by position in the union', () => {
    const fused = reciprocalRankFusion(Float64Array.of(1, 1), Float64Array.of(0, 0), 10);
    expect(Array.from(fused)).toEqual([1 / 11, 1 / 12]);
  });
});

describe('normalised fusions (hand-worked)', () => {
  // late 1, 2, 3: mean 2, population sd sqrt(2/3); sparse 0, 0, 6: mean 2, sd sqrt(8) = 2 sqrt(2).
  const late = Float64Array.of(1, 2, 3);
  const sparse = Float64Array.of(0, 0, 6);

  it('zScoreFusion mixes standardised scores', () => {
    const sdLate = Math.sqrt(2 / 3);
    const sdSparse = Math.sqrt(8);
    const fused = zScoreFusion(late, sparse, 0.25);
    const expected = [0, 1, 2].map((i) => 0.25 * ((late[i]! - 2) / sdLate) + 0.75 * ((sparse[i]! - 2) / sdSparse));
    expected.forEach((v, i) => expect(fused[i]).toBeCloseTo(v, 12));
    // z-scores: late -1.2247, 0, 1.2247; sparse -0.7071, -0.7071, 1.4142
    expect(fused[2]).toBeCloseTo(0.25 * 1.224744871 + 0.75 * 1.414213562, 8);
  });

  it('distributionFusion maps mean - 3 sd .. mean + 3 sd to 0 .. 1', () => {
    const fused = distributionFusion(late, sparse, 0.5);
    // late: (1 - (2 - 3 x 0.8165)) / (6 x 0.8165) = 0.2959; sparse doc 0: (0 - (2 - 8.4853)) / 16.9706 = 0.3821
    expect(fused[0]).toBeCloseTo(0.5 * 0.295876 + 0.5 * 0.382149, 5);
    expect(fused[1]).toBeCloseTo(0.5 * 0.5 + 0.5 * 0.382149, 5);
  });

  it('depthNormalisedFusion floors each list at its depth-th best score and clips below it', () => {
    // depth 2: late floor 2 (second best), span 1 -> 0, 0, 1; sparse floor 0, span 6 -> 0, 0, 1.
    expect(Array.from(depthNormalisedFusion(late, sparse, 0.5, 2))).toEqual([0, 0, 1]);
    // depth 1 leaves no span: the list contributes 0.
    expect(Array.from(depthNormalisedFusion(late, Float64Array.of(4, 1, 2), 1, 1))).toEqual([0, 0, 0]);
  });

  it('fuse dispatches on the method', () => {
    const options = { lateWeight: 0.25, rrfK: 60, normDepth: 2 };
    expect(Array.from(fuse(late, sparse, { ...options, method: 'zscore' }))).toEqual(Array.from(zScoreFusion(late, sparse, 0.25)));
    expect(Array.from(fuse(late, sparse, { ...options, method: 'dbsf' }))).toEqual(Array.from(distributionFusion(late, sparse, 0.25)));
    expect(Array.from(fuse(late, sparse, { ...options, method: 'convex-depth' }))).toEqual(Array.from(depthNormalisedFusion(late, sparse, 0.25, 2)));
    expect(Array.from(fuse(late, sparse, { ...options, method: 'rrf' }))).toEqual(Array.from(reciprocalRankFusion(late, sparse, 60)));
  });
});
