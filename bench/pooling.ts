/**
 * Pooling quality (issue 3) without candidate generation in the way: encode a dataset once in memory with the
 * embedded encoder, apply each reduction spec, and rank every document by exact IDF-weighted MaxSim (the same
 * scorer the searcher uses). Reports vectors kept, nDCG@10 retained against the unreduced run, and reduction
 * throughput (documents per CPU-second), all in one run.
 *
 *   npx tsx bench/pooling.ts [--dataset scifact] [--split test|train|dev] [--specs "none;ward:2;..."]
 *
 * Choose variants on `--split train` (SciFact's training queries) and report `test`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { StaticEncoder } from '../src/encode/index.js';
import { evaluateRun, loadBeirSplit, type RankedDoc } from '../src/eval/index.js';
import { readCorpus } from '../src/index/index.js';
import { parseReductionSpec } from '../src/pool/index.js';
import { TopK, createMaxSimScorer } from '../src/search/index.js';
import { documentText, idf, type MultiVector } from '../src/shared/index.js';
import { DATA } from './_common.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'scifact' },
    split: { type: 'string', default: 'test' },
    specs: {
      type: 'string',
      default:
        'none;ward:2;ward:3;ward:4;ward:6;kmeans:32;lightcolpali:4;adaptive:0.3;adaptive:0.5;idf-top:0.5;random:0.5;divprune:0.5',
    },
  },
});

const dir = path.join(DATA, values.dataset!);
const encoder = await StaticEncoder.load();
const ids: string[] = [];
const texts: string[] = [];
for await (const record of readCorpus(path.join(dir, 'corpus.jsonl'))) {
  ids.push(record.id);
  texts.push(documentText(record));
}
const docs = await encoder.encodeDocuments(texts);
const df = new Map<string, number>();
for (const doc of docs) for (const t of new Set(doc.tokens)) df.set(t, (df.get(t) ?? 0) + 1);
const idfOf = (t: string) => idf(df.get(t) ?? 0, docs.length);

const { queries, qrels } = await loadBeirSplit(dir, values.split!);
const judged = [...queries].filter(([qid]) => qrels.has(qid));
const encodedQueries = await encoder.encodeQueries(judged.map(([, text]) => text));
const weighted = encodedQueries.map((q) => ({ ...q, weights: Float32Array.from(q.tokens!, idfOf) }));
const scorer = createMaxSimScorer();
const baselineVectors = docs.reduce((s, d) => s + d.count, 0);

function rank(reduced: readonly MultiVector[]): number {
  const run = new Map<string, RankedDoc[]>();
  judged.forEach(([qid], qi) => {
    scorer.setQuery(weighted[qi]!);
    const top = new TopK(100, (a, b) => (ids[a]! < ids[b]! ? -1 : 1));
    reduced.forEach((doc, d) => top.push(scorer.score(doc.data, doc.count), d));
    run.set(qid, top.drain().map((e) => ({ id: ids[e.internalId]!, score: e.score })));
  });
  return evaluateRun(run, qrels, ['nDCG@10']).mean['nDCG@10']!;
}

console.log(`${values.dataset} (${values.split} queries): ${docs.length} documents, ${baselineVectors} vectors, ${judged.length} queries, scorer ${scorer.backend}`);
console.log('| reduction | vectors/doc | vectors kept | nDCG@10 (exact MaxSim) | retained | reduce docs/cpu-s |');
console.log('|---|---:|---:|---:|---:|---:|');
let baseline = Number.NaN;
for (const spec of values.specs!.split(';')) {
  const pipeline = parseReductionSpec(spec);
  const cpu = process.cpuUsage();
  const reduced = docs.map((doc) => pipeline.apply(doc, { protectedLeadingTokens: 0, seed: 42, idf: idfOf }).vectors);
  const used = process.cpuUsage(cpu);
  const vectors = reduced.reduce((s, d) => s + d.count, 0);
  const ndcg = rank(reduced);
  if (spec === 'none') baseline = ndcg;
  const rate = pipeline.isIdentity ? '-' : (docs.length / ((used.user + used.system) / 1e6)).toFixed(0);
  console.log(
    `| ${pipeline.spec} | ${(vectors / docs.length).toFixed(1)} | ${((100 * vectors) / baselineVectors).toFixed(1)}% | ${ndcg.toFixed(4)} | ${((100 * ndcg) / baseline).toFixed(1)}% | ${rate} |`,
  );
}
