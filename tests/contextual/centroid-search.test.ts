import { describe, expect, it } from 'vitest';
import { trainContextualCodebook } from '../../src/index/contextual/codebook-training.js';
import type { TokenCodec } from '../../src/index/contextual/token-codec.js';
import { CentroidCandidateGenerator, type CentroidIndexReader } from '../../src/search/contextual/centroid-candidates.js';
import { CentroidProber } from '../../src/search/contextual/centroid-probe.js';
import { maxSimKernel } from '../../src/search/maxsim.js';
import { mulberry32 } from '../../src/shared/random.js';
import { clusteredRows } from './helpers.js';

const dim = 16;

/** An in-memory contextual index: encoded documents and inverted lists built by brute force. */
function memoryIndex(codec: TokenCodec, docs: Float32Array[]): CentroidIndexReader & { decoded(id: number): Float32Array } {
  const { records, centroidIds } = codec.encodeMany(docs.map((data) => ({ data, count: data.length / dim })), true);
  const lists = new Map<number, number[]>();
  centroidIds.forEach((ids, doc) => {
    for (const c of new Set(ids)) {
      if (!lists.has(c)) lists.set(c, []);
      lists.get(c)!.push(doc);
    }
  });
  return {
    codebook: codec.book,
    forEachPosting(centroid, visit) {
      const list = lists.get(centroid);
      if (list) visit(Uint32Array.from(list), list.length);
    },
    centroidIds(id, out) {
      out.set(centroidIds[id]!);
      return centroidIds[id]!.length;
    },
    vectorCount: (id) => centroidIds[id]?.length,
    documentLimit: () => docs.length,
    decoded: (id) => codec.decode(records[id]!, centroidIds[id]!.length, new Float32Array(centroidIds[id]!.length * dim)),
  };
}

describe('centroid probe', () => {
  it('scores every centroid exactly when every cell is explored; imputes the lowest explored score otherwise', () => {
    const rows = clusteredRows(4000, dim, 50, 0.5, 3);
    const { codec } = trainContextualCodebook(rows, 4000, dim, { centroids: 64, nbits: 2, seed: 1 });
    const book = codec.book;
    const query = rows.subarray(0, 3 * dim);
    const prober = new CentroidProber(book);
    const exact = prober.probe(query, 3, { cells: book.cellCount, nprobe: 5 });
    for (let c = 0; c < book.size; c++) {
      for (let i = 0; i < 3; i++) {
        let s = 0;
        for (let t = 0; t < dim; t++) s += query[i * dim + t]! * book.centroids[c * dim + t]!;
        expect(exact.table[c * 3 + i]).toBeCloseTo(s, 5);
      }
    }
    // probes are each row's 5 best centroids, best first
    for (let i = 0; i < 3; i++) {
      const column = Array.from({ length: book.size }, (_, c) => ({ c, s: exact.table[c * 3 + i]! })).sort((a, b) => b.s - a.s || a.c - b.c);
      expect(Array.from(exact.probes.subarray(i * 5, i * 5 + 5))).toEqual(column.slice(0, 5).map((e) => e.c));
    }
    const partial = prober.probe(query, 3, { cells: 1, nprobe: 2 });
    for (let i = 0; i < 3; i++) {
      const values = Array.from({ length: book.size }, (_, c) => partial.table[c * 3 + i]!);
      const imputed = partial.imputed[i]!;
      expect(Math.min(...values)).toBe(imputed);
      expect(values.filter((v) => v !== imputed).length).toBeGreaterThan(0);
    }
  });
});

describe('centroid candidates (PLAID stages)', () => {
  const random = mulberry32(77);
  const rows = clusteredRows(6000, dim, 60, 0.6, 12);
  const { codec } = trainContextualCodebook(rows, 6000, dim, { centroids: 64, nbits: 2, seed: 4 });
  const docs: Float32Array[] = [];
  for (let d = 0, at = 0; d < 200; d++) {
    const count = 5 + Math.floor(random() * 20);
    docs.push(rows.slice(at * dim, (at + count) * dim));
    at += count;
  }
  const index = memoryIndex(codec, docs);
  const query = { dim, count: 4, data: rows.slice(5000 * dim, 5004 * dim), weights: Float32Array.from([1, 0.5, 2, 1]) };

  it('with every list probed and nothing pruned, the candidates are every document and exact MaxSim ranks as exhaustive', () => {
    const generator = new CentroidCandidateGenerator(index);
    const all = generator.candidates(query, { cells: codec.book.cellCount, nprobe: codec.book.size, candidates: 1e9, rerank: 1e9 });
    expect(new Set(all.ids).size).toBe(200);
    const score = (id: number) => maxSimKernel(query.data, 4, index.decoded(id), docs[id]!.length / dim, dim, query.weights);
    const exhaustive = Array.from({ length: 200 }, (_, id) => ({ id, s: score(id) })).sort((a, b) => b.s - a.s || a.id - b.id);
    const reranked = all.ids.map((id) => ({ id, s: score(id) })).sort((a, b) => b.s - a.s || a.id - b.id);
    expect(reranked.slice(0, 10)).toEqual(exhaustive.slice(0, 10));
  });

  it('stage 2 is exact centroid interaction when every cell is explored (against brute force)', () => {
    const generator = new CentroidCandidateGenerator(index);
    const out = generator.candidates(query, { cells: codec.book.cellCount, nprobe: codec.book.size, candidates: 1e9, rerank: 20 });
    const interaction = (id: number): number => {
      const ids = new Int32Array(docs[id]!.length / dim);
      index.centroidIds(id, ids);
      let total = 0;
      for (let i = 0; i < 4; i++) {
        let best = -Infinity;
        for (const c of ids) {
          let s = 0;
          for (let t = 0; t < dim; t++) s += query.data[i * dim + t]! * codec.book.centroids[c * dim + t]!;
          best = Math.max(best, s);
        }
        total += query.weights[i]! * best;
      }
      return total;
    };
    const expected = Array.from({ length: 200 }, (_, id) => ({ id, s: interaction(id) })).sort((a, b) => b.s - a.s || a.id - b.id);
    expect(out.ids).toEqual(expected.slice(0, 20).map((e) => e.id));
  });

  it('a filter removes documents before they use candidate budget; fewer probes read fewer postings', () => {
    const generator = new CentroidCandidateGenerator(index);
    const even = generator.candidates(query, { cells: 2, nprobe: 3, candidates: 50, rerank: 10 }, (id) => id % 2 === 0);
    expect(even.ids.every((id) => id % 2 === 0)).toBe(true);
    const wide = generator.candidates(query, { cells: codec.book.cellCount, nprobe: 8, candidates: 50, rerank: 10 });
    const narrow = generator.candidates(query, { cells: codec.book.cellCount, nprobe: 1, candidates: 50, rerank: 10 });
    expect(narrow.stats.postingsRead).toBeLessThan(wide.stats.postingsRead);
    expect(narrow.stats.listsOpened).toBe(4);
  });
});
