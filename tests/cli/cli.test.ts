import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { StaticEncoder } from '../../src/encode/static/index.js';
import { documentText } from '../../src/shared/index.js';
import { SAMPLE, cli, cliProcess, tempDir } from './helpers.js';

interface Hit {
  rank: number;
  id: string;
  score: number;
}

function sampleRecords(): { _id: string; title: string; text: string }[] {
  return readFileSync(path.join(SAMPLE, 'corpus.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { _id: string; title: string; text: string });
}

async function searchIds(index: string, query: string, ...extra: string[]): Promise<string[]> {
  const result = await cli('search', '--index', index, '--query', query, '--json', ...extra);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { hits: Hit[] }).hits.map((h) => h.id);
}

describe('lateindex CLI on the sample corpus', () => {
  let index: string;
  let work: string;

  beforeAll(async () => {
    work = tempDir();
    index = path.join(work, 'idx');
    const result = await cli('index', '--corpus', SAMPLE, '--index', index, '--json', '--batch-size', '7');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('stores every encoded token vector of every document', async () => {
    const encoder = await StaticEncoder.load();
    const records = sampleRecords();
    const encoded = await encoder.encodeDocuments(records.map((r) => documentText(r)));
    const expectedVectors = encoded.reduce((sum, mv) => sum + mv.count, 0);

    const stats = await cli('stats', '--index', index, '--json');
    expect(stats.code).toBe(0);
    const s = JSON.parse(stats.stdout);
    expect(s.documents).toBe(30);
    expect(s.vectors).toBe(expectedVectors);
    expect(s.quantization).toBe('float16');
    expect(s.bytes).toBe(expectedVectors * 100 * 2);
    expect(s.encoder).toMatchObject({ kind: 'static', dim: 100 });
  });

  it('answers queries with the topical documents first, HNSW candidates agreeing with exhaustive MaxSim', async () => {
    const bread = await searchIds(index, 'what makes bread rise');
    expect(new Set(bread.slice(0, 2))).toEqual(new Set(['bread-gluten', 'bread-sourdough']));
    const bees = await searchIds(index, 'how do bees tell others where flowers are');
    expect(bees[0]).toBe('honeybee-dance');

    for (const q of ['warning signs before a volcano erupts', 'public key encryption', 'glacier ice']) {
      const candidates = await searchIds(index, q, '--k', '5');
      const exhaustive = await searchIds(index, q, '--k', '5', '--exhaustive');
      expect(candidates).toEqual(exhaustive);
    }
  });

  it('prints a human table on stdout and nothing on stderr without --json', async () => {
    const result = await cli('search', '--index', index, '--query', 'tides and the moon', '--k', '3');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/rank\s+score\s+id/);
    expect(result.stdout.split('\n')[1]).toMatch(/^\s*1\s+\d+\.\d{4}\s+tides\s+Why the sea has \[tides\]/);
  });

  it('evaluates the sample split with the DESIGN.md eval object', async () => {
    const runFile = path.join(work, 'run.trec');
    const result = await cli('eval', '--dataset', SAMPLE, '--index', index, '--json', '--run', runFile);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(['dataset', 'split', 'queries', 'metrics', 'storage', 'latency', 'config']);
    expect(Object.keys(report.metrics)).toEqual(['nDCG@10', 'R@100', 'RR@10']);
    expect(Object.keys(report.storage)).toEqual(['documents', 'vectors', 'vectorsPerDoc', 'bytes', 'bytesPerDoc']);
    expect(Object.keys(report.latency)).toEqual(['p50Ms', 'p95Ms', 'qps']);
    expect(report.queries).toBe(10);
    expect(report.storage.documents).toBe(30);

    // Recompute nDCG@10 and RR@10 independently from the TREC run and the qrels.
    const qrels = new Map<string, Map<string, number>>();
    for (const line of readFileSync(path.join(SAMPLE, 'qrels/test.tsv'), 'utf8').trim().split('\n').slice(1)) {
      const [q, d, s] = line.split('\t');
      if (!qrels.has(q!)) qrels.set(q!, new Map());
      qrels.get(q!)!.set(d!, Number(s));
    }
    const run = new Map<string, string[]>();
    for (const line of readFileSync(runFile, 'utf8').trim().split('\n')) {
      const [q, , d] = line.split(/\s+/);
      if (!run.has(q!)) run.set(q!, []);
      run.get(q!)!.push(d!);
    }
    let ndcg = 0;
    let rr = 0;
    for (const [q, judged] of qrels) {
      const ranked = (run.get(q) ?? []).slice(0, 10);
      const dcg = ranked.reduce((sum, d, i) => sum + (judged.get(d) ?? 0) / Math.log2(i + 2), 0);
      const ideal = [...judged.values()].sort((a, b) => b - a).slice(0, 10).reduce((sum, g, i) => sum + g / Math.log2(i + 2), 0);
      ndcg += dcg / ideal;
      const first = ranked.findIndex((d) => (judged.get(d) ?? 0) > 0);
      rr += first >= 0 ? 1 / (first + 1) : 0;
    }
    expect(report.metrics['nDCG@10']).toBeCloseTo(ndcg / qrels.size, 10);
    expect(report.metrics['RR@10']).toBeCloseTo(rr / qrels.size, 10);
    expect(report.metrics['nDCG@10']).toBeGreaterThan(0.7);
  });
});

describe('lateindex CLI updates', () => {
  it('upserts, updates and deletes by id, and searches see the changes', async () => {
    const work = tempDir();
    const index = path.join(work, 'idx');
    expect((await cli('index', '--corpus', SAMPLE, '--index', index, '--quiet')).code).toBe(0);

    const extra = path.join(work, 'extra.jsonl');
    writeFileSync(
      extra,
      [
        JSON.stringify({ _id: 'penguins', title: 'Emperor penguins', text: 'Emperor penguins huddle through the Antarctic winter to keep their eggs warm.' }),
        JSON.stringify({ _id: 'tides', title: 'Tides', text: 'Penguins waddle along icy Antarctic beaches.' }),
      ].join('\n'),
    );
    const added = await cli('add', '--index', index, '--corpus', extra, '--json');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ inserted: 1, updated: 1, documents: 31 });

    const penguins = await searchIds(index, 'antarctic penguins', '--k', '3');
    expect(new Set(penguins.slice(0, 2))).toEqual(new Set(['penguins', 'tides']));
    // The old text of "tides" is gone: a query about the moon no longer ranks it first.
    // (Late mode: BM25 would still match the title "Tides".)
    expect((await searchIds(index, 'moon gravity ocean bulges tides', '--k', '3', '--mode', 'late'))[0]).not.toBe('tides');

    const del = await cli('delete', '--index', index, '--ids', 'penguins,nope', '--json');
    expect(del.code).toBe(0);
    expect(JSON.parse(del.stdout)).toEqual({ deleted: ['penguins'], missing: ['nope'], documents: 30 });
    expect(await searchIds(index, 'antarctic penguins', '--k', '30', '--exhaustive')).not.toContain('penguins');

    const idsFile = path.join(work, 'ids.txt');
    writeFileSync(idsFile, 'tides\n\nlightning\n');
    expect(JSON.parse((await cli('delete', '--index', index, '--ids', idsFile, '--json')).stdout).deleted).toEqual(['tides', 'lightning']);
    const stats = JSON.parse((await cli('stats', '--index', index, '--json')).stdout);
    expect(stats.documents).toBe(28);
  });

  it('indexes precomputed embeddings and refuses text queries against them', async () => {
    const work = tempDir();
    const corpus = path.join(work, 'pages.jsonl');
    writeFileSync(
      corpus,
      [
        JSON.stringify({ _id: 'p1', embeddings: [[1, 0, 0], [0, 1, 0]], grid: [1, 2] }),
        JSON.stringify({ _id: 'p2', embeddings: [[0, 0, 2]] }),
      ].join('\n'),
    );
    const index = path.join(work, 'idx');
    expect((await cli('index', '--corpus', corpus, '--index', index, '--quiet')).code).toBe(0);
    const stats = JSON.parse((await cli('stats', '--index', index, '--json')).stdout);
    expect(stats).toMatchObject({ documents: 2, vectors: 3, encoder: { kind: 'precomputed', dim: 3 } });

    const search = await cli('search', '--index', index, '--query', 'text');
    expect(search.code).toBe(2);
    expect(search.stderr).toMatch(/precomputed embeddings: give query embeddings/);

    const wrongDim = path.join(work, 'bad.jsonl');
    writeFileSync(wrongDim, JSON.stringify({ _id: 'p3', embeddings: [[1, 0]] }) + '\n');
    const add = await cli('add', '--index', index, '--corpus', wrongDim);
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(/bad\.jsonl:1: field "embeddings": document "p3": embeddings have 2 dimensions, the index has 3/);
  });
});

describe('lateindex CLI bad input', () => {
  it('rejects a malformed corpus line in add and leaves the index unchanged', async () => {
    const work = tempDir();
    const index = path.join(work, 'idx');
    expect((await cli('index', '--corpus', SAMPLE, '--index', index, '--quiet')).code).toBe(0);
    const before = JSON.parse((await cli('stats', '--index', index, '--json')).stdout);
    const beforeHits = await searchIds(index, 'volcano eruption', '--exhaustive');

    const bad = path.join(work, 'bad.jsonl');
    writeFileSync(bad, [JSON.stringify({ _id: 'new-doc', text: 'a fine first record about volcano eruption' }), '{"_id": "x", "text": "unterminated'].join('\n'));
    const result = await cli('add', '--index', index, '--corpus', bad);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: .*bad\.jsonl:2: malformed JSON/);

    const after = JSON.parse((await cli('stats', '--index', index, '--json')).stdout);
    expect(after.documents).toBe(before.documents);
    expect(after.vectors).toBe(before.vectors);
    expect(await searchIds(index, 'volcano eruption', '--exhaustive')).toEqual(beforeHits);
  });

  it('never replaces an existing index on a failed rebuild, and needs --overwrite to rebuild', async () => {
    const work = tempDir();
    const index = path.join(work, 'idx');
    expect((await cli('index', '--corpus', SAMPLE, '--index', index, '--quiet')).code).toBe(0);

    const again = await cli('index', '--corpus', SAMPLE, '--index', index, '--quiet');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/an index already exists .* --overwrite/);

    const bad = path.join(work, 'bad.jsonl');
    writeFileSync(bad, [JSON.stringify({ _id: 'a', text: 'fine' }), JSON.stringify({ _id: 'b', text: ['not', 'a', 'string'] })].join('\n'));
    const failed = await cli('index', '--corpus', bad, '--index', index, '--overwrite', '--quiet');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/bad\.jsonl:2: field "text": document "b": must be a string, got array/);
    expect(JSON.parse((await cli('stats', '--index', index, '--json')).stdout).documents).toBe(30);
    expect(readdirSync(work).sort()).toEqual(['bad.jsonl', 'idx']);

    const rebuilt = await cli('index', '--corpus', bad.replace('bad', 'missing'), '--index', index, '--overwrite', '--quiet');
    expect(rebuilt.code).toBe(1);
    expect(rebuilt.stderr).toMatch(/missing\.jsonl: no such file or directory/);
    expect(existsSync(path.join(index, 'manifest.json'))).toBe(true);
  });

  it('reports usage errors with exit code 2 and runtime errors with 1, one line, no stack trace', async () => {
    const unknown = await cliProcess('search', '--index', 'x', '--query', 'q', '--frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--frobnicate'/);

    const missing = await cliProcess('search', '--index', path.join(tempDir(), 'none'), '--query', 'q');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^error: .*not_an_index/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);

    const both = await cliProcess('index', '--corpus', 'a', '--dataset', 'b', '--index', 'c');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --dataset/);

    const badK = await cliProcess('search', '--index', 'x', '--query', 'q', '--k', 'ten');
    expect(badK.code).toBe(2);
    expect(badK.stderr).toMatch(/expected a positive integer, got "ten"/);
  });
});
