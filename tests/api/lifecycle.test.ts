import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IndexOpener } from '../../src/api/index.js';
import { StaticEncoder, type Encoder } from '../../src/encode/index.js';
import { LateIndex } from '../../src/index/index.js';
import { call, expectBatchesAppearWhole, memoryLogger, serverFixture, start } from './helpers.js';

const { root, freshIndex, serve } = serverFixture();

/** Opens the index with the static encoder, optionally delaying document encoding or failing query encoding. */
function opener(tweak: { encodeDelayMs?: number; failQueries?: boolean; gate?: Promise<void> } = {}): IndexOpener {
  return async (dir, { readOnly }) => {
    await tweak.gate;
    const index = await LateIndex.open(dir, { readOnly });
    const base = await StaticEncoder.load();
    const encoder: Encoder = {
      identity: base.identity,
      queryWeighting: base.queryWeighting,
      contextFree: base.contextFree,
      protectedLeadingTokens: base.protectedLeadingTokens,
      encodeDocuments: async (texts) => {
        if (tweak.encodeDelayMs) await new Promise((resolve) => setTimeout(resolve, tweak.encodeDelayMs));
        return base.encodeDocuments(texts);
      },
      encodeQueries: async (texts) => {
        if (tweak.failQueries) throw new Error('secret internal detail');
        return base.encodeQueries(texts);
      },
      close: () => base.close(),
    };
    return { index, encoder };
  };
}

const doc = (id: string, text: string) => ({ _id: id, text });

describe('readiness', () => {
  it('answers 503 with Retry-After until the indexes are open, then 200', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const r = await serve({ indexDirs: [await freshIndex()], openIndex: opener({ gate }) }, false);
    const before = await call(r.url, 'GET', '/readyz');
    expect(before.status).toBe(503);
    expect(before.headers.get('retry-after')).toBe('1');
    expect((await call(r.url, 'GET', '/livez')).status).toBe(200);
    const early = await call(r.url, 'GET', '/v1/indexes');
    expect(early.status).toBe(503);
    expect(early.body.code).toBe('not_ready');
    release();
    await r.server.ready();
    expect((await call(r.url, 'GET', '/readyz')).status).toBe(200);
    expect((await call(r.url, 'GET', '/v1/indexes')).status).toBe(200);
  });

  it('refuses duplicate index names before binding', async () => {
    const a = path.join(root(), 'one', 'same');
    const b = path.join(root(), 'two', 'same');
    await expect(start({ indexDirs: [a, b] })).rejects.toThrow(/index name "same" is already used/);
  });
});

describe('API key', () => {
  it('requires the bearer key on every route but the probes; compares it exactly', async () => {
    const r = await serve({ indexDirs: [await freshIndex()], apiKey: 's3cret-key' });
    expect((await call(r.url, 'GET', '/livez')).status).toBe(200);
    expect((await call(r.url, 'GET', '/readyz')).status).toBe(200);
    for (const [route, method] of [['/v1/indexes', 'GET'], ['/openapi.json', 'GET'], ['/v1/indexes/idx2/search', 'POST']] as const) {
      const none = await call(r.url, method, route, method === 'POST' ? { query: 'x' } : undefined);
      expect(none.status, route).toBe(401);
      expect(none.body.code).toBe('missing_api_key');
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    for (const wrong of ['s3cret-kez', 'S3cret-key', 's3cret', 's3cret-key-longer']) {
      const reply = await call(r.url, 'GET', '/v1/indexes', undefined, { authorization: `Bearer ${wrong}` });
      expect(reply.status, wrong).toBe(401);
      expect(reply.body.code).toBe('invalid_api_key');
    }
    const ok = await call(r.url, 'GET', '/v1/indexes', undefined, { authorization: 'Bearer s3cret-key' });
    expect(ok.status).toBe(200);
  });

  it('is off when no key is configured', async () => {
    const r = await serve({ indexDirs: [await freshIndex()] });
    expect((await call(r.url, 'GET', '/v1/indexes')).status).toBe(200);
  });
});

describe('limits and refusals', () => {
  it('413 for bodies over the configured limit', async () => {
    const dir = await freshIndex();
    const r = await serve({ indexDirs: [dir], bodyLimit: 2048 });
    const big = await call(r.url, 'POST', `/v1/indexes/${path.basename(dir)}/documents`, { documents: [doc('big', 'word '.repeat(1000))] });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('payload_too_large');
    const small = await call(r.url, 'POST', `/v1/indexes/${path.basename(dir)}/documents`, { documents: [doc('small', 'a small body')] });
    expect(small.status).toBe(200);
  });

  it('429 with Retry-After when the write queue is full; accepted writes all commit', async () => {
    const dir = await freshIndex();
    const name = path.basename(dir);
    const r = await serve({ indexDirs: [dir], writeQueueCapacity: 2, openIndex: opener({ encodeDelayMs: 150 }) });
    const replies = await Promise.all(
      [0, 1, 2, 3].map((i) => call(r.url, 'POST', `/v1/indexes/${name}/documents`, { documents: [doc(`q${i}`, `queued write ${i}`)] })),
    );
    const statuses = replies.map((x) => x.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    const refused = replies.find((x) => x.status === 429)!;
    expect(refused.body.code).toBe('write_queue_full');
    expect(refused.headers.get('retry-after')).toBe('1');
    const info = await call(r.url, 'GET', `/v1/indexes/${name}`);
    expect(info.body.documents).toBe(32);
    // Searches are not queued behind writes.
    expect((await call(r.url, 'POST', `/v1/indexes/${name}/search`, { query: 'bread' })).status).toBe(200);
  });

  it('409 for writes to an index served read-only', async () => {
    const dir = await freshIndex();
    const r = await serve({ indexDirs: [dir], readOnly: true });
    const name = path.basename(dir);
    const upsert = await call(r.url, 'POST', `/v1/indexes/${name}/documents`, { documents: [doc('x', 'y')] });
    expect(upsert.status).toBe(409);
    expect(upsert.body.code).toBe('read_only');
    expect((await call(r.url, 'DELETE', `/v1/indexes/${name}/documents`, { ids: ['x'] })).status).toBe(409);
    expect((await call(r.url, 'POST', `/v1/indexes/${name}/search`, { query: 'bread' })).status).toBe(200);
  });

  it('500 without internals for unexpected failures; the log keeps the cause', async () => {
    const { logger, records } = memoryLogger();
    const dir = await freshIndex();
    const r = await serve({ indexDirs: [dir], logger, openIndex: opener({ failQueries: true }) });
    const reply = await call(r.url, 'POST', `/v1/indexes/${path.basename(dir)}/search`, { query: 'bread' });
    expect(reply.status).toBe(500);
    expect(reply.body).toMatchObject({ code: 'internal_error', detail: 'internal server error; see the server log' });
    expect(reply.text).not.toContain('secret internal detail');
    expect(reply.text).not.toMatch(/\.ts:\d+/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(JSON.stringify(records)).toContain('secret internal detail');
  });
});

describe('writes under concurrent reads', () => {
  it('no search sees part of a batch: every search finds 0 or all N marked documents', async () => {
    const dir = await freshIndex();
    const name = path.basename(dir);
    const r = await serve({ indexDirs: [dir], openIndex: opener({ encodeDelayMs: 30 }) });
    await expectBatchesAppearWhole(r.url, name, 40, 'concurrent');
  });
});

describe('restart and shutdown', () => {
  it('finds documents upserted before a restart, in HNSW candidate mode too', async () => {
    const dir = await freshIndex();
    const name = path.basename(dir);
    const first = await start({ indexDirs: [dir] });
    const upsert = await call(first.url, 'POST', `/v1/indexes/${name}/documents`, {
      documents: [doc('late-1', 'the quokka smiles on rottnest island'), doc('late-2', 'quokka marsupials')],
    });
    expect(upsert.status).toBe(200);
    await first.server.close();

    const second = await serve({ indexDirs: [dir] });
    const reply = await call(second.url, 'POST', `/v1/indexes/${name}/search`, { query: 'quokka', top_k: 2 });
    expect(reply.body.results[0].hits.map((h: { id: string }) => h.id).sort()).toEqual(['late-1', 'late-2']);
    expect((await call(second.url, 'GET', `/v1/indexes/${name}`)).body.documents).toBe(32);
  });

  it('close finishes an in-flight upsert, refuses new connections, saves the graph', async () => {
    const dir = await freshIndex();
    const name = path.basename(dir);
    const r = await start({ indexDirs: [dir], openIndex: opener({ encodeDelayMs: 300 }) });
    const inFlight = call(r.url, 'POST', `/v1/indexes/${name}/documents`, { documents: [doc('during-close', 'pangolin scales keratin')] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = r.server.close();
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    await closed;
    await expect(fetch(`${r.url}/livez`)).rejects.toThrow();

    const index = await LateIndex.open(dir, { readOnly: true });
    try {
      expect(index.inspect().distinct().graphOrigin).toBe('loaded');
      expect(index.getInternalId('during-close')).toBeDefined();
      expect(index.counts().documents).toBe(31);
    } finally {
      await index.close();
    }
  });
});
