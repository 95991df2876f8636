/**
 * Brute-force quality check of the embedded static encoder on a BEIR dataset, independent of the index:
 * IDF-weighted MaxSim (idf = ln(1 + (N - df + 0.5) / (df + 0.5)) over document frequencies of tokens),
 * nDCG@10 with trec_eval semantics (ties broken by descending doc id, linear gains from qrels).
 * Usage: npx tsx bench/static-encoder-quality.ts [datasetDir=/work/shared/data/scifact] [split=test]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StaticEncoder } from '../src/encode/static/static-encoder.js';
import { documentText } from '../src/shared/index.js';

const dataset = process.argv[2] ?? '/work/shared/data/scifact';
const split = process.argv[3] ?? 'test';

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

const t0 = performance.now();
const encoder = await StaticEncoder.load();
const tLoad = performance.now();
const corpus = readJsonl<{ _id: string; title?: string; text?: string }>(join(dataset, 'corpus.jsonl'));
const queries = new Map(readJsonl<{ _id: string; text: string }>(join(dataset, 'queries.jsonl')).map((q) => [q._id, q.text]));
const qrels = new Map<string, Map<string, number>>();
for (const line of readFileSync(join(dataset, 'qrels', `${split}.tsv`), 'utf8').split('\n').slice(1)) {
  const [qid, docid, score] = line.split('\t');
  if (!qid || !docid || score === undefined) continue;
  if (!qrels.has(qid)) qrels.set(qid, new Map());
  qrels.get(qid)!.set(docid, Number(score));
}

// Vectors are a function of the token string, so keep one vector per distinct corpus token.
const dim = encoder.identity.dim;
const tokenIds = new Map<string, number>();
const tokenVectors: number[] = [];
const docTokens: Int32Array[] = [];
const df: number[] = [];
let totalRows = 0;
let oovRows = 0;
for (const doc of corpus) {
  const mv = encoder.encode(documentText(doc));
  totalRows += mv.count;
  const ids = new Set<number>();
  mv.tokens!.forEach((token, i) => {
    if (encoder.table.rowOf(token) < 0) oovRows++;
    let id = tokenIds.get(token);
    if (id === undefined) {
      id = tokenIds.size;
      tokenIds.set(token, id);
      for (let j = 0; j < dim; j++) tokenVectors.push(mv.data[i * dim + j]!);
      df.push(0);
    }
    ids.add(id);
  });
  for (const id of ids) df[id]!++;
  docTokens.push(Int32Array.from(ids));
}
const tEncode = performance.now();
const vectors = Float32Array.from(tokenVectors);
const U = tokenIds.size;
const N = corpus.length;
const idf = (d: number) => Math.log(1 + (N - d + 0.5) / (d + 0.5));

const sims = new Float32Array(U);

function similarities(query: Float32Array, offset: number, table: Float32Array, dim: number, out: Float32Array): void {
  for (let u = 0, base = 0; u < out.length; u++, base += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += query[offset + j]! * table[base + j]!;
    out[u] = s;
  }
}

function addMaxSim(sims: Float32Array, docs: readonly Int32Array[], weight: number, scores: Float64Array): void {
  for (let d = 0; d < docs.length; d++) {
    const ids = docs[d]!;
    let best = ids.length ? -Infinity : 0;
    for (let k = 0; k < ids.length; k++) if (sims[ids[k]!]! > best) best = sims[ids[k]!]!;
    scores[d]! += weight * best;
  }
}
const scores = new Float64Array(N);
let ndcgSum = 0;
let evaluated = 0;
for (const [qid, rels] of qrels) {
  const text = queries.get(qid);
  if (text === undefined) continue;
  const q = encoder.encode(text);
  scores.fill(0);
  for (let i = 0; i < q.count; i++) {
    const weight = idf(df[tokenIds.get(q.tokens![i]!) ?? -1] ?? 0);
    similarities(q.data, i * dim, vectors, dim, sims);
    addMaxSim(sims, docTokens, weight, scores);
  }
  const order = Array.from({ length: N }, (_, d) => d).sort(
    (a, b) => scores[b]! - scores[a]! || (corpus[b]!._id > corpus[a]!._id ? 1 : -1),
  );
  let dcg = 0;
  for (let r = 0; r < 10; r++) dcg += (rels.get(corpus[order[r]!]!._id) ?? 0) / Math.log2(r + 2);
  const ideal = [...rels.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let r = 0; r < Math.min(10, ideal.length); r++) idcg += ideal[r]! / Math.log2(r + 2);
  ndcgSum += idcg > 0 ? dcg / idcg : 0;
  evaluated++;
}
const tEnd = performance.now();
console.log(
  JSON.stringify({
    dataset,
    split,
    queries: evaluated,
    'nDCG@10': Number((ndcgSum / evaluated).toFixed(4)),
    documents: N,
    rows: totalRows,
    rowsPerDoc: Number((totalRows / N).toFixed(1)),
    oovRowShare: Number((oovRows / totalRows).toFixed(4)),
    distinctTokens: U,
    ms: { load: Math.round(tLoad - t0), encode: Math.round(tEncode - tLoad), search: Math.round(tEnd - tEncode) },
  }),
);
