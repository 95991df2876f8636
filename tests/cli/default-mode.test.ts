import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLE, cli, tempDir } from './helpers.js';

const TINY = path.join(ROOT, 'tests/fixtures/tiny-colbert');
const QUERY = 'what makes bread rise';

interface SearchJson {
  mode: string;
  hits: { id: string; score: number; components?: { late: number; sparse: number } }[];
}

async function searchJson(index: string, ...extra: string[]): Promise<SearchJson> {
  const result = await cli('search', '--index', index, '--query', QUERY, '--json', '--k', '5', ...extra);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as SearchJson;
}

async function statsJson(index: string): Promise<{ search: { defaultMode: string; fusion: { method: string; lateWeight: number }; sparseDepth: number } }> {
  return JSON.parse((await cli('stats', '--index', index, '--json')).stdout);
}

describe('the default search mode follows the index encoder (CLI)', () => {
  let work: string;
  let embedded: string;
  beforeAll(async () => {
    work = tempDir();
    embedded = path.join(work, 'embedded');
    expect((await cli('index', '--corpus', SAMPLE, '--index', embedded, '--quiet')).code).toBe(0);
  });

  it('is hybrid for the embedded encoder with BM25 postings: search, stats and eval', async () => {
    const byDefault = await searchJson(embedded);
    expect(byDefault.mode).toBe('hybrid');
    expect(byDefault.hits.every((h) => h.components !== undefined)).toBe(true);
    expect(byDefault.hits).toEqual((await searchJson(embedded, '--mode', 'hybrid')).hits);
    expect(byDefault.hits).not.toEqual((await searchJson(embedded, '--mode', 'late')).hits);

    const stats = await statsJson(embedded);
    expect(stats.search).toMatchObject({ defaultMode: 'hybrid', fusion: { method: 'zscore', lateWeight: 0.25 }, sparseDepth: 500 });
    const table = await cli('stats', '--index', embedded);
    expect(table.stdout + table.stderr).toMatch(/default search mode\s+hybrid \(zscore fusion, late weight 0\.25, sparse depth 500\)/);

    const evalDefault = JSON.parse((await cli('eval', '--dataset', SAMPLE, '--index', embedded, '--json', '--quiet')).stdout);
    const evalHybrid = JSON.parse((await cli('eval', '--dataset', SAMPLE, '--index', embedded, '--json', '--quiet', '--mode', 'hybrid')).stdout);
    expect(evalDefault.config).toMatchObject({ mode: 'hybrid', fusion: { method: 'zscore', lateWeight: 0.25 }, sparseDepth: 500 });
    expect(evalDefault.metrics).toEqual(evalHybrid.metrics);
  });

  it('is late for an index without BM25 postings', async () => {
    const plain = path.join(work, 'plain');
    expect((await cli('index', '--corpus', SAMPLE, '--index', plain, '--quiet', '--sparse', 'none')).code).toBe(0);
    const byDefault = await searchJson(plain);
    expect(byDefault.mode).toBe('late');
    expect(byDefault.hits).toEqual((await searchJson(plain, '--mode', 'late')).hits);
    expect((await statsJson(plain)).search.defaultMode).toBe('late');
    // A flag for another mode is refused against the default mode too, naming it; search and eval alike.
    for (const command of [
      ['search', '--index', plain, '--query', QUERY],
      ['eval', '--dataset', SAMPLE, '--index', plain],
    ]) {
      const refused = await cli(...command, '--fusion', 'rrf');
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/--fusion does nothing in the index's default mode, late: it applies to --mode hybrid/);
    }
  });

  it("takes the flags of its default mode: hybrid's fusion and Block-Max Pruning settings on the embedded index", async () => {
    const rrf = await searchJson(embedded, '--fusion', 'rrf', '--alpha', '0.9');
    expect(rrf.mode).toBe('hybrid');
    expect(rrf.hits).toEqual((await searchJson(embedded, '--mode', 'hybrid', '--fusion', 'rrf', '--alpha', '0.9')).hits);
    expect(rrf.hits).not.toEqual((await searchJson(embedded)).hits);
  });

  it('is late for a contextual (ONNX) model, whose hybrid weights are its own', async () => {
    const onnx = path.join(work, 'onnx');
    expect((await cli('index', '--corpus', SAMPLE, '--index', onnx, '--model', TINY, '--quiet')).code).toBe(0);
    const byDefault = await searchJson(onnx);
    expect(byDefault.mode).toBe('late');
    expect(byDefault.hits.some((h) => h.components !== undefined)).toBe(false);
    expect(byDefault.hits).toEqual((await searchJson(onnx, '--mode', 'late')).hits);
    const stats = await statsJson(onnx);
    expect(stats.search).toMatchObject({ defaultMode: 'late', fusion: { method: 'zscore', lateWeight: 0.5 } });
    const evalDefault = JSON.parse((await cli('eval', '--dataset', SAMPLE, '--index', onnx, '--json', '--quiet')).stdout);
    expect(evalDefault.config.mode).toBe('late');
  });

  it('is late for precomputed vectors', async () => {
    const corpus = path.join(work, 'pages.jsonl');
    writeFileSync(corpus, [{ _id: 'p1', text: 'bread', embeddings: [[1, 0, 0]] }, { _id: 'p2', embeddings: [[0, 1, 0]] }].map((r) => JSON.stringify(r)).join('\n'));
    const pages = path.join(work, 'pages');
    expect((await cli('index', '--corpus', corpus, '--index', pages, '--quiet')).code).toBe(0);
    expect((await statsJson(pages)).search.defaultMode).toBe('late');
  });
});
