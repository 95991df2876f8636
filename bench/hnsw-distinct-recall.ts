/**
 * HNSW recall over an index's distinct stored vectors, with real query tokens: each query of a BEIR dataset is
 * encoded with the index's encoder and every query row is searched; the truth is brute force over the distinct
 * vectors (one per label, read from the documents' stored rows). Also reports documents found per query token by
 * searchHnswDocuments against the exact rule.
 * Run: npx tsx bench/hnsw-distinct-recall.ts --index /tmp/x --dataset /work/shared/data/scifact [--queries 300] [--k 10] [--ef 64,128,256]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadEncoderFor } from '../src/encode/index.js';
import { LateIndex } from '../src/index/index.js';

function argument(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1]!;
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}
const indexDir = argument('index');
const dataset = argument('dataset');
const maxQueries = Number(argument('queries', '300'));
const k = Number(argument('k', '10'));
const efs = argument('ef', '64,128,256').split(',').map(Number);

const index = await LateIndex.open(indexDir, { readOnly: true });
const dim = index.dim;
const started = performance.now();
const slotOf = new Map<number, number>();
const distinct: number[] = [];
let vectors = new Float32Array(1024 * dim);
for (const id of index.liveInternalIds()) {
  const labels = index.inspect().distinct().rowLabels(id)!;
  const rows = index.readVectors(id)!;
  for (let r = 0; r < labels.length; r++) {
    const label = labels[r]!;
    if (slotOf.has(label)) continue;
    if ((distinct.length + 1) * dim > vectors.length) {
      const grown = new Float32Array(vectors.length * 2);
      grown.set(vectors);
      vectors = grown;
    }
    vectors.set(rows.data.subarray(r * dim, (r + 1) * dim), distinct.length * dim);
    slotOf.set(label, distinct.length);
    distinct.push(label);
  }
}
console.error(
  `${index.counts().vectors} stored vectors, ${distinct.length} distinct (graph live ${index.inspect().distinct().graphStats().live}); collected in ${((performance.now() - started) / 1000).toFixed(1)}s`,
);

const texts = readFileSync(join(dataset, 'queries.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .slice(0, maxQueries)
  .map((line) => {
    const q = JSON.parse(line) as { text: string };
    return q.text;
  });
const encoder = await loadEncoderFor(index.manifest.encoder);
const encoded = await encoder.encodeQueries(texts);
await encoder.close();

/** Exact top-k labels of one query row over the distinct vectors. */
function exactTop(query: Float32Array, n: number): number[] {
  const best: { label: number; s: number }[] = [];
  for (let i = 0; i < distinct.length; i++) {
    let s = 0;
    const off = i * dim;
    for (let j = 0; j < dim; j++) s += vectors[off + j]! * query[j]!;
    if (best.length < n || s > best[best.length - 1]!.s) {
      best.push({ label: distinct[i]!, s });
      best.sort((a, b) => b.s - a.s);
      if (best.length > n) best.pop();
    }
  }
  return best.map((b) => b.label);
}

const tokens: Float32Array[] = [];
for (const mv of encoded) for (let r = 0; r < mv.count; r++) tokens.push(mv.data.slice(r * dim, (r + 1) * dim));
const truths = tokens.map((t) => exactTop(t, k));
const results: Record<string, number>[] = [];
for (const ef of efs) {
  let found = 0;
  const t0 = performance.now();
  for (let i = 0; i < tokens.length; i++) {
    const truth = new Set(truths[i]);
    for (const label of index.inspect().distinct().nearestLabels(tokens[i]!, k, ef).labels) if (truth.has(label)) found++;
  }
  const ms = (performance.now() - t0) / tokens.length;
  results.push({ ef, recall: Number((found / (tokens.length * k)).toFixed(4)), msPerToken: Number(ms.toFixed(3)) });
}
console.log(JSON.stringify({ index: indexDir, queries: texts.length, tokens: tokens.length, k, distinct: distinct.length, results }, null, 2));
await index.close();
