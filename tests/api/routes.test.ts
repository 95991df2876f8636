import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IndexInfoSchema,
  IndexListSchema,
  MAX_TOP_K,
  ProblemSchema,
  SearchResponseSchema,
  UpsertResponseSchema,
  DeleteResponseSchema,
} from '../../src/api/index.js';
import { StaticEncoder } from '../../src/encode/index.js';
import { LateIndex } from '../../src/index/index.js';
import { Retriever } from '../../src/search/index.js';
import { documentText } from '../../src/shared/index.js';
import { buildIndex, call, memoryLogger, sampleRecords, start, tempRoot, type Running } from './helpers.js';

let root: string;
let sampleDir: string;
let plainDir: string;
let running: Running;
let logs: Record<string, unknown>[];
/** Exhaustive reference rankings computed with the library directly, before the server opens the index. */
const reference = new Map<string, { id: string; score: number }[]>();
/** Learned-sparse query weights and their reference ranking (sparse mode, computed with the library). */
const SPARSE_QUERY = { sourdough: 2.5, starter: 1, bread: 0.5 };
let sparseReference: { id: string; score: number }[] = [];
let expectedVectors = 0;
const QUERIES = ['what makes bread rise', 'warning signs before a volcano erupts', 'glacier ice'];

beforeAll(async () => {
  root = tempRoot();
  sampleDir = path.join(root, 'sample');
  plainDir = path.join(root, 'plain');
  await buildIndex(sampleDir);
  await buildIndex(plainDir, { sparse: 'none', records: (await sampleRecords()).slice(0, 10) });

  const encoder = await StaticEncoder.load();
  const encoded = await encoder.encodeDocuments((await sampleRecords()).map((r) => documentText(r)));
  expectedVectors = encoded.reduce((sum, mv) => sum + mv.count, 0);
  const index = await LateIndex.open(sampleDir, { readOnly: true });
  const retriever = new Retriever(index, encoder);
  for (const q of QUERIES) {
    reference.set(q, (await retriever.search(q, { k: 30, exhaustive: true })).map(({ id, score }) => ({ id, score })));
  }
  sparseReference = (await retriever.retrieve({ sparse: SPARSE_QUERY }, { k: 5, mode: 'sparse' })).map(({ id, score }) => ({ id, score }));
  await index.close();
  await encoder.close();

  const memory = memoryLogger();
  logs = memory.records;
  running = await start({ indexDirs: [sampleDir, plainDir], logger: memory.logger });
});

afterAll(async () => {
  await running?.server.close();
  rmSync(root, { recursive: true, force: true });
});

const search = (index: string, body: unknown) => call(running.url, 'POST', `/v1/indexes/${index}/search`, body);

describe('health and index routes', () => {
  it('answers /livez and /readyz once the indexes are open', async () => {
    expect((await call(running.url, 'GET', '/livez')).body).toEqual({ status: 'ok' });
    const ready = await call(running.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', indexes: ['sample', 'plain'] });
  });

  it('describes each index with the counts of what was stored', async () => {
    const reply = await call(running.url, 'GET', '/v1/indexes/sample');
    expect(reply.status).toBe(200);
    const info = IndexInfoSchema.parse(reply.body);
    expect(info).toMatchObject({
      name: 'sample',
      documents: 30,
      vectors: expectedVectors,
      bytes: expectedVectors * 100 * 2,
      reduction: 'none',
      quantization: 'float16',
      exact_match_recovery: false,
      format_version: expect.any(Number),
      read_only: false,
      modes: ['late', 'sparse', 'hybrid'],
    });
    expect(info.encoder).toMatchObject({ kind: 'static', dim: 100 });
    expect(info.bytes_per_document).toBeCloseTo((expectedVectors * 200) / 30, 1);
    expect(info.disk_bytes).toBeGreaterThan(info.bytes);
    expect(info.exact_token_bytes).toBeUndefined();

    const list = IndexListSchema.parse((await call(running.url, 'GET', '/v1/indexes')).body);
    expect(list.indexes.map((i) => [i.name, i.documents, i.modes])).toEqual([
      ['sample', 30, ['late', 'sparse', 'hybrid']],
      ['plain', 10, ['late']],
    ]);
  });

  it('logs one structured line per request with its id and latency', async () => {
    const reply = await call(running.url, 'GET', '/livez', undefined, { 'X-Request-ID': 'probe-42' });
    expect(reply.headers.get('x-request-id')).toBe('probe-42');
    const generated = await call(running.url, 'GET', '/livez', undefined, { 'X-Request-ID': 'bad id with spaces' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const line = logs.find((r) => r.req_id === 'probe-42');
    expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/livez', status: 200 });
    expect(typeof line!.ms).toBe('number');
  });
});

describe('search', () => {
  it('returns the exhaustive reference ranking over HTTP, one result per query in order', async () => {
    const reply = await search('sample', { queries: QUERIES, top_k: 5, exhaustive: true });
    expect(reply.status).toBe(200);
    const body = SearchResponseSchema.parse(reply.body);
    expect(body.results.map((r) => r.query)).toEqual(QUERIES);
    body.results.forEach((result, i) => {
      const expected = reference.get(QUERIES[i]!)!.slice(0, 5);
      expect(result.hits.map((h) => h.id)).toEqual(expected.map((e) => e.id));
      result.hits.forEach((h, j) => {
        expect(h.score).toBeCloseTo(expected[j]!.score, 5);
        expect(h.rank).toBe(j + 1);
      });
      expect(result.took_ms).toBeGreaterThanOrEqual(0);
    });
    expect(new Set(body.results[0]!.hits.slice(0, 2).map((h) => h.id))).toEqual(new Set(['bread-gluten', 'bread-sourdough']));
  });

  it('pages with offset and top_k, keeping absolute ranks', async () => {
    const reply = await search('sample', { query: 'glacier ice', offset: 2, top_k: 3, exhaustive: true });
    const expected = reference.get('glacier ice')!.slice(2, 5);
    expect(reply.body.results[0].hits.map((h: { id: string; rank: number }) => [h.id, h.rank])).toEqual(
      expected.map((e, i) => [e.id, i + 3]),
    );
  });

  it('filters on ids exactly, also in HNSW candidate mode', async () => {
    const ids = reference.get('what makes bread rise')!.slice(-4).map((e) => e.id);
    for (const exhaustive of [true, false]) {
      const reply = await search('sample', { query: 'what makes bread rise', top_k: 10, exhaustive, filter: { ids: [...ids, 'no-such-id'] } });
      expect(reply.status).toBe(200);
      const expected = reference.get('what makes bread rise')!.filter((e) => ids.includes(e.id));
      expect(reply.body.results[0].hits.map((h: { id: string }) => h.id)).toEqual(expected.map((e) => e.id));
    }
    const none = await search('sample', { query: 'bread', filter: { ids: ['no-such-id'] } });
    expect(none.body.results[0].hits).toEqual([]);
  });

  it('includes title, text and token scores that add up to the score', async () => {
    const records = new Map((await sampleRecords()).map((r) => [r.id, r]));
    const reply = await search('sample', { query: 'what makes bread rise', mode: 'late', top_k: 3, include: ['title', 'text', 'token_scores'] });
    expect(reply.status).toBe(200);
    for (const hit of reply.body.results[0].hits) {
      expect(hit.title).toBe(records.get(hit.id)!.title);
      expect(hit.text).toBe(records.get(hit.id)!.text);
      const scores = hit.token_scores as { query_token: string; weight: number; document_vector: number; similarity: number; exact_match: boolean }[];
      expect(scores.length).toBeGreaterThan(0);
      // An unreduced index keeps no exact-match lists: every similarity is a stored vector's.
      expect(scores.every((s) => s.exact_match === false)).toBe(true);
      expect(scores.map((s) => s.query_token)).toContain('bread');
      const sum = scores.reduce((acc, s) => acc + s.weight * s.similarity, 0);
      expect(sum).toBeCloseTo(hit.score, 4);
    }
  });

  it('ranks precomputed query embeddings (uniform weights) and checks their dim', async () => {
    const encoder = await StaticEncoder.load();
    const [query] = await encoder.encodeQueries(['sourdough']);
    await encoder.close();
    const rows = Array.from({ length: query!.count }, (_, i) => Array.from(query!.data.subarray(i * 100, (i + 1) * 100)));
    const reply = await search('sample', { embeddings: rows, top_k: 3, exhaustive: true });
    expect(reply.status).toBe(200);
    expect(reply.body.results[0].hits[0].id).toBe('bread-sourdough');
    expect(reply.body.results[0].query).toBeUndefined();

    const bad = await search('sample', { embeddings: [rows[0]!.slice(0, 99)] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'dimension_mismatch', issues: [{ path: 'embeddings[0]' }] });
  });

  it('passes sparse and hybrid modes to the retriever where the index keeps postings, 400 elsewhere', async () => {
    const sparse = await search('sample', { query: 'sourdough starter', mode: 'sparse', top_k: 3 });
    expect(sparse.status).toBe(200);
    expect(sparse.body.mode).toBe('sparse');
    expect(sparse.body.results[0].hits[0].id).toBe('bread-sourdough');
    const hybrid = await search('sample', { query: 'sourdough starter', mode: 'hybrid', top_k: 3 });
    expect(hybrid.status).toBe(200);
    expect(hybrid.body.results[0].hits[0].components).toEqual({ late: expect.any(Number), sparse: expect.any(Number) });
    const weighted = await search('sample', { sparse_query: SPARSE_QUERY, mode: 'sparse', top_k: 5 });
    expect(weighted.status).toBe(200);
    expect(sparseReference.length).toBeGreaterThan(0);
    expect(weighted.body.results[0].hits.map(({ id, score }: { id: string; score: number }) => ({ id, score }))).toEqual(sparseReference);
    // Weights replace the analysed text on the sparse side: the text alone ranks differently.
    const textOnly = await search('sample', { query: 'bread', mode: 'sparse', top_k: 5 });
    expect(textOnly.body.results[0].hits.map((h: { score: number }) => h.score)).not.toEqual(sparseReference.map((h) => h.score));
    const hybridWeighted = await search('sample', { query: 'bread', sparse_query: SPARSE_QUERY, mode: 'hybrid', top_k: 3 });
    expect(hybridWeighted.status).toBe(200);
    expect(hybridWeighted.body.results[0].hits[0].components.sparse).toBeGreaterThan(0);
    const lateWithWeights = await search('sample', { query: 'bread', sparse_query: SPARSE_QUERY, mode: 'late' });
    expect(lateWithWeights.status).toBe(400);
    expect(lateWithWeights.body.issues).toEqual([{ path: 'sparse_query', message: 'sparse_query needs mode "sparse" or "hybrid"', code: 'custom' }]);
    const batchWithWeights = await search('sample', { queries: ['a', 'b'], sparse_query: SPARSE_QUERY, mode: 'sparse' });
    expect(batchWithWeights.status).toBe(400);
    expect(batchWithWeights.body.issues[0].path).toBe('sparse_query');
    const negative = await search('sample', { sparse_query: { bread: -1 }, mode: 'sparse' });
    expect(negative.status).toBe(400);
    expect(negative.body.issues[0].path).toBe('sparse_query.bread');
    const plain = await search('plain', { query: 'glacier', mode: 'sparse' });
    expect(plain.status).toBe(400);
    expect(plain.body).toMatchObject({ code: 'unsupported_mode', issues: [{ path: 'mode' }] });
  });
});

describe('documents', () => {
  it('upserts with metadata, filters on metadata equality, deletes', async () => {
    const documents = [
      { _id: 'meta-a', title: 'Quartz clocks', text: 'A quartz crystal oscillates at a steady frequency.', metadata: { lang: 'en', year: 2020 } },
      { _id: 'meta-b', title: 'Quartz watches', text: 'Quartz watches keep time with a crystal oscillator.', metadata: { lang: 'de', year: 2020 } },
      { id: 7, text: 'Numeric ids are accepted as in corpus files: quartz.', metadata: { lang: 'en', year: 2021 } },
    ];
    const upsert = await call(running.url, 'POST', '/v1/indexes/sample/documents', { documents });
    expect(upsert.status).toBe(200);
    expect(UpsertResponseSchema.parse(upsert.body)).toMatchObject({ inserted: 3, updated: 0, documents: 33 });

    const filtered = await search('sample', { query: 'quartz crystal', top_k: 10, exhaustive: true, include: ['metadata'], filter: { metadata: { lang: 'en' } } });
    expect(filtered.body.results[0].hits.map((h: { id: string }) => h.id).sort()).toEqual(['7', 'meta-a']);
    expect(filtered.body.results[0].hits.find((h: { id: string }) => h.id === 'meta-a').metadata).toEqual({ lang: 'en', year: 2020 });
    const both = await search('sample', { query: 'quartz', exhaustive: true, filter: { metadata: { lang: 'en', year: 2020 } } });
    expect(both.body.results[0].hits.map((h: { id: string }) => h.id)).toEqual(['meta-a']);

    const again = await call(running.url, 'POST', '/v1/indexes/sample/documents', { documents: [documents[0]] });
    expect(again.body).toMatchObject({ inserted: 0, updated: 1, documents: 33 });

    expect(upsert.body.truncated).toBeUndefined();
    // A document longer than the encoder reads is stored cut, and the response names it.
    const long = Array.from({ length: 2300 }, (_, i) => `qzv${i.toString(36)}`).join(' ');
    const cut = await call(running.url, 'POST', '/v1/indexes/sample/documents', { documents: [{ _id: 'meta-long', text: long }] });
    expect(UpsertResponseSchema.parse(cut.body)).toEqual({ inserted: 1, updated: 0, vectors: 2048, documents: 34, truncated: { limit: 2048, documents: [{ id: 'meta-long', tokens: 2300 }] } });

    const del = await call(running.url, 'DELETE', '/v1/indexes/sample/documents', { ids: ['meta-a', 'meta-b', '7', 'meta-long', 'never-there'] });
    expect(del.status).toBe(200);
    expect(DeleteResponseSchema.parse(del.body)).toEqual({ deleted: ['meta-a', 'meta-b', '7', 'meta-long'], missing: ['never-there'], documents: 30 });
    const gone = await search('sample', { query: 'quartz crystal', exhaustive: true, top_k: 30 });
    expect(gone.body.results[0].hits.map((h: { id: string }) => h.id)).not.toContain('meta-a');
  });

  it('reports every invalid document with its path and changes nothing', async () => {
    const reply = await call(running.url, 'POST', '/v1/indexes/sample/documents', {
      documents: [
        { _id: 'ok-1', text: 'fine' },
        { _id: 'bad-1', title: 5 },
        { _id: 'bad-2', embeddings: [[1, 2, 3]] },
        { text: 'no id' },
      ],
    });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = ProblemSchema.parse(reply.body);
    expect(problem.code).toBe('validation_failed');
    expect(problem.issues!.map((i) => i.path)).toEqual(['documents[1].title']);

    const deep = await call(running.url, 'POST', '/v1/indexes/sample/documents', {
      documents: [{ _id: 'ok-1', text: 'fine' }, { _id: 'bad-2', embeddings: [[1, 2, 3]] }, { text: 'no id' }, { _id: 'empty' }],
    });
    expect(deep.status).toBe(400);
    expect(deep.body.code).toBe('invalid_document');
    expect(deep.body.issues.map((i: { path: string }) => i.path)).toEqual(['documents[1].embeddings', 'documents[2]._id', 'documents[3].text']);
    expect((await call(running.url, 'GET', '/v1/indexes/sample')).body.documents).toBe(30);
  });
});

describe('errors are problem+json with stable codes and no stack traces', () => {
  it('400 on validation with every issue and its path', async () => {
    const reply = await search('sample', { query: 'x', top_k: MAX_TOP_K + 1, include: ['nope'], extra: 1 });
    expect(reply.status).toBe(400);
    const problem = ProblemSchema.parse(reply.body);
    expect(problem).toMatchObject({ code: 'validation_failed', status: 400, type: 'urn:lateindex:problem:validation_failed', instance: '/v1/indexes/sample/search' });
    expect(problem.issues!.map((i) => i.path).sort()).toEqual(['', 'include[0]', 'top_k']);
    expect(problem.request_id).toBe(reply.headers.get('x-request-id'));

    const neither = await search('sample', { top_k: 3 });
    expect(neither.body.issues).toEqual([{ path: 'query', message: 'give one of "query", "queries", "embeddings" or "sparse_query"', code: 'custom' }]);
    const two = await search('sample', { query: 'a', queries: ['b'] });
    expect(two.body.issues[0].path).toBe('queries');
  });

  it('400 on malformed JSON, 415 on non-JSON bodies, 400 on a missing body', async () => {
    const malformed = await call(running.url, 'POST', '/v1/indexes/sample/search', '{"query": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('malformed_json');
    expect(malformed.text).not.toMatch(/at .*\.(ts|js):\d+/);
    const form = await call(running.url, 'POST', '/v1/indexes/sample/search', 'query=bread', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.body.code).toBe('unsupported_media_type');
    const empty = await call(running.url, 'POST', '/v1/indexes/sample/search');
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('missing_body');
  });

  it('404 for unknown indexes, path traversal attempts and unknown routes', async () => {
    for (const name of ['nope', '..%2F..%2Fetc', '..%2Fplain', '%2e%2e', 'sample%00']) {
      const reply = await call(running.url, 'GET', `/v1/indexes/${name}`);
      expect(reply.status, name).toBe(404);
      // fetch resolves a literal "%2e%2e" segment itself, so that request never names an index at all.
      expect(['index_not_found', 'route_not_found'], name).toContain(reply.body.code);
      if (name.includes('%2F')) expect(reply.body.code, name).toBe('index_not_found');
      const s = await search(name, { query: 'x' });
      expect(s.status, name).toBe(404);
    }
    const route = await call(running.url, 'GET', '/v1/indexes/sample/nothing');
    expect(route.status).toBe(404);
    expect(route.body.code).toBe('route_not_found');
    const badEncoding = await call(running.url, 'GET', '/v1/indexes/%E0%A4%A');
    expect(badEncoding.status).toBe(400);
  });
});

describe('/openapi.json', () => {
  it('is generated from the validating schemas and lists every route', async () => {
    const reply = await call(running.url, 'GET', '/openapi.json');
    expect(reply.status).toBe(200);
    const doc = reply.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/livez', '/openapi.json', '/readyz', '/v1/indexes', '/v1/indexes/{name}', '/v1/indexes/{name}/documents',
        '/v1/indexes/{name}/documents/{id}', '/v1/indexes/{name}/search', '/v1/sweeps', '/v1/sweeps/{id}',
        '/v1/sweeps/{id}/charts/{chart}',
      ].sort(),
    );
    expect(Object.keys(doc.paths['/v1/indexes/{name}/documents']).sort()).toEqual(['delete', 'post']);
    const request = doc.components.schemas.SearchRequest;
    // The documented limits are the enforced ones: top_k's maximum passes, one more fails (tested above).
    expect(request.properties.top_k).toMatchObject({ type: 'integer', maximum: MAX_TOP_K, default: 10 });
    expect(request.additionalProperties).toBe(false);
    expect(request.properties.mode.enum).toEqual(['late', 'sparse', 'hybrid']);
    expect(doc.components.schemas.DeleteRequest.required).toEqual(['ids']);
    const atMax = await search('sample', { query: 'x', top_k: request.properties.top_k.maximum });
    expect(atMax.status).toBe(200);
  });
});
