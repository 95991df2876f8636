import { afterEach, describe, expect, it } from 'vitest';
import { bm25Idf, bm25Impact, QUERY_WEIGHT_SCALE } from '../../src/index/sparse/index.js';
import { blockMaxPruning, exhaustiveTermAtATime } from '../../src/search/sparse/index.js';
import { openTempStore, type TempStore } from './helpers.js';

/*
 * Hand-worked corpus (k1 = 0.9, b = 0.4, blockSize 2, avgdl = 10 / 4 = 2.5):
 *   doc0 [a b a] dl 3: norm = 0.9 (0.6 + 0.4 x 3/2.5) = 0.972; a: 255 x 2/2.972 = 171.60 -> 172; b: 255/1.972 = 129.31 -> 129
 *   doc1 [b c]   dl 2: norm = 0.828;                        b, c: 255/1.828 = 139.50 -> 139
 *   doc2 [a]     dl 1: norm = 0.684;                        a: 255/1.684 = 151.43 -> 151
 *   doc3 [c c c d] dl 4: norm = 1.116;  c: 255 x 3/4.116 = 185.86 -> 186; d: 255/2.116 = 120.51 -> 121
 * Blocks {0,1} and {2,3}: maxima a [172, 151], b [139, -], c [139, 186], d [-, 121].
 * idf (N = 4): df 2 -> ln(1 + 2.5/2.5) = ln 2; df 1 -> ln(1 + 3.5/1.5) = ln(10/3).
 */
const LN2 = Math.log(2);
const LN10_3 = Math.log(10 / 3);
const q = (idf: number): number => Math.round(idf * QUERY_WEIGHT_SCALE);
const score = (...parts: Array<[number, number]>): number =>
  parts.reduce((sum, [idf, impact]) => sum + q(idf) * impact, 0) / (QUERY_WEIGHT_SCALE * 255);

describe('BM25 impacts (hand-worked)', () => {
  let temp: TempStore | undefined;
  afterEach(() => {
    temp?.close();
    temp = undefined;
  });

  it('quantizes the tf saturation to 8 bits', () => {
    const p = { k1: 0.9, b: 0.4 };
    expect(bm25Impact(2, 3, 2.5, p)).toBe(172);
    expect(bm25Impact(1, 3, 2.5, p)).toBe(129);
    expect(bm25Impact(1, 2, 2.5, p)).toBe(139);
    expect(bm25Impact(1, 1, 2.5, p)).toBe(151);
    expect(bm25Impact(3, 4, 2.5, p)).toBe(186);
    expect(bm25Impact(1, 4, 2.5, p)).toBe(121);
    // A very long document still keeps a posting; saturation never exceeds 255.
    expect(bm25Impact(1, 1e6, 1, p)).toBe(1);
    expect(bm25Impact(1e9, 1, 1000, p)).toBe(255);
    expect(bm25Idf(4, 2)).toBeCloseTo(LN2, 15);
    expect(bm25Idf(4, 1)).toBeCloseTo(LN10_3, 15);
  });

  function build(): TempStore {
    const t = openTempStore({ blockSize: 2 });
    t.store.runInTransaction(() =>
      t.store.putDocuments([
        { internalId: 0, terms: ['a', 'b', 'a'] },
        { internalId: 1, terms: ['b', 'c'] },
        { internalId: 2, terms: ['a'] },
        { internalId: 3, terms: ['c', 'c', 'c', 'd'] },
      ]),
    );
    return t;
  }

  it('stores per-block maxima and df', () => {
    temp = build();
    const { store } = temp;
    expect(store.stats()).toMatchObject({ documents: 4, totalLength: 10, avgdl: 2.5, idLimit: 4, blockSize: 2 });
    const view = (t: string) => {
      const tb = store.termBlocks(t)!;
      return { df: tb.df, blocks: [...tb.blocks], maxima: [...tb.maxima] };
    };
    expect(view('a')).toEqual({ df: 2, blocks: [0, 1], maxima: [172, 151] });
    expect(view('b')).toEqual({ df: 2, blocks: [0], maxima: [139] });
    expect(view('c')).toEqual({ df: 2, blocks: [0, 1], maxima: [139, 186] });
    expect(view('d')).toEqual({ df: 1, blocks: [1], maxima: [121] });
    const block = store.postingBlock(store.termId('c')!, 1)!;
    expect([...block]).toEqual([1, 186]); // offset 1 (doc 3), impact 186
  });

  it('scores documents as sum of qtf x idf x impact / 255 with integer query weights', () => {
    temp = build();
    const expected = [
      { internalId: 3, score: score([LN10_3, 121]) },
      { internalId: 0, score: score([LN2, 172]) },
      { internalId: 2, score: score([LN2, 151]) },
    ];
    // "a d" after analysis is ['a', 'd'] ('a' is a stopword for text, so pass terms as weights = boosts).
    const query = { a: 1, d: 1 };
    expect(exhaustiveTermAtATime(temp.store, query, { k: 10 })).toEqual(expected);
    expect(blockMaxPruning(temp.store, query, { k: 10 })).toEqual(expected);
    expect(blockMaxPruning(temp.store, query, { k: 2 })).toEqual(expected.slice(0, 2));
    // Close to unquantized BM25 (Lucene form): ln(10/3) x 1/2.116, ln 2 x 2/2.972, ln 2 x 1/1.684.
    expect(expected[0]!.score).toBeCloseTo(LN10_3 / 2.116, 2);
    expect(expected[1]!.score).toBeCloseTo((LN2 * 2) / 2.972, 2);
    // Query term frequency multiplies the weight: "c c" = 2 x idf(c).
    expect(exhaustiveTermAtATime(temp.store, { c: 2 }, { k: 1 })).toEqual([{ internalId: 3, score: score([2 * LN2, 186]) }]);
  });

  it('ranks equal scores by internal id ascending', () => {
    temp = build();
    // Docs 4 and 5 repeat doc 1 ([b c], dl 2): all three get impact 139 for b; doc 0 gets 129.
    temp.store.runInTransaction(() => temp!.store.putDocuments([{ internalId: 5, terms: ['b', 'c'] }, { internalId: 4, terms: ['c', 'b'] }]));
    const hits = blockMaxPruning(temp.store, { b: 1 }, { k: 3 });
    expect(hits.map((h) => h.internalId)).toEqual([1, 4, 5]);
    expect(hits[0]!.score).toBe(hits[2]!.score);
    expect(exhaustiveTermAtATime(temp.store, { b: 1 }, { k: 3 })).toEqual(hits);
  });

  it('after deleting a document: its postings, df and block maxima are gone, N and idf change, avgdl stays', () => {
    temp = build();
    const { store } = temp;
    expect(store.runInTransaction(() => store.removeDocuments([3, 99]))).toBe(1);
    expect(store.stats()).toMatchObject({ documents: 3, totalLength: 6, avgdl: 2.5 });
    expect(store.termBlocks('d')).toBeUndefined();
    const c = store.termBlocks('c')!;
    expect({ df: c.df, blocks: [...c.blocks], maxima: [...c.maxima] }).toEqual({ df: 1, blocks: [0], maxima: [139] });
    expect(store.postingBlock(store.termId('c')!, 1)).toBeUndefined();
    // N = 3: idf(c, df 1) = ln(1 + 2.5/1.5) = ln(8/3).
    const expected = [{ internalId: 1, score: score([Math.log(8 / 3), 139]) }];
    expect(exhaustiveTermAtATime(store, { c: 1, d: 1 }, { k: 10 })).toEqual(expected);
    expect(blockMaxPruning(store, { c: 1, d: 1 }, { k: 10 })).toEqual(expected);
  });
});
