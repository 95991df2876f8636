import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LateIndex } from '../../src/index/index.js';
import { LateInteractionSearcher } from '../../src/search/index.js';
import { multiVector } from '../../src/shared/index.js';
import { call, start, type Running } from '../api/helpers.js';
import { cli, tempDir } from '../cli/helpers.js';
import { openInChild } from '../index/child-index.js';
import { clusteredRows, writeBundle } from './helpers.js';

const DIM = 16;
const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.server.close();
});

describe('lateindex index --embeddings, then search over REST with the PLAID knobs', () => {
  it('builds a PLAID index from a bundle, and REST search with every list probed equals exhaustive MaxSim', async () => {
    const root = tempDir('lateindex-plaid-');
    const bundle = path.join(root, 'bundle');
    const { rows } = writeBundle(bundle, 240, DIM, 3);
    const indexDir = path.join(root, 'idx');
    const built = await cli('index', '--embeddings', bundle, '--index', indexDir, '--json', '--quiet', '--threads', '1');
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    const summary = JSON.parse(built.stdout);
    expect(summary).toMatchObject({ documents: 240, vectors: rows.reduce((n, r) => n + r.length / DIM, 0), quantization: 'plaid:4' });
    expect(summary.codecTraining.centroids).toBeGreaterThan(16);

    const index = await LateIndex.open(indexDir, { readOnly: true });
    expect(index.verify().ok).toBe(true);
    const book = index.centroids!.codebook;
    const query = clusteredRows(5, DIM, 24, 0.6, 77);
    const exhaustive = new LateInteractionSearcher(index).search(multiVector(query, DIM), { k: 8, exhaustive: true });
    await index.close();

    const server = await start({ indexDirs: [indexDir], searchThreads: 1, readOnly: true });
    running.push(server);
    const embeddings = Array.from({ length: 5 }, (_, i) => Array.from(query.subarray(i * DIM, (i + 1) * DIM)));
    const all = { cells: book.cellCount, nprobe: book.size, candidates: 16384, rerank: 4096 };
    const reply = await call(server.url, 'POST', '/v1/indexes/idx/search', { embeddings, top_k: 8, plaid: all });
    expect(reply.status).toBe(200);
    expect(book.size).toBeLessThanOrEqual(4096);
    const hits = reply.body.results[0].hits as { id: string; score: number }[];
    expect(hits.map((h) => h.id)).toEqual(exhaustive.map((h) => h.id));
    hits.forEach((h, i) => expect(h.score).toBeCloseTo(exhaustive[i]!.score, 5));

    const bad = await call(server.url, 'POST', '/v1/indexes/idx/search', { embeddings, plaid: { nprobe: 0 } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('plaid.nprobe');
    const info = await call(server.url, 'GET', '/v1/indexes/idx');
    expect(info.body).toMatchObject({ layout: 'centroids', centroids: { centroids: book.size, cells: book.cellCount } });
    await server.server.close();
    running.pop();

    // The build compacted the file: its 64 KiB pages are kept, and large write transactions on it work (in a
    // child process: an LMDB assertion would abort it).
    expect(readFileSync(path.join(indexDir, 'store.mdb')).readUInt32LE(48)).toBe(65536);
    const churn = await openInChild(indexDir, 'churn');
    expect(churn, churn.stderr).toMatchObject({ code: 0, stdout: '{"origin":"centroids"}\n' });
    const churned = await LateIndex.open(indexDir, { readOnly: true });
    expect(churned.verify().problems).toEqual([]);
    expect(churned.counts().documents).toBe(240);
    await churned.close();
  });

  it('refuses a bundle whose ids do not match its lengths, naming the file, and writes nothing', async () => {
    const root = tempDir('lateindex-plaid-');
    const bundle = path.join(root, 'bundle');
    writeBundle(bundle, 20, DIM, 4);
    writeFileSync(path.join(bundle, 'ids.txt'), Array.from({ length: 19 }, (_, i) => `doc-${i}`).join('\n') + '\n');
    const indexDir = path.join(root, 'idx');
    const result = await cli('index', '--embeddings', bundle, '--index', indexDir, '--quiet');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ids.txt');
    expect(result.stderr).toContain('holds 19 ids, but doclens describes 20 documents');
    expect(result.stderr).not.toMatch(/\.ts:\d+/);
    expect(existsSync(indexDir)).toBe(false);
  });

  it('refuses a non-PLAID --quantize and flags that do not apply, as usage errors', async () => {
    const root = tempDir('lateindex-plaid-');
    const bundle = path.join(root, 'bundle');
    writeBundle(bundle, 10, DIM, 5);
    const wrongCodec = await cli('index', '--embeddings', bundle, '--index', path.join(root, 'a'), '--quantize', 'float16');
    expect(wrongCodec.code).toBe(2);
    expect(wrongCodec.stderr).toContain('--quantize must be plaid:1, plaid:2 or plaid:4');
    const both = await cli('index', '--embeddings', bundle, '--corpus', bundle, '--index', path.join(root, 'b'));
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('exactly one of');
  });
});
