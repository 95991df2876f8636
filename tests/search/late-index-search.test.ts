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
