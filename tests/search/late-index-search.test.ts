import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LateIndex } from '../../src/index/late-index.js';
import { LateInteractionSearcher, maxSim, type SearchableIndex } from '../../src/search/index.js';
import { multiVector, normalizeRows, type MultiVector } from '../../src/shared/index.js';
import { rng } from './fixtures.js';

// The real index must satisfy the search interface structurally (a compile-time check as much as a test).
const DIM = 12;
let root: string;
let index: LateIndex;
let searchable: SearchableIndex;
const originals = new Map<string, MultiVector>();

function unitRows(random: () => number, count: number): Float32Array {
  const data = new Float32Array(count * DIM);
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
  return normalizeRows(data, DIM);
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'lateindex-search-'));
  index = await LateIndex.create(path.join(root, 'idx'), {
    encoder: { kind: 'precomputed', name: 'search-test', dim: DIM, hash: 'search-test' },
    quantization: 'float32',
  });
  const random = rng(77);
  const docs = [];
  for (let i = 0; i < 80; i++) {
    const vectors = multiVector(unitRows(random, 1 + Math.floor(random() * 9)), DIM);
    originals.set(`doc${i}`, vectors);
    docs.push({ id: `doc${i}`, vectors });
  }
  await index.upsert(docs);
  await index.delete(['doc5', 'doc6']);
  originals.delete('doc5');
  originals.delete('doc6');
  searchable = index;
});

afterAll(async () => {
  await index.close();
  rmSync(root, { recursive: true, force: true });
});

describe('LateInteractionSearcher over a real LateIndex (float32 storage)', () => {
  it('exhaustive mode ranks exactly like brute force over the original vectors', () => {
    const searcher = new LateInteractionSearcher(searchable);
    const query = multiVector(unitRows(rng(5), 6), DIM);
    const expected = [...originals]
      .map(([id, vectors]) => ({ id, score: maxSim(query, vectors) }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, 10);
    const hits = searcher.search(query, { k: 10, exhaustive: true });
    expect(hits.map((h) => h.id)).toEqual(expected.map((e) => e.id));
    hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 6));
    expect(searcher.stats.scoredDocuments).toBe(78);
  });

  it('candidate mode equals exhaustive when k\' and ef cover every stored vector', () => {
    const searcher = new LateInteractionSearcher(searchable);
    const all = index.counts().vectors;
    for (let seed = 1; seed <= 3; seed++) {
      const query = multiVector(unitRows(rng(seed * 101), 4), DIM);
      const exhaustive = searcher.search(query, { k: 20, exhaustive: true });
      expect(searcher.search(query, { k: 20, candidatesPerToken: all, ef: all })).toEqual(exhaustive);
    }
  });
});

describe('LateInteractionSearcher over float16 storage', () => {
  it('scores stored float16 bytes in the SIMD decoder exactly like decode-then-score, reading raw bytes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lateindex-search16-'));
    const half = await LateIndex.create(path.join(dir, 'idx'), {
      encoder: { kind: 'precomputed', name: 'search-test', dim: DIM, hash: 'search-test' },
      quantization: 'float16',
    });
    try {
      const random = rng(91);
      const docs = [];
      // Documents up to 70 rows so the scorer's buffers grow several times within one search.
      for (let i = 0; i < 60; i++) docs.push({ id: `h${i}`, vectors: multiVector(unitRows(random, 1 + Math.floor(random() * 70)), DIM) });
      await half.upsert(docs);
      let rawReads = 0;
      const counting: SearchableIndex = Object.assign(Object.create(half) as LateIndex, {
        readVectorBytes: (id: number) => {
          rawReads++;
          return half.readVectorBytes(id);
        },
      });
      // The same index without the raw path: every document is decoded by the codec in JS, then scored.
      const decoded: SearchableIndex = Object.assign(Object.create(half) as LateIndex, { readVectorBytes: undefined });
      const query = multiVector(unitRows(rng(3), 7), DIM);
      const fast = new LateInteractionSearcher(counting).search(query, { k: 60, exhaustive: true });
      const reference = new LateInteractionSearcher(decoded).search(query, { k: 60, exhaustive: true });
      expect(rawReads).toBe(60);
      expect(fast.map((h) => [h.id, h.score])).toEqual(reference.map((h) => [h.id, h.score]));
      // And both equal MaxSim over the decoded rows computed independently.
      for (const hit of reference.slice(0, 5)) {
        expect(hit.score).toBe(maxSim(query, half.readVectors(hit.internalId)!));
      }
    } finally {
      await half.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
