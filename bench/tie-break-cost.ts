/**
 * What the BM25 tie-break costs in late mode (issue 15): the same encoded query through one searcher without and
 * with `sparseTieBreaker`, alternating, `--repeats` times each, over the first `--queries` test queries of each
 * collection (k = 100). Prints per collection the queries whose contenders for the top k hold an exact MaxSim tie
 * (the only ones for which the tie-breaker runs a BM25 pass), the total time of each variant and their ratio.
 *
 *   npx tsx bench/tie-break-cost.ts [--datasets scifact,cranfield,med,cacm,lisa,vaswani] [--work /tmp/lateindex-modes] [--reuse] [--queries 40] [--repeats 5]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEncoder } from '../src/encode/index.js';
import { loadBeirSplit } from '../src/eval/index.js';
import { LateInteractionSearcher, sparseTieBreaker } from '../src/search/index.js';
import { DATA, buildIndex } from './_common.js';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'scifact,cranfield,med,cacm,lisa,vaswani' },
    work: { type: 'string', default: '/tmp/lateindex-modes' },
    reuse: { type: 'boolean', default: false },
    queries: { type: 'string', default: '40' },
    repeats: { type: 'string', default: '5' },
  },
});
const K = 100;
const queryCount = Number(values.queries);
const repeats = Number(values.repeats);

const encoder = await loadEncoder();
console.log(`| collection | queries | with a tie in the top ${K} | ms without tie-break | ms with tie-break | ratio |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const dataset of values.datasets!.split(',')) {
  const { index } = await buildIndex(dataset, path.join(values.work!, dataset), encoder, { reuse: values.reuse! });
  const searcher = new LateInteractionSearcher(index, { queryWeighting: encoder.queryWeighting });
  const { queries } = await loadBeirSplit(path.join(DATA, dataset), 'test');
  const texts = [...queries.values()].slice(0, queryCount);
  let without = 0;
  let withTieBreak = 0;
  let tied = 0;
  for (const text of texts) {
    const [encoded] = await encoder.encodeQueries([text]);
    let sawTie = false;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      searcher.search(encoded!, { k: K });
      const t1 = performance.now();
      const tieBreak = sparseTieBreaker(index.sparse!, text)!;
      searcher.search(encoded!, { k: K, tieBreak: (ids) => ((sawTie = true), tieBreak(ids)) });
      without += t1 - t0;
      withTieBreak += performance.now() - t1;
    }
    if (sawTie) tied++;
  }
  console.log(`| ${dataset} | ${texts.length} | ${tied} | ${without.toFixed(0)} | ${withTieBreak.toFixed(0)} | ${(withTieBreak / without).toFixed(3)} |`);
  await index.close();
}
await encoder.close();
