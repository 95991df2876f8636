/**
 * Safe Block-Max Pruning vs exhaustive term-at-a-time on SciFact and a synthetic corpus, before and after
 * document reordering by recursive graph bisection (`SparseStore.reorder`), plus the alpha/beta trade-off on
 * the reordered store. Run:
 *   npx tsx bench/sparse-bmp.ts [--docs 500000] [--queries 300] [--seed 42] [--block-size 64] [--clustered 0|1] [--curve 1|0]
 *     [--reorder 1|0] [--scifact 1|0]
 * `--clustered 1` orders documents by primary topic (an oracle order to compare reordering with).
 * `--bp-iterations <n>` / `--bp-min-swap <share>` override the reorder's swap rounds and early stop.
 */
import { analyze, type SparseStore } from '../src/index/sparse/index.js';
import {
  blockMaxPruning,
  exhaustiveTermAtATime,
  newSparseTrace,
  prepareSparseQuery,
  type PreparedSparseQuery,
  type SparseHit,
} from '../src/search/sparse/index.js';
import { openTempStore, putInBatches, readCorpus, readQueries } from './sparse-datasets.js';
import { scifactSource, syntheticCorpus, type SyntheticDocument } from './synthetic-corpus.js';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}
const syntheticDocs = arg('docs', 500_000);
const queryLimit = arg('queries', 300);
const seed = arg('seed', 42);
const clustered = arg('clustered', 0) === 1;
const curve = arg('curve', 1) === 1;
const reorderSynthetic = arg('reorder', 1) === 1;
const bpIterations = arg('bp-iterations', 10);
const bpMinSwap = arg('bp-min-swap', 0.01);
const blockSize = arg('block-size', 64);
const runScifact = arg('scifact', 1) === 1;
const K = 10;

function same(a: readonly SparseHit[], b: readonly SparseHit[]): boolean {
  return a.length === b.length && a.every((h, i) => h.internalId === b[i]!.internalId && h.score === b[i]!.score);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function timeAll(queries: readonly PreparedSparseQuery[], run: (q: PreparedSparseQuery) => SparseHit[]): { results: SparseHit[][]; meanMs: number; p50: number; p95: number } {
  for (const q of queries.slice(0, 20)) run(q); // warm-up
  const times: number[] = [];
  const results: SparseHit[][] = [];
  for (const q of queries) {
    const t = performance.now();
    results.push(run(q));
    times.push(performance.now() - t);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { results, meanMs: times.reduce((a, b) => a + b, 0) / times.length, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) };
}

function report(name: string, store: SparseStore, queryTexts: readonly string[], withCurve: boolean): void {
  const queries = queryTexts.map((q) => prepareSparseQuery(store, q)).filter((q) => q.terms.length > 0);
  const stats = store.stats();
  console.log(`\n== ${name}: ${stats.documents} docs, ${Math.ceil(stats.idLimit / stats.blockSize)} blocks of ${stats.blockSize}, ${queries.length} queries, k=${K}`);
  const taat = timeAll(queries, (q) => exhaustiveTermAtATime(store, q, { k: K }));
  const bmp = timeAll(queries, (q) => blockMaxPruning(store, q, { k: K }));
  const identical = queries.every((_, i) => same(taat.results[i]!, bmp.results[i]!));
  let scored = 0;
  let candidates = 0;
  for (const q of queries) {
    const trace = newSparseTrace();
    blockMaxPruning(store, q, { k: K, trace });
    scored += trace.blocksScored;
    candidates += trace.candidateBlocks;
  }
  console.log(`exhaustive TAAT: mean ${taat.meanMs.toFixed(3)} ms, p50 ${taat.p50.toFixed(3)}, p95 ${taat.p95.toFixed(3)}`);
  console.log(`safe BMP       : mean ${bmp.meanMs.toFixed(3)} ms, p50 ${bmp.p50.toFixed(3)}, p95 ${bmp.p95.toFixed(3)}; blocks scored ${((100 * scored) / candidates).toFixed(1)}% of candidates`);
  console.log(`speed-up (mean latency TAAT / BMP): ${(taat.meanMs / bmp.meanMs).toFixed(2)}x; identical top-${K} on all queries: ${identical}`);
  if (!withCurve) return;
  console.log('alpha  beta   mean ms   speed-up vs TAAT   recall of safe top-10');
  for (const beta of [1, 0.75, 0.5]) {
    for (const alpha of [1, 0.9, 0.8, 0.7, 0.5]) {
      const run = timeAll(queries, (q) => blockMaxPruning(store, q, { k: K, alpha, beta }));
      let hit = 0;
      let total = 0;
      for (let i = 0; i < queries.length; i++) {
        const safe = new Set(bmp.results[i]!.map((h) => h.internalId));
        total += safe.size;
        for (const h of run.results[i]!) if (safe.has(h.internalId)) hit++;
      }
      console.log(`${alpha.toFixed(2)}   ${beta.toFixed(2)}   ${run.meanMs.toFixed(3).padStart(7)}   ${(taat.meanMs / run.meanMs).toFixed(2).padStart(8)}x         ${(hit / total).toFixed(4)}`);
    }
  }
}

function reorder(store: SparseStore): void {
  const r = store.runInTransaction(() => store.reorder({ iterations: bpIterations, minSwapShare: bpMinSwap }));
  console.log(
    `reorder: ${r.documents} docs, graph ${r.graphTerms} terms / ${r.graphEdges} edges, ${r.bisections} bisections, ${r.swaps} swaps; ` +
      `bisection ${(r.bisectionMs / 1000).toFixed(1)} s, rewrite ${(r.rewriteMs / 1000).toFixed(1)} s`,
  );
}

const scifactQueries = readQueries('scifact').map((q) => q.text);
if (runScifact) {
  const corpus = readCorpus('scifact');
  const temp = openTempStore({ blockSize });
  const t = performance.now();
  putInBatches(temp.store, corpus.map((d, internalId) => ({ internalId, terms: analyze(d.text) })));
  console.log(`scifact build: ${(performance.now() - t).toFixed(0)} ms`);
  report('SciFact, natural order', temp.store, scifactQueries, false);
  reorder(temp.store);
  report('SciFact, reordered', temp.store, scifactQueries, false);
  temp.close();
}
{
  const source = scifactSource();
  const temp = openTempStore({ blockSize }, 2 ** 36);
  const t = performance.now();
  let batch: SyntheticDocument[] = [];
  for (const doc of syntheticCorpus(source, { documents: syntheticDocs, seed, clustered })) {
    batch.push(doc);
    if (batch.length === 10_000) {
      const docs = batch;
      temp.store.runInTransaction(() => temp.store.putDocuments(docs));
      batch = [];
      if (doc.internalId % 100_000 === 99_999) console.error(`synthetic: ${doc.internalId + 1} docs written, ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  }
  if (batch.length > 0) temp.store.runInTransaction(() => temp.store.putDocuments(batch));
  console.log(`synthetic build (${syntheticDocs} docs, seed ${seed}, clustered ${clustered}): ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const queries = scifactQueries.slice(0, queryLimit);
  report(`synthetic ${syntheticDocs}, ${clustered ? 'topic-clustered' : 'random'} order`, temp.store, queries, false);
  if (reorderSynthetic) {
    reorder(temp.store);
    report(`synthetic ${syntheticDocs}, reordered`, temp.store, queries, curve);
  }
  temp.close();
}
