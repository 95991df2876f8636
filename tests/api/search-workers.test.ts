import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, expectBatchesAppearWhole, serverFixture, start } from './helpers.js';

const { root, freshIndex, serve } = serverFixture();

const doc = (id: string, text: string) => ({ _id: id, text });
const ids = (result: { hits: { id: string }[] }) => result.hits.map((h) => h.id);

describe('searches on worker threads', () => {
  it('answer exactly like searches on the event loop, in every mode, with the same errors', async () => {
    const dir = await freshIndex();
    const name = path.basename(dir);
    const onLoop = await serve({ indexDirs: [dir], searchThreads: 0, readOnly: true });
    const onWorkers = await serve({ indexDirs: [dir], searchThreads: 2, readOnly: true });
    const bodies = [
      { queries: ['what makes bread rise', 'glacier ice', 'volcano warning signs'], top_k: 5, include: ['title', 'token_scores'] },
      { query: 'sourdough starter', mode: 'sparse', top_k: 4 },
      { query: 'meltwater under glaciers', mode: 'hybrid', top_k: 4 },
      { query: 'bread', exhaustive: true, filter: { ids: ['bread-sourdough', 'glacier-flow', 'nope'] } },
      { embeddings: [[1, 2, 3]] },
      { query: 'x', mode: 'hybrid', candidates_per_token: 0 },
    ];
    for (const body of bodies) {
      const a = await call(onLoop.url, 'POST', `/v1/indexes/${name}/search`, body);
      const b = await call(onWorkers.url, 'POST', `/v1/indexes/${name}/search`, body);
      expect(b.status, JSON.stringify(body)).toBe(a.status);
      if (a.status === 200) {
        expect(a.body.results.length).toBeGreaterThan(0);
        expect(b.body.results.map((r: { hits: unknown[] }) => r.hits)).toEqual(a.body.results.map((r: { hits: unknown[] }) => r.hits));
      } else {
        const { instance: _a, request_id: _ra, ...problemA } = a.body;
        const { instance: _b, request_id: _rb, ...problemB } = b.body;
        expect(problemB).toEqual(problemA);
        expect(b.text).not.toMatch(/\.ts:\d+/);
      }
    }
    // The dimension check happens in the worker and keeps its status, code and issue path.
    const wrongDim = await call(onWorkers.url, 'POST', `/v1/indexes/${name}/search`, { embeddings: [[1, 2, 3]] });
    expect(wrongDim.status).toBe(400);
    expect(wrongDim.body).toMatchObject({ code: 'dimension_mismatch', issues: [{ path: 'embeddings[0]' }] });
  });

  it('see every acknowledged upsert and delete at once, and never half a batch', async () => {
    const dir = await freshIndex();
    const name = path.basename(dir);
    const r = await serve({ indexDirs: [dir], searchThreads: 2 });
    const searchUrl = `/v1/indexes/${name}/search`;
    // Read-your-writes: a search sent after the 200 finds the new document (workers refresh their snapshot).
    for (let i = 0; i < 5; i++) {
      const id = `fresh-${i}`;
      const upsert = await call(r.url, 'POST', `/v1/indexes/${name}/documents`, { documents: [doc(id, `plorbix${i} arrives with tides`)] });
      expect(upsert.status).toBe(200);
      const found = await call(r.url, 'POST', searchUrl, { query: `plorbix${i}`, top_k: 3, filter: { ids: [id] } });
      expect(ids(found.body.results[0])).toEqual([id]);
      const candidates = await call(r.url, 'POST', searchUrl, { query: `plorbix${i} tides`, top_k: 1 });
      expect(ids(candidates.body.results[0])).toEqual([id]);
    }
    const deleted = await call(r.url, 'DELETE', `/v1/indexes/${name}/documents`, { ids: ['fresh-0'] });
    expect(deleted.status).toBe(200);
    const gone = await call(r.url, 'POST', searchUrl, { query: 'plorbix0', top_k: 3, filter: { ids: ['fresh-0'] } });
    expect(gone.body.results[0].hits).toEqual([]);

    // Batches become visible whole while searches run on the workers concurrently.
    await expectBatchesAppearWhole(r.url, name, 30, 'sequential');
  });

  it('refuses a negative thread count before binding', async () => {
    await expect(start({ indexDirs: [path.join(root(), 'any')], searchThreads: -1 })).rejects.toThrow(/search threads must be a non-negative integer/);
  });
});
