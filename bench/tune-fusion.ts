/**
 * Picks the hybrid convex-fusion weight on SciFact's *train* split (never on a test split), for the default in
 * src/search/fusion.ts. Reuses or builds the index under --work.
 *
 *   npx tsx bench/tune-fusion.ts [--weights 0.2,0.3,0.4,0.5] [--work /tmp/lateindex-modes] [--reuse]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEncoder } from '../src/encode/index.js';
import { evaluate, loadBeirSplit, type RankedList } from '../src/eval/index.js';
import { Retriever } from '../src/search/index.js';
import { DATA, buildIndex } from './_common.js';

const { values } = parseArgs({
  options: {
    weights: { type: 'string', default: '0.2,0.3,0.4,0.5' },
    work: { type: 'string', default: '/tmp/lateindex-modes' },
    reuse: { type: 'boolean', default: false },
  },
});
const encoder = await loadEncoder();
const { index } = await buildIndex('scifact', path.join(values.work!, 'scifact'), encoder, { reuse: values.reuse! });
const retriever = new Retriever(index, encoder);
const { queries, qrels } = await loadBeirSplit(path.join(DATA, 'scifact'), 'train');
console.log('| late weight | SciFact train nDCG@10 |');
console.log('|---:|---:|');
for (const weight of values.weights!.split(',').map(Number)) {
  const result = await evaluate({
    queries,
    qrels,
    measures: ['nDCG@10'],
    searchFn: async (text): Promise<RankedList> =>
      (await retriever.search(text, { k: 10, mode: 'hybrid', fusion: { method: 'convex', lateWeight: weight } })).map((h) => ({ id: h.id, score: h.score })),
  });
  console.log(`| ${weight} | ${result.metrics['nDCG@10']!.toFixed(4)} |`);
}
await index.close();
