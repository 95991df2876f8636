/**
 * Foundation benchmark (issue 2): per dataset, build an index with the embedded default encoder (no reduction,
 * float16), then evaluate exhaustive MaxSim (the reference) and HNSW candidates + MaxSim in one run, and report
 * nDCG@10, index recall (HNSW top-10 vs exhaustive top-10), latency, indexing throughput and bytes per document.
 *
 *   npx tsx bench/foundation.ts [--datasets scifact,cranfield,med,cacm] [--candidates 64] [--work /tmp/lateindex-bench]
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEncoder } from '../src/encode/index.js';
import { evaluate, loadBeirSplit, type RankedList } from '../src/eval/index.js';
import { IndexBuilder, LateIndex, readCorpus } from '../src/index/index.js';
import { parseReductionSpec } from '../src/pool/index.js';
import { Retriever, type RetrieveOptions } from '../src/search/index.js';
import type { DocumentRecord } from '../src/shared/index.js';

const DATA = path.resolve(import.meta.dirname, '../../shared/data');

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
  const dir = path.join(DATA, dataset);
  const indexDir = path.join(values.work!, `${dataset}-${values.reduce}`);
  rmSync(indexDir, { recursive: true, force: true });
  const encoder = await loadEncoder();
  const pipeline = parseReductionSpec(values.reduce!);

  const started = performance.now();
  const index = await LateIndex.create(indexDir, { encoder: encoder.identity, reduction: pipeline.spec });
  const builder = new IndexBuilder(index, encoder, pipeline);
  let batch: DocumentRecord[] = [];
  for await (const record of readCorpus(path.join(dir, 'corpus.jsonl'))) {
    batch.push(record);
    if (batch.length === 64) {
      await builder.addBatch(batch);
      batch = [];
    }
  }
  if (batch.length) await builder.addBatch(batch);
  await index.flush();
  const indexSeconds = (performance.now() - started) / 1000;
  const counts = index.counts();

  const { queries, qrels } = await loadBeirSplit(dir, 'test');
  const retriever = new Retriever(index, encoder);
  const evalWith = (options: RetrieveOptions) =>
    evaluate({
      queries,
      qrels,
      depth: 100,
      searchFn: async (text): Promise<RankedList> => (await retriever.search(text, options)).map((h) => ({ id: h.id, score: h.score })),
    });
  const exhaustive = await evalWith({ k: 100, exhaustive: true });
  const hnsw = await evalWith({ k: 100, candidatesPerToken: Number(values.candidates) });

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
