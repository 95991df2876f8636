import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bundle } from '../../bench/contextual/bundle.js';
import { loadExhaustive } from '../../bench/contextual/exhaustive.js';
import { ContextualCorpus } from '../../bench/contextual/generator.js';
import { bundleWorkload, generatedWorkload, inMemoryWorkload, measureEngine, scaleRow, type MultiVectorEngine, type Workload } from '../../bench/contextual/harness.js';
import { writeBundle } from '../../bench/contextual/write-bundle.js';
import { maxSimKernel } from '../../src/search/maxsim.js';

const PARAMS = { concepts: 1024, themes: 16, seed: 11 } as const;
const DOCUMENTS = 50;
const QUERIES = 6;
const corpus = new ContextualCorpus(PARAMS);
const dim = corpus.params.dim;
const root = mkdtempSync(path.join(tmpdir(), 'ctx-harness-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const { corpus: generated, workload } = generatedWorkload(corpus, DOCUMENTS, QUERIES);

/** Brute-force ranking: scalar MaxSim of the query against every document, score descending, then index. */
function bruteForceRanking(query: Float32Array, depth: number): string[] {
  return generated.documents
    .map((rows, i) => ({ i, score: maxSimKernel(query, query.length / dim, rows, rows.length / dim, dim) }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, depth)
    .map((hit) => `d${hit.i}`);
}

/** An engine answering from a fixed table of result lists, counting its calls. */
function tableEngine(answers: (q: number) => string[]): MultiVectorEngine & { calls: number } {
  const engine = {
    calls: 0,
    search(queryRows: Float32Array): string[] {
      engine.calls++;
      const q = workload.queries.indexOf(queryRows);
      if (q < 0) throw new Error('unknown query');
      return answers(q);
    },
  };
  return engine;
}

describe('workloads', () => {
  it('generatedWorkload holds the generator documents, planted queries and targets', () => {
    expect(generated.documents).toHaveLength(DOCUMENTS);
    generated.documents.forEach((rows, i) => expect(Array.from(rows)).toEqual(Array.from(corpus.document(i))));
    const targets = corpus.queryTargets(DOCUMENTS, QUERIES);
    expect(workload.targets).toEqual(Array.from(targets, (t) => `d${t}`));
    workload.queries.forEach((q, i) => expect(Array.from(q)).toEqual(Array.from(corpus.query(i, targets[i]!))));
    expect(workload).toMatchObject({ dim, documents: DOCUMENTS, tokens: generated.documents.reduce((n, d) => n + d.length / dim, 0) });
  });

  it('inMemoryWorkload ranks every document by exact MaxSim, equal to brute force', () => {
    expect(workload.reference).toHaveLength(QUERIES);
    workload.queries.forEach((query, q) => {
      // 100 deep, so the whole 50-document corpus.
      expect(workload.reference[q]).toEqual(bruteForceRanking(query, DOCUMENTS));
    });
    const shallow = inMemoryWorkload({ ...generated, ids: generated.ids.map((id) => `doc-${id}`) }, 3);
    shallow.reference.forEach((list, q) => expect(list).toEqual(bruteForceRanking(workload.queries[q]!, 3).map((id) => `doc-${id}`)));
  });

  it('inMemoryWorkload refuses ids that do not match the documents and rows that are not whole', () => {
    expect(() => inMemoryWorkload({ ...generated, ids: ['a'] })).toThrow(/1 ids for 50 documents/);
    const documents = [...generated.documents];
    documents[2] = documents[2]!.subarray(0, 100);
    expect(() => inMemoryWorkload({ ...generated, documents })).toThrow(/document d2 holds 100 floats, not whole rows of 128/);
  });

  it('bundleWorkload computes and saves the reference when missing, equal to the in-memory one', async () => {
    const bundleDir = path.join(root, 'bundle');
    await writeBundle({ documents: DOCUMENTS, out: bundleDir, params: PARAMS, queries: QUERIES, workers: 0 });
    expect(existsSync(Bundle.open(bundleDir).file('exhaustive'))).toBe(false);
    const lines: string[] = [];
    const fromBundle = await bundleWorkload(bundleDir, { workers: 0, log: (line) => lines.push(line) });
    expect(lines.some((l) => l.includes('computing the exhaustive reference'))).toBe(true);
    expect(existsSync(Bundle.open(bundleDir).file('exhaustive'))).toBe(true);
    expect(fromBundle.reference).toEqual(workload.reference);
    expect(fromBundle.targets).toEqual(workload.targets);
    expect(fromBundle.queries.map((q) => Array.from(q))).toEqual(workload.queries.map((q) => Array.from(q)));
    expect(fromBundle).toMatchObject({ dim, documents: DOCUMENTS, tokens: workload.tokens });
    // A second call loads the saved file instead of recomputing.
    lines.length = 0;
    const again = await bundleWorkload(bundleDir, { log: (line) => lines.push(line) });
    expect(lines).toEqual([]);
    expect(again.reference).toEqual(loadExhaustive(bundleDir).results.map((r) => r.ids));
  }, 120_000);
});

describe('measureEngine', () => {
  it('gives agreement 1 and the exhaustive planted recall to an exact engine', async () => {
    const exact: MultiVectorEngine = { search: (rows, k) => bruteForceRanking(rows, k) };
    const measured = await measureEngine(exact, workload);
    expect(measured.k).toBe(10);
    expect(measured.queries).toBe(QUERIES);
    expect(measured.agreement).toBe(1);
    expect(measured.results).toEqual(workload.reference.map((r) => r.slice(0, 10)));
    const expectedRecall = workload.reference.filter((r, q) => r.slice(0, 10).includes(workload.targets[q]!)).length / QUERIES;
    expect(measured.plantedRecall).toBe(expectedRecall);
    expect(measured.exhaustivePlantedRecall).toBe(expectedRecall);
    expect(measured.latency.count).toBe(QUERIES);
    expect(measured.latency.p50Ms).toBeGreaterThanOrEqual(0);
    expect(measured.cpuMsPerQuery).toBeGreaterThanOrEqual(0);
  });

  it('scores a hand-built engine: half of each top 10, order ignored, the target found only where kept', async () => {
    // Queries 0-2 answer the reference top 10 reversed (agreement 1); queries 3-5 keep its ranks 5-9 and add
    // five unknown ids (agreement 1/2). Mean over six queries: 3/4.
    const engine = tableEngine((q) => {
      const top = workload.reference[q]!.slice(0, 10);
      return q < 3 ? [...top].reverse() : [...top.slice(5), 'x1', 'x2', 'x3', 'x4', 'x5'];
    });
    const measured = await measureEngine(engine, workload, { warmup: 2 });
    expect(measured.agreement).toBeCloseTo(0.75, 12);
    const found = workload.targets.filter((target, q) => (q < 3 ? workload.reference[q]!.slice(0, 10) : workload.reference[q]!.slice(5, 10)).includes(target)).length;
    expect(measured.plantedRecall).toBeCloseTo(found / QUERIES, 12);
    // Two warm-up calls, then one per query.
    expect(engine.calls).toBe(2 + QUERIES);
  });

  it('measures only the first queries when asked, at another k, through an async engine', async () => {
    const engine: MultiVectorEngine = { search: async (rows, k) => Promise.resolve(bruteForceRanking(rows, k).slice(1)) };
    const measured = await measureEngine(engine, workload, { k: 4, queries: 2, warmup: 0 });
    expect(measured.queries).toBe(2);
    expect(measured.k).toBe(4);
    // Each answer drops the best document: 3 of the top 4.
    expect(measured.agreement).toBeCloseTo(0.75, 12);
    expect(measured.results).toEqual(workload.reference.slice(0, 2).map((r) => r.slice(1, 4)));
    expect(measured.exhaustivePlantedRecall).toBe(workload.reference.slice(0, 2).filter((r, q) => r.slice(0, 4).includes(workload.targets[q]!)).length / 2);
  });

  it('refuses an engine returning more than k ids or something other than a list, and inconsistent workloads', async () => {
    await expect(measureEngine({ search: () => Array.from({ length: 11 }, (_, i) => `d${i}`) }, workload)).rejects.toThrow(/returned 11 ids for query 0 at k = 10/);
    const broken = { search: () => 'd1' } as unknown as MultiVectorEngine;
    await expect(measureEngine(broken, workload)).rejects.toThrow(/answered query 0 with string/);
    const short: Workload = { ...workload, targets: workload.targets.slice(1) };
    await expect(measureEngine({ search: () => [] }, short)).rejects.toThrow(/6 queries, 5 targets, 6 reference lists/);
    await expect(measureEngine({ search: () => [] }, workload, { k: 0 })).rejects.toThrow(/k must be a positive integer/);
  });
});

describe('scaleRow', () => {
  it('puts build and query figures in one table row, and only at k = 10', () => {
    const measured = { k: 10, latency: { count: 3, p50Ms: 2, p95Ms: 5, meanMs: 3 }, agreement: 0.9, plantedRecall: 0.8 };
    const row = scaleRow('engine', 'nprobe 4', { documents: 100, tokens: 10_000 }, { seconds: 2, cpuSeconds: 3, diskBytes: 400_000, peakRssBytes: 1 << 20 }, measured);
    expect(row).toEqual({
      system: 'engine',
      setting: 'nprobe 4',
      documents: 100,
      tokens: 10_000,
      buildSeconds: 2,
      buildCpuSeconds: 3,
      diskBytes: 400_000,
      peakRssBytes: 1 << 20,
      p50Ms: 2,
      p95Ms: 5,
      agreementAt10: 0.9,
      plantedRecallAt10: 0.8,
    });
    expect(() => scaleRow('e', 's', row, { seconds: 1, cpuSeconds: 1, diskBytes: 1 }, { ...measured, k: 100 })).toThrow(/at k = 100/);
  });
});
