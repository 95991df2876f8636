import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LateIndex } from '../../src/index/index.js';
import { SAMPLE, cli, tempDir } from './helpers.js';

interface Hit {
  id: string;
  score: number;
  components?: { late: number; sparse: number };
}

async function hits(index: string, query: string, ...extra: string[]): Promise<Hit[]> {
  const result = await cli('search', '--index', index, '--query', query, '--json', ...extra);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { hits: Hit[] }).hits;
}

describe('search modes on the sample corpus', () => {
  let index: string;
  beforeAll(async () => {
    index = path.join(tempDir(), 'idx');
    expect((await cli('index', '--corpus', SAMPLE, '--index', index, '--quiet')).code).toBe(0);
  });

  it('sparse mode ranks by BM25 through Block-Max Pruning', async () => {
    const sparse = await hits(index, 'sourdough starter yeast', '--mode', 'sparse', '--k', '5');
    expect(sparse[0]!.id).toBe('bread-sourdough');
    // Only documents sharing a stemmed term with the query score above zero.
    expect(sparse.every((h) => h.score > 0)).toBe(true);
    const none = await hits(index, 'zzzz qqqq', '--mode', 'sparse');
    expect(none).toEqual([]);
  });

  it('hybrid fusion reduces to either side at the extreme weights', async () => {
    const query = 'why do glaciers melt and retreat';
    const k = ['--k', '8', '--exhaustive'];
    const late = await hits(index, query, '--mode', 'late', ...k);
    const lateOnly = await hits(index, query, '--mode', 'hybrid', '--late-weight', '1', ...k);
    expect(lateOnly.map((h) => h.id)).toEqual(late.map((h) => h.id));
    lateOnly.forEach((h, i) => expect(h.components!.late).toBeCloseTo(late[i]!.score, 9));

    const sparse = await hits(index, query, '--mode', 'sparse', '--k', '8');
    const sparseOnly = await hits(index, query, '--mode', 'hybrid', '--late-weight', '0', ...k);
    const positive = sparseOnly.filter((h) => h.components!.sparse > 0);
    expect(positive.map((h) => h.id)).toEqual(sparse.slice(0, positive.length).map((h) => h.id));
    positive.forEach((h, i) => expect(h.components!.sparse).toBeCloseTo(sparse[i]!.score, 9));

    // Every score-normalising fusion at weight 1 (or 0) orders the union like that side alone.
    for (const fusion of ['zscore', 'convex', 'convex-depth', 'dbsf']) {
      const lateSide = await hits(index, query, '--mode', 'hybrid', '--fusion', fusion, '--late-weight', '1', ...k);
      expect(lateSide.map((h) => h.id), fusion).toEqual(late.map((h) => h.id));
    }
    const unknown = await cli('search', '--index', index, '--query', query, '--mode', 'hybrid', '--fusion', 'borda');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/convex, convex-depth, zscore, dbsf, rrf/);

    const rrf = await hits(index, query, '--mode', 'hybrid', '--fusion', 'rrf', ...k);
    // RRF score of the top hit: 1/(60 + late rank) + 1/(60 + sparse rank), ranks over the union.
    expect(rrf[0]!.score).toBeGreaterThan(1 / 61);
    expect(rrf[0]!.score).toBeLessThanOrEqual(2 / 61);
  });

  it('refuses sparse modes on an index built with --sparse none', async () => {
    const plain = path.join(tempDir(), 'idx');
    expect((await cli('index', '--corpus', SAMPLE, '--index', plain, '--quiet', '--sparse', 'none')).code).toBe(0);
    const result = await cli('search', '--index', plain, '--query', 'bread', '--mode', 'hybrid');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/keeps no sparse postings .* \[sparse_unavailable\]/);
  });

  it('--sparse-block-size is recorded, shown by stats, refused out of range, and safe BMP ranks the same at any size', async () => {
    const small = path.join(tempDir(), 'idx');
    expect((await cli('index', '--corpus', SAMPLE, '--index', small, '--quiet', '--sparse-block-size', '4')).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(small, 'manifest.json'), 'utf8')).sparse.blockSize).toBe(4);
    expect((await cli('stats', '--index', small)).stdout + (await cli('stats', '--index', small)).stderr).toMatch(/sparse\s+bm25, blocks of 4 documents/);
    for (const query of ['sourdough starter yeast', 'volcanic eruption forecast', 'why does iron rust in water']) {
      expect(await hits(small, query, '--mode', 'sparse', '--k', '10')).toEqual(await hits(index, query, '--mode', 'sparse', '--k', '10'));
    }
    const bad = await cli('index', '--corpus', SAMPLE, '--index', path.join(tempDir(), 'idx'), '--quiet', '--sparse-block-size', '300');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--sparse-block-size.*integer in 1\.\.256, got "300"/);
  });
});

describe('learned-sparse indexes', () => {
  it('ranks by the records\' term weights for --sparse-query, and refuses text or malformed weights', async () => {
    const work = tempDir();
    const corpus = path.join(work, 'learned.jsonl');
    writeFileSync(
      corpus,
      [
        { _id: 'low', text: 'ice', sparse: { glacier: 0.5, ice: 1 } },
        { _id: 'high', text: 'ice sheet', sparse: { glacier: 2 } },
        { _id: 'mid', text: 'valley', sparse: { glacier: 1, valley: 3 } },
        { _id: 'none', text: 'bread', sparse: { bread: 2 } },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const index = path.join(work, 'idx');
    expect((await cli('index', '--corpus', corpus, '--index', index, '--sparse', 'learned', '--quiet')).code).toBe(0);

    const ranked = await hits(index, 'unused text', '--mode', 'sparse', '--sparse-query', '{"glacier": 1}');
    expect(ranked.map((h) => h.id)).toEqual(['high', 'mid', 'low']);
    // Impacts are round(weight x 64): 128, 64, 32 for the single query term, so the scores keep those ratios.
    expect(ranked[0]!.score / ranked[2]!.score).toBeCloseTo(4, 9);
    expect(ranked[1]!.score / ranked[2]!.score).toBeCloseTo(2, 9);

    const text = await cli('search', '--index', index, '--query', 'glacier', '--mode', 'sparse');
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/learned-sparse index needs query term weights/);

    const bad = await cli('search', '--index', index, '--query', 'x', '--mode', 'sparse', '--sparse-query', '{"glacier": -1}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/weight of "glacier" must be a finite number >= 0/);
  });
});

describe('compact', () => {
  it('drops graph tombstones and reorders sparse blocks after deletes and updates, without changing any result', async () => {
    const work = tempDir();
    const index = path.join(work, 'idx');
    expect((await cli('index', '--corpus', SAMPLE, '--index', index, '--quiet')).code).toBe(0);
    const ids = readFileSync(path.join(SAMPLE, 'corpus.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { _id: string })._id);
    expect((await cli('delete', '--index', index, '--ids', ids.slice(0, 8).join(','))).code).toBe(0);
    const updates = path.join(work, 'updates.jsonl');
    writeFileSync(updates, ids.slice(8, 12).map((id, i) => JSON.stringify({ _id: id, text: `rewritten document ${i} about tides, moraines and sourdough` })).join('\n'));
    expect((await cli('add', '--index', index, '--corpus', updates, '--quiet')).code).toBe(0);

    const queries = ['sourdough starter yeast', 'glacier meltwater', 'volcano eruption warning', 'tides and moraines'];
    const snapshot = async (): Promise<Hit[][]> => {
      const out: Hit[][] = [];
      for (const q of queries) {
        out.push(await hits(index, q, '--mode', 'sparse', '--k', '10'));
        out.push(await hits(index, q, '--mode', 'late', '--k', '10', '--exhaustive'));
        out.push(await hits(index, q, '--mode', 'late', '--k', '5', '--candidates', '1000'));
      }
      return out;
    };
    const before = await snapshot();
    const compacted = await cli('compact', '--index', index, '--json');
    expect(compacted.code).toBe(0);
    const report = JSON.parse(compacted.stdout) as { graphTombstonesDropped: number; sparse: { compact: { loweredMaxima: number }; reorder: { documents: number } } };
    // 8 deleted documents and 4 rewritten ones leave distinct vectors nobody owns any more.
    expect(report.graphTombstonesDropped).toBeGreaterThan(0);
    // Writes keep block maxima exact, so recomputing them from the postings finds nothing to lower.
    expect(report.sparse.compact.loweredMaxima).toBe(0);
    expect(report.sparse.reorder.documents).toBe(ids.length - 8);
    expect(await snapshot()).toEqual(before);
    const reopened = await LateIndex.open(index, { readOnly: true });
    try {
      expect(reopened.inspect().distinct().graphStats().tombstones).toBe(0);
      expect(reopened.inspect().distinct().graphOrigin).toBe('loaded');
      expect(reopened.verify()).toMatchObject({ ok: true, documents: ids.length - 8 });
    } finally {
      await reopened.close();
    }
  });
});
