import { describe, expect, it } from 'vitest';
import { TopK } from '../../src/search/index.js';
import { rng } from './fixtures.js';

describe('TopK', () => {
  it('keeps the same entries, in the same order, as a full sort (with many ties)', () => {
    const random = rng(3);
    // Tie order: a made-up external id per internal id, compared as strings ("10" < "9").
    const names = Array.from({ length: 200 }, (_, i) => String((i * 37) % 200));
    const compareTies = (a: number, b: number) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0);
    for (const k of [1, 2, 5, 17, 64, 199, 200, 250]) {
      const scores = Array.from({ length: 200 }, () => Math.floor(random() * 10));
      const top = new TopK(k, compareTies);
      scores.forEach((s, id) => top.push(s, id));
      const expected = scores
        .map((score, internalId) => ({ internalId, score }))
        .sort((a, b) => b.score - a.score || compareTies(a.internalId, b.internalId))
        .slice(0, k);
      expect(top.size).toBe(Math.min(k, 200));
      expect(top.drain()).toEqual(expected);
    }
  });

  it('ignores NaN scores and holds nothing at capacity 0', () => {
    const top = new TopK(2, (a, b) => a - b);
    top.push(Number.NaN, 0);
    top.push(1, 1);
    top.push(-Infinity, 2);
    top.push(0.5, 3);
    expect(top.drain()).toEqual([{ internalId: 1, score: 1 }, { internalId: 3, score: 0.5 }]);
    const empty = new TopK(0, (a, b) => a - b);
    expect(empty.push(1, 0)).toBe(false);
    expect(empty.drain()).toEqual([]);
  });
});
