/**
 * The default ranking against BM25 (issue 15): per test collection, nDCG@10 of BM25 (sparse mode), late interaction
 * (ties by external id as before, and by BM25 as now) and the index's default mode (hybrid for the embedded
 * encoder), with a paired bootstrap 95% interval of default - BM25 (10,000 resamples over queries, seed 1). Every
 * ranked list is scored in the order lateindex returns it, and also as trec_eval orders the run file (score desc,
 * then docid desc), which undoes any tie-break that is not in the scores. The tie-break's cost is
 * bench/tie-break-cost.ts's.
 *
 *   npx tsx bench/default-ranking.ts [--datasets scifact,cranfield,med,cacm,lisa,vaswani] [--work /tmp/lateindex-modes] [--reuse]
 *
 * With `--reuse`, indexes already under --work are reopened (e.g. built by `lateindex index --dataset ... --index
 * <work>/<dataset>`); otherwise each is built from its corpus.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEncoder } from '../src/encode/index.js';
import { judgedQueryIds, loadBeirSplit, ndcgAt, pairedBootstrap, type RankedList } from '../src/eval/index.js';
import { LateInteractionSearcher, Retriever, sparseTieBreaker, type RetrieveOptions } from '../src/search/index.js';
import { DATA, buildIndex } from './_common.js';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'scifact,cranfield,med,cacm,lisa,vaswani' },
    work: { type: 'string', default: '/tmp/lateindex-modes' },
    reuse: { type: 'boolean', default: false },
  },
});
const DEPTH = 100;

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** The list as trec_eval reads a run file: score descending, then document id descending. */
const trecEvalOrder = (list: RankedList): RankedList => [...list].sort((a, b) => b.score - a.score || byId(b.id, a.id));
/** The list with exact score ties by external id ascending (the order before the BM25 tie-break). */
const idTieOrder = (list: RankedList): RankedList => [...list].sort((a, b) => b.score - a.score || byId(a.id, b.id));

const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

const encoder = await loadEncoder();
const rows: string[] = [];
const tieRows: string[] = [];
for (const dataset of values.datasets!.split(',')) {
  const { index } = await buildIndex(dataset, path.join(values.work!, dataset), encoder, { reuse: values.reuse! });
  const retriever = new Retriever(index, encoder);
  const plainSearcher = new LateInteractionSearcher(index, { queryWeighting: encoder.queryWeighting });
  const { queries, qrels } = await loadBeirSplit(path.join(DATA, dataset), 'test');
  const judged = new Set(judgedQueryIds(qrels));
  const order = [...queries.keys()].filter((q) => judged.has(q));
  const runs = { bm25: [] as RankedList[], lateById: [] as RankedList[], late: [] as RankedList[], default: [] as RankedList[] };
  let differing = 0;
  const list = async (text: string, options: RetrieveOptions): Promise<RankedList> =>
    (await retriever.search(text, options)).map((h) => ({ id: h.id, score: h.score }));
  for (const qid of order) {
    const text = queries.get(qid)!;
    runs.bm25.push(await list(text, { k: DEPTH, mode: 'sparse' }));
    runs.late.push(await list(text, { k: DEPTH, mode: 'late' }));
    const [encoded] = await encoder.encodeQueries([text]);
    const byId = plainSearcher.search(encoded!, { k: DEPTH });
    const byBm25 = plainSearcher.search(encoded!, { k: DEPTH, tieBreak: sparseTieBreaker(index.sparse!, text)! });
    runs.lateById.push(byId.map((h) => ({ id: h.id, score: h.score })));
    if (byBm25.map((h) => h.id).join() !== runs.late.at(-1)!.map((h) => h.id).join()) differing++;
    runs.default.push(await list(text, { k: DEPTH }));
  }
  const ndcg = (lists: readonly RankedList[], reorder: (l: RankedList) => RankedList = (l) => l): number[] =>
    lists.map((l, q) => ndcgAt(reorder(l).map((d) => d.id), qrels.get(order[q]!)!, 10));
  const bm25 = ndcg(runs.bm25);
  const def = ndcg(runs.default);
  const ci = pairedBootstrap(def, bm25, { seed: 1, resamples: 10_000 });
  const mode = retriever.defaults.mode;
  rows.push(
    `| ${dataset} | ${order.length} | ${mean(ndcg(runs.late)).toFixed(4)} | ${mean(bm25).toFixed(4)} | ${mode} ${mean(def).toFixed(4)} | ` +
      `${signed(ci.meanDifference)} [${signed(ci.lower)}, ${signed(ci.upper)}] | ${ci.upper >= 0 ? 'yes' : 'no'} |`,
  );
  const lateTie = pairedBootstrap(ndcg(runs.late), ndcg(runs.lateById), { seed: 1 });
  const defaultById = ndcg(runs.default, idTieOrder);
  tieRows.push(
    `| ${dataset} | ${mean(ndcg(runs.lateById)).toFixed(4)} | ${mean(ndcg(runs.late)).toFixed(4)} | ${signed(lateTie.meanDifference)} [${signed(lateTie.lower)}, ${signed(lateTie.upper)}] | ` +
      `${mean(ndcg(runs.late, trecEvalOrder)).toFixed(4)} | ${mean(defaultById).toFixed(4)} | ${mean(def).toFixed(4)} | ${mean(ndcg(runs.default, trecEvalOrder)).toFixed(4)} | ${mean(ndcg(runs.bm25, trecEvalOrder)).toFixed(4)} |`,
  );
  process.stderr.write(`${dataset}: done (${order.length} queries${differing > 0 ? `; ${differing} late lists differ from the retriever's` : ''})\n`);
  await index.close();
}
await encoder.close();
console.log('| collection | queries | late | BM25 | default mode | default − BM25 [95% CI] | default ≥ BM25 within the CI |');
console.log('|---|---:|---:|---:|---:|---:|:---:|');
for (const row of rows) console.log(row);
console.log(
  '\n| collection | late, ties by id | late, ties by BM25 | difference [95% CI] | late, trec_eval order | default, ties by id | default, ties by BM25 | default, trec_eval order | BM25, trec_eval order |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const row of tieRows) console.log(row);
