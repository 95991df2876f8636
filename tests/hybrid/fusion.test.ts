import { describe, expect, it } from 'vitest';
import { convexFusion, reciprocalRankFusion } from '../../src/search/fusion.js';

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
