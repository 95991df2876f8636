import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticEncoder } from '../../src/encode/index.js';
import { parseReductionSpec } from '../../src/pool/index.js';
import { documentText } from '../../src/shared/index.js';
import { ROOT, buildIndex, call, sampleRecords, start, tempRoot, type Running } from './helpers.js';

let root: string;
let running: Running;
let sweepsDir: string;
let consoleDir: string;

const RECORDS = [
  { id: 'notes/a b', title: 'Spaced id', text: 'Glaciers carve valleys.', metadata: { lang: 'en', year: 2020 } },
  { id: 'plain', text: 'Volcanoes erupt lava.' },
];

beforeAll(async () => {
  root = tempRoot();
  await buildIndex(path.join(root, 'docs'), { records: RECORDS });
  await buildIndex(path.join(root, 'pooled'), { reduce: 'skiplist,ward:2' });
  // Sweep reports: two real ones (one nested), a malformed one, and a report under a sweep's own folder (not searched).
  sweepsDir = path.join(root, 'sweeps');
  for (const [from, to] of [['scifact', 'scifact'], ['scifact-exact-match/with-recovery', 'exact/with-recovery']] as const) {
    mkdirSync(path.join(sweepsDir, to, 'configs', 'x'), { recursive: true });
    copyFileSync(path.join(ROOT, 'bench/results', from, 'report.json'), path.join(sweepsDir, to, 'report.json'));
    writeFileSync(path.join(sweepsDir, to, 'configs', 'x', 'report.json'), '{}');
  }
  mkdirSync(path.join(sweepsDir, 'broken'));
  writeFileSync(path.join(sweepsDir, 'broken', 'report.json'), JSON.stringify({ dataset: 'd', split: 's', encoder: 'e', createdAt: 'c', baseline: 'b', bm25: null, rows: [{ config: {} }] }));
  consoleDir = path.join(root, 'console');
  mkdirSync(path.join(consoleDir, 'assets'), { recursive: true });
  writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(path.join(consoleDir, 'assets', 'app-1234.js'), 'console.log(1)');
  running = await start({ indexDirs: [path.join(root, 'docs'), path.join(root, 'pooled')], sweepsDir, consoleDir, apiKey: 'k3y' });
});

afterAll(async () => {
  await running?.server.close();
  rmSync(root, { recursive: true, force: true });
});

const auth = { authorization: 'Bearer k3y' };
const get = (route: string) => call(running.url, 'GET', route, undefined, auth);

describe('GET /v1/indexes/{name}/documents/{id}', () => {
  it('returns the stored document, its metadata and vector count; ids are percent-encoded', async () => {
    const encoder = await StaticEncoder.load();
    const [encoded] = await encoder.encodeDocuments([documentText(RECORDS[0]!)]);
    await encoder.close();
    const reply = await get(`/v1/indexes/docs/documents/${encodeURIComponent('notes/a b')}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ id: 'notes/a b', title: 'Spaced id', text: 'Glaciers carve valleys.', metadata: { lang: 'en', year: 2020 }, vectors: encoded!.count });
    expect((await get('/v1/indexes/docs/documents/plain')).body).toEqual({ id: 'plain', text: 'Volcanoes erupt lava.', metadata: {}, vectors: 3 });
  });

  it('answers 404 problems for a missing document and a missing index', async () => {
    const missing = await get('/v1/indexes/docs/documents/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'document_not_found', title: 'Not Found' });
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect((await get('/v1/indexes/none/documents/plain')).body.code).toBe('index_not_found');
  });
});

describe('wrong methods', () => {
  it('405 with Allow on documented routes, Allow for OPTIONS, 404 elsewhere', async () => {
    const cases: [method: string, route: string, allow: string][] = [
      ['GET', '/v1/indexes/docs/search', 'POST, OPTIONS'],
      ['PUT', '/v1/indexes/docs/search', 'POST, OPTIONS'],
      ['GET', '/v1/indexes/docs/documents', 'POST, DELETE, OPTIONS'],
      ['DELETE', '/v1/indexes/docs', 'GET, HEAD, OPTIONS'],
      ['POST', '/v1/indexes', 'GET, HEAD, OPTIONS'],
      ['DELETE', '/v1/indexes/docs/documents/plain', 'GET, HEAD, OPTIONS'],
      ['POST', '/v1/sweeps', 'GET, HEAD, OPTIONS'],
    ];
    for (const [method, route, allow] of cases) {
      const reply = await call(running.url, method, route, undefined, auth);
      expect(reply.status, `${method} ${route}`).toBe(405);
      expect(reply.headers.get('allow'), `${method} ${route}`).toBe(allow);
      expect(reply.body).toMatchObject({ code: 'method_not_allowed', title: 'Method Not Allowed', status: 405 });
    }
    const options = await call(running.url, 'OPTIONS', '/v1/indexes/docs/search', undefined, auth);
    expect(options.status).toBe(200);
    expect(options.headers.get('allow')).toBe('POST');
    expect((await call(running.url, 'GET', '/v1/indexes/docs/nothing', undefined, auth)).status).toBe(404);
    // The key is checked first: a wrong method without a key is a 401.
    expect((await call(running.url, 'GET', '/v1/indexes/docs/search')).status).toBe(401);
  });
});

describe('index info for the console', () => {
  it('reports the vectors after each reduction step, the sparse settings and the distinct vectors', async () => {
    const encoder = await StaticEncoder.load();
    const encoded = await encoder.encodeDocuments((await sampleRecords()).map(documentText));
    await encoder.close();
    const info = (await get('/v1/indexes/pooled')).body;
    // Per document: its rows after each step; the index info reports their sums.
    const pipeline = parseReductionSpec('skiplist,ward:2');
    const perDocument = encoded.map((mv) => pipeline.apply(mv, { protectedLeadingTokens: 0, seed: 42 }).stepCounts);
    const [encodedRows, skipped, pooledRows] = [0, 1, 2].map((step) => perDocument.reduce((n, counts) => n + counts[step]!, 0));
    // ward:2 keeps max(floor(n / 2), 1) rows of a document's n.
    expect(pooledRows).toBe(perDocument.reduce((n, counts) => n + Math.max(Math.floor(counts[1]! / 2), 1), 0));
    expect(info.reduction_steps).toEqual([
      { step: 'encoded', vectors: encodedRows },
      { step: 'skiplist', vectors: skipped },
      { step: 'ward:2', vectors: pooledRows },
    ]);
    expect(info.vectors).toBe(pooledRows);
    expect(info.sparse).toEqual({ mode: 'bm25', block_size: 64, k1: 0.9, b: 0.4 });
    expect(info.distinct_vectors).toBeGreaterThan(0);
    expect(info.distinct_vectors).toBeLessThanOrEqual(info.vectors);
    expect(info.codec).toBeUndefined();
  });
});

describe('sweep reports', () => {
  it('lists the reports found under --sweeps, skipping folders of a sweep and naming malformed files', async () => {
    const reply = await get('/v1/sweeps');
    expect(reply.status).toBe(200);
    expect(reply.body.served).toBe(true);
    expect(reply.body.sweeps.map((s: { id: string }) => s.id)).toEqual(['exact/with-recovery', 'scifact']);
    expect(reply.body.sweeps[1]).toMatchObject({ dataset: 'scifact', split: 'test', configurations: 8, encoder: 'static:wink-sg-100d' });
    expect(reply.body.sweeps[1].bm25_ndcg10).toBeCloseTo(0.676, 3);
    expect(reply.body.skipped).toEqual([{ id: 'broken', reason: expect.stringContaining('field "rows[0].config"') }]);
  });

  it('serves one report as written, and 404 for ids that are not listed (no path ever reaches another file)', async () => {
    const reply = await get(`/v1/sweeps/${encodeURIComponent('exact/with-recovery')}`);
    expect(reply.status).toBe(200);
    expect(reply.body.rows).toHaveLength(4);
    expect(reply.body.rows[0].config.name).toBeTypeOf('string');
    for (const id of ['broken', '..', encodeURIComponent('../sweeps/scifact'), encodeURIComponent('scifact/configs/x'), 'nope']) {
      const miss = await get(`/v1/sweeps/${id}`);
      expect(miss.status, id).toBe(404);
      expect(['sweep_not_found', 'route_not_found'], id).toContain(miss.body.code);
    }
  });
});

describe('sweep charts', () => {
  it("serve the Vega-Lite spec of each chart: one point per configuration with its storage and retention, BM25's rule", async () => {
    const report = (await get('/v1/sweeps/scifact')).body;
    const chart = await get('/v1/sweeps/scifact/charts/ndcg-vs-storage');
    expect(chart.status).toBe(200);
    expect(chart.body.vega.$schema).toContain('vega/v6');
    expect(chart.body.vega.marks.length).toBeGreaterThan(0);
    const layers = chart.body.vega_lite.layer as { mark: { type: string }; data: { values: Record<string, unknown>[] } }[];
    const points = layers.find((l) => l.mark.type === 'point')!.data.values;
    expect(points).toEqual(
      report.rows.map((row: { config: { name: string; quantization: string }; storage: { bytesPerDoc: number }; metrics: Record<string, number>; retention: { storagePct: number; ndcg10Pct: number } }) => ({
        label: row.config.name, bytesPerDoc: row.storage.bytesPerDoc, value: row.metrics['nDCG@10'], quantization: row.config.quantization,
        storagePct: row.retention.storagePct, retainedPct: row.retention.ndcg10Pct,
      })),
    );
    expect(layers.find((l) => l.mark.type === 'rule')!.data.values[0]!.value).toBe(report.bm25['nDCG@10']);
    const latency = (await get('/v1/sweeps/scifact/charts/latency-vs-storage')).body;
    const latencyPoints = (latency.vega_lite.layer as typeof layers).find((l) => l.mark.type === 'point')!.data.values;
    expect(latencyPoints.map((p) => p.value)).toEqual(report.rows.map((row: { latency: { p50Ms: number } }) => row.latency.p50Ms));
    expect((await get('/v1/sweeps/scifact/charts/pie')).body.code).toBe('chart_not_found');
    expect((await get('/v1/sweeps/nope/charts/ndcg-vs-storage')).body.code).toBe('sweep_not_found');
  });
});

describe('the console page', () => {
  it('is served at / without the API key, with a same-origin content security policy', async () => {
    const page = await call(running.url, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>console</title>');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const asset = await call(running.url, 'GET', '/assets/app-1234.js');
    expect(asset.status).toBe(200);
    expect(asset.text).toBe('console.log(1)');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // Nothing else is reachable without the key, and no file outside the assets folder is served.
    expect((await call(running.url, 'GET', '/v1/indexes')).status).toBe(401);
    expect((await call(running.url, 'GET', '/assets/..%2Findex.html')).status).not.toBe(200);
    expect((await call(running.url, 'GET', '/index.html')).status).toBe(401);
  });

  it('says how to build it when it is missing, and a server of sweeps alone needs no index', async () => {
    const bare = await start({ indexDirs: [], sweepsDir, consoleDir: path.join(root, 'no-console') });
    try {
      const page = await call(bare.url, 'GET', '/');
      expect(page.status).toBe(404);
      expect(page.body).toMatchObject({ code: 'console_not_built', detail: expect.stringContaining('npm run build:console') });
      expect((await call(bare.url, 'GET', '/v1/indexes')).body).toEqual({ indexes: [] });
      expect((await call(bare.url, 'GET', '/v1/sweeps')).body.sweeps).toHaveLength(2);
    } finally {
      await bare.server.close();
    }
  });
});
