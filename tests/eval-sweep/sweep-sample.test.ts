import { cpSync, existsSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticEncoder, type Encoder } from '../../src/encode/index.js';
import { runSweep, type SweepReport } from '../../src/eval/sweep/index.js';
import { LateIndexError } from '../../src/shared/index.js';
import { CountingEncoder, SAMPLE, ndcgAtK, pngSize, readQrelsTsv, readRunIds, tempDir } from './helpers.js';

const CORPUS_DOCS = readFileSync(path.join(SAMPLE, 'corpus.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).length;
const GRID = { reduce: 'none;ward:2', quantize: 'float16;int8' };

let inner: Encoder;
beforeAll(async () => {
  inner = await StaticEncoder.load();
});
afterAll(async () => {
  await inner.close();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(LateIndexError);
    return `${(err as LateIndexError).code}: ${(err as Error).message}`;
  }
  throw new Error('expected the sweep to fail');
}

describe('sweep on the sample dataset', () => {
  const out = path.join(tempDir('sample'), 'out');
  let encoder: CountingEncoder;
  let report: SweepReport;
  const bars: string[] = [];

  beforeAll(async () => {
    encoder = new CountingEncoder(inner);
    report = await runSweep({
      dataset: SAMPLE, split: 'test', out, ...GRID, bm25: 0.7, encoder, batchSize: 8,
      progress: (label) => {
        bars.push(label);
        return { update: () => undefined, stop: () => undefined };
      },
    });
  });

  it('encodes the corpus once for all configurations, and opens one bar for encoding and one per configuration', () => {
    expect(encoder.documentsEncoded).toBe(CORPUS_DOCS);
    expect(encoder.documentCalls).toBe(Math.ceil(CORPUS_DOCS / 8));
    expect(bars).toEqual(['encoding', 'none / float32', 'none / float16', 'none / int8', 'ward:2 / float16', 'ward:2 / int8']);
    expect(existsSync(path.join(out, 'encoded'))).toBe(false);
  });

  it('writes one report row per configuration, baseline first, with storage matching the codecs byte sizes', async () => {
    const saved = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as SweepReport;
    expect(saved.rows.map((r) => r.config.slug)).toEqual(['none.float32', 'none.float16', 'none.int8', 'ward-2.float16', 'ward-2.int8']);
    expect(saved.baseline).toBe('none.float32');
    // Independent count: encode the corpus directly and size the vectors as each codec stores them.
    const texts = readFileSync(path.join(SAMPLE, 'corpus.jsonl'), 'utf8').split('\n').filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { title?: string; text: string })
      .map((r) => (r.title ? `${r.title.trim()}\n${r.text.trim()}` : r.text.trim()));
    const encoded = await inner.encodeDocuments(texts);
    const vectors = encoded.reduce((n, mv) => n + mv.count, 0);
    // ward:2 merges rows but drops no token, so each document keeps one 4-byte id per distinct token.
    const exactTokenBytes = encoded.reduce((n, mv) => n + 4 * new Set(mv.tokens).size, 0);
    const dim = inner.identity.dim;
    const bySlug = new Map(saved.rows.map((r) => [r.config.slug, r]));
    expect(bySlug.get('none.float32')!.storage).toMatchObject({ documents: CORPUS_DOCS, vectors, bytes: vectors * dim * 4 });
    expect(bySlug.get('none.float16')!.storage.bytes).toBe(vectors * dim * 2);
    expect(bySlug.get('none.int8')!.storage.bytes).toBe(vectors * (dim + 4));
    const ward = bySlug.get('ward-2.float16')!.storage;
    expect(ward.vectors).toBeLessThan(vectors);
    expect(ward.exactTokenBytes).toBe(exactTokenBytes);
    expect(ward.bytes).toBe(ward.vectors * dim * 2 + exactTokenBytes);
    expect(bySlug.get('ward-2.int8')!.storage.vectors).toBe(ward.vectors);
    expect(bySlug.get('ward-2.int8')!.config.exactMatchRecovery).toBe(true);
    expect(bySlug.get('none.float16')!.config.exactMatchRecovery).toBe(false);
    expect(bySlug.get('none.float16')!.storage.exactTokenBytes).toBeUndefined();
    for (const row of saved.rows) {
      expect(row.storage.bytesPerDoc).toBeCloseTo(row.storage.bytes / CORPUS_DOCS, 9);
      expect(row.dataset).toBe('sample');
      expect(row.queries).toBe(10);
      expect(Object.keys(row.latency).sort()).toEqual(['p50Ms', 'p95Ms', 'qps']);
    }
  });

  it('computes metrics, retention and index recall that match independent arithmetic over the run files', () => {
    const qrels = readQrelsTsv(path.join(SAMPLE, 'qrels/test.tsv'));
    const reference = readRunIds(path.join(out, 'reference.exact-maxsim.trec'));
    const base = report.rows[0]!;
    for (const row of report.rows) {
      const run = readRunIds(path.join(out, `run.${row.config.slug}.trec`));
      const perQuery = [...qrels].map(([qid, judgments]) => ndcgAtK(run.get(qid) ?? [], judgments, 10));
      const ndcg = perQuery.reduce((a, b) => a + b, 0) / perQuery.length;
      expect(row.metrics['nDCG@10']).toBeCloseTo(ndcg, 12);
      expect(row.retention.ndcg10Pct).toBeCloseTo((100 * ndcg) / base.metrics['nDCG@10']!, 9);
      expect(row.retention.storagePct).toBeCloseTo((100 * row.storage.bytes) / base.storage.bytes, 9);
      const recalls = [...reference].map(([qid, ref]) => {
        const got = new Set((run.get(qid) ?? []).slice(0, 10));
        return ref.slice(0, 10).filter((id) => got.has(id)).length / Math.min(10, ref.length);
      });
      expect(row.indexRecall.value).toBeCloseTo(recalls.reduce((a, b) => a + b, 0) / recalls.length, 12);
    }
    expect(base.retention).toEqual({ ndcg10Pct: 100, storagePct: 100 });
    expect(report.rows[2]!.retention.storagePct).toBeCloseTo((100 * (inner.identity.dim + 4)) / (4 * inner.identity.dim), 9);
  });

  it('writes report.md sorted by storage, and charts: SVGs with every label, PNGs at twice the SVG size', () => {
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    const firstCells = md.split('\n').filter((l) => /^\| [a-z]/.test(l) && !l.startsWith('| configuration')).map((l) => l.split(' | ')[0]!.slice(2));
    const expected = [...report.rows].sort((a, b) => a.storage.bytesPerDoc - b.storage.bytesPerDoc)
      // The static encoder's reduced indexes keep exact-match lists, and the table says so.
      .map((r) => r.config.name + (r.config.reduction !== 'none' ? ' + exact' : '') + (r.config.baseline ? ' (baseline)' : ''));
    expect(firstCells).toEqual(expected);
    for (const chart of ['ndcg-vs-storage', 'latency-vs-storage']) {
      const svg = readFileSync(path.join(out, `${chart}.svg`), 'utf8');
      for (const row of report.rows) expect(svg).toContain(`>${row.config.name}<`);
      const [, w, h] = /^<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg)!;
      expect(pngSize(readFileSync(path.join(out, `${chart}.png`)))).toEqual({ width: 2 * Number(w), height: 2 * Number(h) });
    }
    expect(readFileSync(path.join(out, 'ndcg-vs-storage.svg'), 'utf8')).toContain('>BM25 0.700<');
    expect(readFileSync(path.join(out, 'latency-vs-storage.svg'), 'utf8')).not.toContain('BM25');
  });

  it('refuses to reuse --out without --resume, and --resume with nothing left to do re-encodes nothing', async () => {
    expect(await codeOf(runSweep({ dataset: SAMPLE, split: 'test', out, ...GRID, encoder }))).toMatch(/^out_not_empty: .*--resume/);
    const again = new CountingEncoder(inner);
    const before = statSync(path.join(out, 'run.none.float32.trec')).mtimeMs;
    const resumed = await runSweep({ dataset: SAMPLE, split: 'test', out, ...GRID, encoder: again, resume: true });
    expect(again.documentsEncoded).toBe(0);
    expect(again.queriesEncoded).toBe(0);
    expect(statSync(path.join(out, 'run.none.float32.trec')).mtimeMs).toBe(before);
    expect(resumed.rows.map((r) => r.metrics)).toEqual(report.rows.map((r) => r.metrics));
  });
});

describe('sweep resume and bad input', () => {
  it('an interrupted sweep resumes without redoing finished configurations or re-encoding', async () => {
    const out = path.join(tempDir('resume'), 'out');
    const first = new CountingEncoder(inner);
    const interrupted = runSweep({
      dataset: SAMPLE, split: 'test', out, ...GRID, encoder: first,
      progress: (label) => {
        if (label === 'ward:2 / float16') throw new Error('interrupted');
        return { update: () => undefined, stop: () => undefined };
      },
    });
    await expect(interrupted).rejects.toThrow('interrupted');
    expect(existsSync(path.join(out, 'report.json'))).toBe(false);
    const finishedResult = readFileSync(path.join(out, 'configs/none.int8/result.json'), 'utf8');

    const second = new CountingEncoder(inner);
    const bars: string[] = [];
    const report = await runSweep({
      dataset: SAMPLE, split: 'test', out, ...GRID, encoder: second, resume: true,
      progress: (label) => {
        bars.push(label);
        return { update: () => undefined, stop: () => undefined };
      },
    });
    // The interrupted run left a complete encoded store; resume reuses it.
    expect(first.documentsEncoded).toBe(CORPUS_DOCS);
    expect(second.documentsEncoded).toBe(0);
    expect(bars).toEqual(['ward:2 / float16', 'ward:2 / int8']);
    expect(readFileSync(path.join(out, 'configs/none.int8/result.json'), 'utf8')).toBe(finishedResult);
    expect(report.rows).toHaveLength(5);
    expect(report.rows.every((r) => Number.isFinite(r.indexRecall.value))).toBe(true);
    expect(report.bm25?.source).toBe('computed');
  });

  it('fails clearly on a missing split and an unknown mode before writing anything', async () => {
    const out = path.join(tempDir('bad'), 'out');
    expect(await codeOf(runSweep({ dataset: SAMPLE, split: 'dev', out, reduce: 'none', encoder: inner }))).toMatch(
      /^missing_split: .*qrels\/dev\.tsv: no qrels for split "dev" \(available splits: test\)/,
    );
    expect(await codeOf(runSweep({ dataset: SAMPLE, split: 'test', out, reduce: 'none', mode: 'late,dense', encoder: inner }))).toMatch(
      /^invalid_sweep: --mode: unknown mode "dense"/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('measures sparse and hybrid modes as their own rows; sparse mode ranks exactly as the BM25 reference', async () => {
    const out = path.join(tempDir('modes'), 'out');
    const report = await runSweep({ dataset: SAMPLE, split: 'test', out, reduce: 'ward:2', quantize: 'float16', mode: 'late,sparse,hybrid', encoder: inner });
    expect(report.rows.map((r) => r.config.name)).toEqual(['none / float32', 'ward:2 / float16', 'ward:2 / float16 / sparse', 'ward:2 / float16 / hybrid']);
    expect(report.rows.map((r) => r.config.mode)).toEqual(['late', 'late', 'sparse', 'hybrid']);
    const sparse = report.rows[2]!;
    // Same postings (BM25 of the same text), so the safe Block-Max Pruning top-10 equals the exhaustive one.
    const bm25Run = readRunIds(path.join(out, 'run.bm25.trec'));
    const sparseRun = readRunIds(path.join(out, `run.${sparse.config.slug}.trec`));
    for (const [qid, ids] of bm25Run) expect(sparseRun.get(qid)!.slice(0, 10)).toEqual(ids.slice(0, 10));
    expect(sparse.metrics['nDCG@10']).toBeCloseTo(report.bm25!['nDCG@10'], 12);
    expect(sparse.storage.bytes).toBe(report.rows[1]!.storage.bytes);
  });

  it('continues past unjudged queries, judgments of unknown queries and unknown documents, with notes', async () => {
    const dataset = path.join(tempDir('data'), 'sample');
    cpSync(SAMPLE, dataset, { recursive: true });
    appendFileSync(path.join(dataset, 'qrels/test.tsv'), 'q1\tno-such-doc\t1\nq99\tglacier-flow\t1\n');
    const queries = readFileSync(path.join(dataset, 'queries.jsonl'), 'utf8');
    writeFileSync(path.join(dataset, 'queries.jsonl'), `${queries.trimEnd()}\n{"_id": "q-unjudged", "text": "anything"}\n`);
    const logged: string[] = [];
    const report = await runSweep({
      dataset, split: 'test', out: path.join(dataset, '..', 'out'), reduce: 'none', quantize: 'float32', encoder: inner, log: (l) => logged.push(l),
    });
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]!.queries).toBe(10);
    expect(report.notes).toEqual([
      expect.stringMatching(/^1 query has no relevant judgment/),
      expect.stringMatching(/^1 judged query is missing from the queries file \("q99"\)/),
      expect.stringMatching(/^1 judgment names a document not in the corpus \(e\.g\. "no-such-doc"\)/),
    ]);
    expect(logged.filter((l) => l.startsWith('note: '))).toHaveLength(3);
    // The unknown document stays a relevant judgment of q1 that can never be retrieved (trec_eval semantics).
    const qrels = readQrelsTsv(path.join(dataset, 'qrels/test.tsv'));
    qrels.delete('q99');
    const run = readRunIds(path.join(dataset, '..', 'out', 'run.none.float32.trec'));
    const expected = [...qrels].reduce((sum, [qid, j]) => sum + ndcgAtK(run.get(qid) ?? [], j, 10), 0) / qrels.size;
    expect(report.rows[0]!.metrics['nDCG@10']).toBeCloseTo(expected, 12);
    // Without --bm25 the baseline's BM25 postings are scored for the reference line.
    const bm25Run = readRunIds(path.join(dataset, '..', 'out', 'run.bm25.trec'));
    const bm25 = [...qrels].reduce((sum, [qid, j]) => sum + ndcgAtK(bm25Run.get(qid) ?? [], j, 10), 0) / qrels.size;
    expect(report.bm25).toEqual({ 'nDCG@10': expect.closeTo(bm25, 12), source: 'computed' });
    expect(bm25).toBeGreaterThan(0.5);
  });

  it('indexes a repeated corpus id once (last record wins), within a batch and across batches', async () => {
    const dataset = path.join(tempDir('dup'), 'sample');
    cpSync(SAMPLE, dataset, { recursive: true });
    const lines = readFileSync(path.join(dataset, 'corpus.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
    // Record 0 sits in the first batch of 8, record 29 in the last one, together with both repeats.
    writeFileSync(path.join(dataset, 'corpus.jsonl'), `${[...lines, lines[0], lines[29]].join('\n')}\n`);
    const report = await runSweep({ dataset, split: 'test', out: path.join(dataset, '..', 'out'), reduce: 'none', quantize: 'float32', encoder: inner, batchSize: 8 });
    expect(report.rows[0]!.storage.documents).toBe(CORPUS_DOCS);
  });
});
