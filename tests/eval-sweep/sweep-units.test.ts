import { describe, expect, it } from 'vitest';
import {
  assembleRows,
  checkJudgments,
  indexRecallAt,
  parseSweepGrid,
  renderMarkdownReport,
  retention,
  rowsByStorage,
  type SweepMeasurement,
  type SweepReport,
} from '../../src/eval/sweep/index.js';
import { LateIndexError } from '../../src/shared/index.js';

function measurement(slug: string, ndcg: number, bytes: number, docs = 4, baseline = false): SweepMeasurement {
  return {
    dataset: 'toy',
    split: 'test',
    queries: 2,
    metrics: { 'nDCG@10': ndcg, 'R@100': 0.5, 'RR@10': 0.25 },
    storage: { documents: docs, vectors: bytes / 8, vectorsPerDoc: bytes / 8 / docs, bytes, bytesPerDoc: bytes / docs },
    latency: { p50Ms: 1, p95Ms: 2, qps: 500 },
    config: {
      name: slug.replace('.', ' / '),
      slug,
      reduction: slug.split('.')[0]!,
      quantization: slug.split('.')[1]!,
      mode: 'late',
      baseline,
      encoder: 'static:test',
      candidatesPerToken: 'default',
    },
    indexRecall: { k: 10, value: 0.9 },
    timings: { buildSeconds: 0, evalSeconds: 0 },
  };
}

describe('parseSweepGrid', () => {
  it('puts the unreduced float32 baseline first, crosses reductions with codecs, drops duplicates', () => {
    const configs = parseSweepGrid({ reduce: 'none; ward:2 ;ward:2;skiplist,kmeans:32', quantize: 'float16;int8' });
    expect(configs.map((c) => c.name)).toEqual([
      'none / float32',
      'none / float16',
      'none / int8',
      'ward:2 / float16',
      'ward:2 / int8',
      'skiplist,kmeans:32 / float16',
      'skiplist,kmeans:32 / int8',
    ]);
    expect(configs.map((c) => c.baseline)).toEqual([true, false, false, false, false, false, false]);
    expect(configs[5]!.slug).toBe('skiplist-kmeans-32.float16');
    expect(new Set(configs.map((c) => c.slug)).size).toBe(configs.length);
  });

  it('does not repeat the baseline when it is listed', () => {
    const configs = parseSweepGrid({ reduce: 'ward:2;none', quantize: 'float32' });
    expect(configs.map((c) => c.slug)).toEqual(['none.float32', 'ward-2.float32']);
  });

  it('takes the baseline in the first listed mode, so retention compares like with like', () => {
    const configs = parseSweepGrid({ reduce: 'none;ward:2', quantize: 'float32', mode: 'hybrid,late' });
    expect(configs.map((c) => [c.name, c.mode, c.baseline])).toEqual([
      ['none / float32 / hybrid', 'hybrid', true],
      ['none / float32', 'late', false],
      ['ward:2 / float32 / hybrid', 'hybrid', false],
      ['ward:2 / float32', 'late', false],
    ]);
  });

  it('refuses bad specs, codecs and modes with usage errors naming the flag', () => {
    const codeOf = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(LateIndexError);
        return `${(err as LateIndexError).code}: ${(err as Error).message}`;
      }
      throw new Error('expected an error');
    };
    expect(codeOf(() => parseSweepGrid({ reduce: 'ward:x' }))).toMatch(/^invalid_reduction_spec: .*ward:x/);
    expect(codeOf(() => parseSweepGrid({ reduce: 'none', quantize: 'float8' }))).toMatch(/^invalid_sweep: --quantize: unknown codec "float8"/);
    expect(codeOf(() => parseSweepGrid({ reduce: 'none', mode: 'late,fuzzy' }))).toMatch(/^invalid_sweep: --mode: unknown mode "fuzzy"/);
    expect(codeOf(() => parseSweepGrid({ reduce: ' ; ' }))).toMatch(/^invalid_sweep: --reduce lists no/);
  });
});

describe('retention and index recall', () => {
  it('retention is nDCG and bytes as percentages of the baseline (hand-worked)', () => {
    const base = measurement('none.float32', 0.64, 3200, 4, true);
    const pooled = measurement('ward-2.float16', 0.6, 800);
    // 0.6 / 0.64 = 0.9375; 800 / 3200 = 0.25
    expect(retention(pooled, base).ndcg10Pct).toBeCloseTo(93.75, 10);
    expect(retention(pooled, base).storagePct).toBeCloseTo(25, 10);
    expect(retention(base, base)).toEqual({ ndcg10Pct: 100, storagePct: 100 });
    expect(retention(pooled, measurement('none.float32', 0, 3200)).ndcg10Pct).toBeNull();
  });

  it('index recall@k averages the share of the reference top-k found (hand-worked)', () => {
    const ref = new Map([
      ['q1', ['a', 'b', 'c', 'd'].map((id, i) => ({ id, score: 4 - i }))],
      ['q2', ['x', 'y'].map((id, i) => ({ id, score: 2 - i }))],
      ['q3', []],
    ]);
    const run = new Map([
      // top-3 of run = {b, z, a}: 2 of ref top-3 {a, b, c}
      ['q1', ['b', 'z', 'a', 'c'].map((id, i) => ({ id, score: 4 - i }))],
    ]);
    // q1: 2/3, q2 missing from run: 0/2, q3 empty reference: not counted -> (2/3 + 0) / 2
    expect(indexRecallAt(run, ref, 3)).toBeCloseTo(1 / 3, 12);
    expect(indexRecallAt(ref, ref, 3)).toBe(1);
    expect(indexRecallAt(run, new Map(), 3)).toBeNaN();
  });

  it('assembleRows attaches retention against the named baseline; rowsByStorage sorts by bytes per document', () => {
    const rows = assembleRows(
      [measurement('none.float32', 0.5, 4000, 4, true), measurement('ward-2.int8', 0.45, 1000), measurement('none.float16', 0.5, 2000)],
      'none.float32',
    );
    expect(rows.map((r) => [r.config.slug, r.retention.ndcg10Pct, r.retention.storagePct])).toEqual([
      ['none.float32', 100, 100],
      ['ward-2.int8', 90, 25],
      ['none.float16', 100, 50],
    ]);
    expect(rowsByStorage(rows).map((r) => r.config.slug)).toEqual(['ward-2.int8', 'none.float16', 'none.float32']);
    expect(() => assembleRows(rows, 'missing')).toThrow(/baseline/);
  });

  it('renders a Markdown table sorted by storage with the retention figures', () => {
    const rows = assembleRows([measurement('none.float32', 0.5, 4000, 4, true), measurement('ward-2.int8', 0.45, 1000)], 'none.float32');
    const report: SweepReport = {
      dataset: 'toy', split: 'test', encoder: 'static:test', createdAt: '', baseline: 'none.float32',
      bm25: { 'nDCG@10': 0.679, source: 'given' }, notes: ['2 queries have no relevant judgment'], rows,
    };
    const md = renderMarkdownReport(report);
    const tableRows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| configuration') && !l.startsWith('| ---'));
    expect(tableRows).toHaveLength(2);
    expect(tableRows[0]).toBe('| ward-2 / int8 | 31.3 | 250 | 25.0 | 0.4500 | 90.0 | 0.5000 | 0.2500 | 0.900 | 1.00 | 2.00 | 500.0 |');
    expect(tableRows[1]).toMatch(/^\| none \/ float32 \(baseline\) \| 125\.0 \| 1000 \| 100\.0 \| 0\.5000 \| 100\.0 \|/);
    expect(md).toContain('BM25 nDCG@10 (given): 0.6790');
    expect(md).toContain('- 2 queries have no relevant judgment');
  });
});

describe('checkJudgments', () => {
  it('counts unjudged queries, drops judgments of unknown queries, keeps (and counts) unknown documents', () => {
    const queries = new Map([['q1', 'a'], ['q2', 'b'], ['q3', 'c']]);
    const qrels = new Map([
      ['q1', new Map([['d1', 1], ['ghost', 2]])],
      ['q2', new Map([['d2', 0]])], // judged, but nothing relevant
      ['q9', new Map([['d1', 1]])], // not in the queries file
    ]);
    const checked = checkJudgments(queries, qrels, new Set(['d1', 'd2']), 'qrels/test.tsv');
    expect(checked.evaluated).toBe(1);
    expect([...checked.qrels.keys()]).toEqual(['q1', 'q2']);
    expect(checked.qrels.get('q1')!.get('ghost')).toBe(2);
    expect(checked.notes).toHaveLength(3);
    expect(checked.notes[0]).toMatch(/^2 queries have no relevant judgment in qrels\/test.tsv/);
    expect(checked.notes[1]).toMatch(/^1 judged query is missing from the queries file \("q9"\)/);
    expect(checked.notes[2]).toMatch(/^1 judgment names a document not in the corpus \(e\.g\. "ghost"\)/);
  });
});
