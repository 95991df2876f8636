import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticEncoder } from '../../src/encode/index.js';
import { documentText } from '../../src/shared/index.js';
import { buildIndex, call, sampleRecords, start, tempRoot, type Running } from './helpers.js';

let root: string;
let running: Running;

beforeAll(async () => {
  root = tempRoot();
  await buildIndex(path.join(root, 'pooled'), { reduce: 'ward:2' });
  running = await start({ indexDirs: [path.join(root, 'pooled')] });
});

afterAll(async () => {
  await running?.server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('exact-match recovery over REST', () => {
  it('describes a pooled index of the embedded encoder as keeping token lists, with their bytes', async () => {
    const info = (await call(running.url, 'GET', '/v1/indexes/pooled')).body;
    const encoder = await StaticEncoder.load();
    const encoded = await encoder.encodeDocuments((await sampleRecords()).map(documentText));
    await encoder.close();
    // ward:2 drops no token: one 4-byte id per distinct token of every document.
    const bytes = encoded.reduce((n, mv) => n + 4 * new Set(mv.tokens).size, 0);
    expect(info).toMatchObject({ reduction: 'ward:2', exact_match_recovery: true, exact_token_bytes: bytes });
  });

  it('token scores flag the query tokens recovery floored, at their self-similarity, and still add up to the score', async () => {
    const reply = await call(running.url, 'POST', '/v1/indexes/pooled/search', {
      query: 'sourdough bread starter', mode: 'late', top_k: 3, exhaustive: true, include: ['token_scores', 'title', 'text'],
    });
    expect(reply.status).toBe(200);
    let flagged = 0;
    for (const hit of reply.body.results[0].hits) {
      const scores = hit.token_scores as { query_token: string; weight: number; similarity: number; exact_match: boolean }[];
      for (const s of scores) {
        if (!s.exact_match) continue;
        flagged++;
        expect(s.similarity).toBeCloseTo(1, 5);
        expect(`${hit.title ?? ''} ${hit.text}`.toLowerCase()).toContain(s.query_token);
      }
      expect(scores.reduce((sum, s) => sum + s.weight * s.similarity, 0)).toBeCloseTo(hit.score, 4);
    }
    expect(flagged).toBeGreaterThan(0);
  });
});

describe('exact-match recovery through REST writes', () => {
  it('an upsert stores the new document\'s list and a delete drops it, in the bytes the index reports', async () => {
    const info = async () => (await call(running.url, 'GET', '/v1/indexes/pooled')).body as { exact_token_bytes: number; documents: number };
    const before = await info();
    const text = 'Basalt lava cools into columns of basalt';
    const encoder = await StaticEncoder.load();
    const [encoded] = await encoder.encodeDocuments([text]);
    await encoder.close();
    const added = 4 * new Set(encoded!.tokens).size;
    expect((await call(running.url, 'POST', '/v1/indexes/pooled/documents', { documents: [{ _id: 'basalt', text }] })).status).toBe(200);
    expect(await info()).toMatchObject({ documents: before.documents + 1, exact_token_bytes: before.exact_token_bytes + added });
    const hits = (await call(running.url, 'POST', '/v1/indexes/pooled/search', { query: 'basalt', top_k: 1, include: ['token_scores'] })).body;
    expect(hits.results[0].hits[0].id).toBe('basalt');
    expect(hits.results[0].hits[0].token_scores[0].exact_match).toBe(true);
    expect((await call(running.url, 'DELETE', '/v1/indexes/pooled/documents', { ids: ['basalt'] })).status).toBe(200);
    expect(await info()).toMatchObject({ documents: before.documents, exact_token_bytes: before.exact_token_bytes });
  });
});
