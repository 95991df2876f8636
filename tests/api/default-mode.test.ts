import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxColbertEncoder } from '../../src/encode/index.js';
import { IndexBuilder, LateIndex } from '../../src/index/index.js';
import { parseReductionSpec } from '../../src/pool/index.js';
import { ROOT, buildIndex, call, sampleRecords, start, tempRoot, type Running } from './helpers.js';

const TINY = path.join(ROOT, 'tests/fixtures/tiny-colbert');
let root: string;
let running: Running;

beforeAll(async () => {
  root = tempRoot();
  await buildIndex(path.join(root, 'sample'));
  await buildIndex(path.join(root, 'plain'), { sparse: 'none', records: (await sampleRecords()).slice(0, 10) });
  const encoder = await OnnxColbertEncoder.load(TINY);
  const onnx = await LateIndex.create(path.join(root, 'onnx'), { encoder: encoder.identity, encoderSource: TINY, sparse: { mode: 'bm25' } });
  try {
    await new IndexBuilder(onnx, encoder, parseReductionSpec('none')).addBatch(await sampleRecords());
  } finally {
    await onnx.close();
    await encoder.close();
  }
  running = await start({ indexDirs: ['sample', 'plain', 'onnx'].map((name) => path.join(root, name)) });
});

afterAll(async () => {
  await running?.server.close();
  rmSync(root, { recursive: true, force: true });
});

const search = (index: string, body: unknown) => call(running.url, 'POST', `/v1/indexes/${index}/search`, body);
const ranking = (reply: { body: { results: { hits: { id: string; score: number }[] }[] } }) =>
  reply.body.results[0]!.hits.map(({ id, score }) => ({ id, score }));

describe('the default search mode over REST', () => {
  it('is reported by the index info: hybrid for the embedded encoder with BM25, late without BM25 or for an ONNX model', async () => {
    expect((await call(running.url, 'GET', '/v1/indexes/sample')).body.default_mode).toBe('hybrid');
    expect((await call(running.url, 'GET', '/v1/indexes/plain')).body.default_mode).toBe('late');
    const onnx = (await call(running.url, 'GET', '/v1/indexes/onnx')).body;
    expect(onnx).toMatchObject({ default_mode: 'late', modes: ['late', 'sparse', 'hybrid'] });
    const list = (await call(running.url, 'GET', '/v1/indexes')).body.indexes.map((i: { name: string; default_mode: string }) => [i.name, i.default_mode]);
    expect(list).toEqual([['sample', 'hybrid'], ['plain', 'late'], ['onnx', 'late']]);
  });

  it('runs a request without mode in the default mode, ranking exactly as that mode does', async () => {
    for (const [index, expected] of [['sample', 'hybrid'], ['plain', 'late'], ['onnx', 'late']] as const) {
      const implicit = await search(index, { query: 'what makes bread rise', top_k: 5 });
      expect(implicit.status).toBe(200);
      expect(implicit.body.mode).toBe(expected);
      const explicit = await search(index, { query: 'what makes bread rise', top_k: 5, mode: expected });
      expect(ranking(implicit)).toEqual(ranking(explicit));
      expect(implicit.body.results[0].hits.some((h: { components?: unknown }) => h.components !== undefined)).toBe(expected === 'hybrid');
    }
    const late = await search('sample', { query: 'what makes bread rise', top_k: 5, mode: 'late' });
    expect(ranking(late)).not.toEqual(ranking(await search('sample', { query: 'what makes bread rise', top_k: 5 })));
  });

  it('restricts the default to the sides the request gives', async () => {
    const sparseOnly = await search('sample', { sparse_query: { sourdough: 1 }, top_k: 3 });
    expect(sparseOnly.status).toBe(200);
    expect(sparseOnly.body.mode).toBe('sparse');
    const both = await search('onnx', { query: 'bread', sparse_query: { sourdough: 1 }, top_k: 3 });
    expect(both.status).toBe(200);
    expect(both.body.mode).toBe('hybrid');
    // Embeddings carry no text for BM25: the embedded index's default falls back to late for them.
    const vector = Array.from({ length: 100 }, (_, i) => (i === 0 ? 1 : 0));
    const embeddings = await search('sample', { embeddings: [vector], top_k: 3 });
    expect(embeddings.status).toBe(200);
    expect(embeddings.body.mode).toBe('late');
    // An explicit mode the query cannot feed is still refused.
    const hybridEmbeddings = await search('sample', { embeddings: [vector], top_k: 3, mode: 'hybrid' });
    expect(hybridEmbeddings.status).toBe(400);
  });
});
