/** nDCG@10 of BM25 through safe Block-Max Pruning on every dataset's test split. Run: npx tsx bench/sparse-ndcg.ts */
import { blockMaxPruning } from '../src/search/sparse/index.js';
import { analyzedCorpus, ndcgAt, openTempStore, putInBatches, readCorpus, readQrels, readQueries } from './sparse-datasets.js';

const datasets = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['scifact', 'cranfield', 'med', 'cacm', 'lisa', 'vaswani'];
for (const dataset of datasets) {
  const corpus = readCorpus(dataset);
  const temp = openTempStore();
  const started = performance.now();
  putInBatches(temp.store, analyzedCorpus(corpus));
  const buildMs = performance.now() - started;
  const qrels = readQrels(dataset);
  const queries = readQueries(dataset).filter((q) => qrels.has(q.id));
  let total = 0;
  for (const q of queries) {
    const hits = blockMaxPruning(temp.store, q.text, { k: 10 });
    total += ndcgAt(hits.map((h) => corpus[h.internalId]!.id), qrels.get(q.id)!, 10);
  }
  console.log(`${dataset}: nDCG@10 = ${(total / queries.length).toFixed(4)} over ${queries.length} queries (${corpus.length} docs, build ${buildMs.toFixed(0)} ms)`);
  temp.close();
}
