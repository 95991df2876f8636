/**
 * Search modes (issue 4): nDCG@10 of BM25 through Block-Max Pruning, late interaction (HNSW candidates + MaxSim)
 * and hybrid fusion (min-max convex, z-score, RRF), with the embedded default encoder, per dataset, in one run.
 * Fusion settings were chosen on SciFact train (bench/tune-fusion.ts); this reports test splits only.
 *
 *   npx tsx bench/modes.ts [--datasets scifact,cranfield,med,cacm,lisa,vaswani] [--work /tmp/lateindex-modes] [--reuse]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEncoder } from '../src/encode/index.js';
import { Retriever, type RetrieveOptions } from '../src/search/index.js';
import { buildIndex, evaluateSetting } from './_common.js';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'scifact,cranfield,med,cacm,lisa,vaswani' },
    work: { type: 'string', default: '/tmp/lateindex-modes' },
    reuse: { type: 'boolean', default: false },
  },
});

const settings: [string, RetrieveOptions][] = [
  ['BM25 (BMP)', { k: 100, mode: 'sparse' }],
  ['late', { k: 100, mode: 'late' }],
  ['hybrid convex w=0.4', { k: 100, mode: 'hybrid', sparseDepth: 100, fusion: { method: 'convex', lateWeight: 0.4 } }],
  ['hybrid z-score w=0.25', { k: 100, mode: 'hybrid', sparseDepth: 500, fusion: { method: 'zscore', lateWeight: 0.25 } }],
  ['hybrid RRF', { k: 100, mode: 'hybrid', sparseDepth: 100, fusion: { method: 'rrf', rrfK: 60 } }],
];

const encoder = await loadEncoder();
console.log(`| dataset | ${settings.map(([name]) => `${name} nDCG@10`).join(' | ')} | hybrid p50 ms |`);
console.log(`|---|${settings.map(() => '---:').join('|')}|---:|`);
for (const dataset of values.datasets!.split(',')) {
  const { index } = await buildIndex(dataset, path.join(values.work!, dataset), encoder, { reuse: values.reuse! });
  const retriever = new Retriever(index, encoder);
  const cells: string[] = [];
  let hybridP50 = 0;
  for (const [name, options] of settings) {
    const result = await evaluateSetting(dataset, retriever, options);
    cells.push(result.metrics['nDCG@10']!.toFixed(4));
    if (name.startsWith('hybrid z-score')) hybridP50 = result.latency.p50Ms;
    process.stderr.write(`${dataset} ${name}: ${JSON.stringify(result.metrics)} ${JSON.stringify(result.latency)}\n`);
  }
  console.log(`| ${dataset} | ${cells.join(' | ')} | ${hybridP50.toFixed(1)} |`);
  await index.close();
}
await encoder.close();
