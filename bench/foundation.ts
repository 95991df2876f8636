/**
 * Foundation benchmark (issue 2): per dataset, build an index with the embedded default encoder (no reduction,
 * float16), then evaluate exhaustive MaxSim (the reference) and HNSW candidates + MaxSim in one run, and report
 * nDCG@10, index recall (HNSW top-10 vs exhaustive top-10), latency, indexing throughput and bytes per document.
 *
 *   npx tsx bench/foundation.ts [--datasets scifact,cranfield,med,cacm] [--candidates 64] [--work /tmp/lateindex-bench]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEncoder } from '../src/encode/index.js';
import { Retriever } from '../src/search/index.js';
import { buildIndex, evaluateSetting } from './_common.js';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'scifact,cranfield,med,cacm' },
    candidates: { type: 'string', default: '64' },
    work: { type: 'string', default: '/tmp/lateindex-bench' },
    reduce: { type: 'string', default: 'none' },
  },
});

interface Row {
  dataset: string;
  documents: number;
  vectors: number;
  bytesPerDoc: number;
  indexSeconds: number;
  docsPerSecond: number;
  exhaustive: { ndcg: number; p50: number; p95: number };
  hnsw: { ndcg: number; p50: number; p95: number };
  retainedPct: number;
  recallAt10: number;
  positionAgreement: number;
}

async function run(dataset: string): Promise<Row> {
  const encoder = await loadEncoder();
  const { index, seconds: indexSeconds } = await buildIndex(dataset, path.join(values.work!, `${dataset}-${values.reduce}`), encoder, {
    reduce: values.reduce!,
  });
  const counts = index.counts();
  const retriever = new Retriever(index, encoder);
  const exhaustive = await evaluateSetting(dataset, retriever, { k: 100, mode: 'late', exhaustive: true });
  const hnsw = await evaluateSetting(dataset, retriever, { k: 100, mode: 'late', candidatesPerToken: Number(values.candidates) });

  let overlap = 0;
  let agree = 0;
  let positions = 0;
  for (const [qid, reference] of exhaustive.run) {
    const ref = reference.slice(0, 10).map((d) => d.id);
    const got = (hnsw.run.get(qid) ?? []).slice(0, 10).map((d) => d.id);
    const refSet = new Set(ref);
    overlap += got.filter((id) => refSet.has(id)).length;
    ref.forEach((id, i) => (agree += got[i] === id ? 1 : 0));
    positions += ref.length;
  }
  await index.close();
  await encoder.close();
  const ndcgE = exhaustive.metrics['nDCG@10']!;
  const ndcgH = hnsw.metrics['nDCG@10']!;
  return {
    dataset,
    documents: counts.documents,
    vectors: counts.vectors,
    bytesPerDoc: counts.vectorBytes / counts.documents,
    indexSeconds,
    docsPerSecond: counts.documents / indexSeconds,
    exhaustive: { ndcg: ndcgE, p50: exhaustive.latency.p50Ms, p95: exhaustive.latency.p95Ms },
    hnsw: { ndcg: ndcgH, p50: hnsw.latency.p50Ms, p95: hnsw.latency.p95Ms },
    retainedPct: (100 * ndcgH) / ndcgE,
    recallAt10: overlap / positions,
    positionAgreement: agree / positions,
  };
}

const rows: Row[] = [];
for (const dataset of values.datasets!.split(',')) {
  const row = await run(dataset);
  rows.push(row);
  process.stderr.write(`${JSON.stringify(row)}\n`);
}
const f = (x: number, d = 4) => x.toFixed(d);
console.log(
  '| dataset | docs | vectors | B/doc | index s | docs/s | nDCG@10 exhaustive | nDCG@10 HNSW | retained | top-10 recall | position agreement | p50/p95 ms exhaustive | p50/p95 ms HNSW |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.dataset} | ${r.documents} | ${r.vectors} | ${f(r.bytesPerDoc, 0)} | ${f(r.indexSeconds, 1)} | ${f(r.docsPerSecond, 0)} | ${f(r.exhaustive.ndcg)} | ${f(r.hnsw.ndcg)} | ${f(r.retainedPct, 1)}% | ${f(r.recallAt10, 3)} | ${f(r.positionAgreement, 3)} | ${f(r.exhaustive.p50, 1)}/${f(r.exhaustive.p95, 1)} | ${f(r.hnsw.p50, 1)}/${f(r.hnsw.p95, 1)} |`,
  );
}
