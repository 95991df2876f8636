/**
 * Documents per second of each reduction step on SciFact-sized documents (~150 random unit 100-d rows),
 * single-threaded. `ward:2 (js linkage)` is the reference path (JS NN-chain over a condensed matrix), measured
 * in the same run as the default WebAssembly path.
 * Run: npx tsx bench/pool-throughput.ts [--docs N] [--dim D] [--rows R] [--specs "ward:2;ward:4"]
 */
import { performance } from 'node:perf_hooks';
import { HierarchicalPooler, parseReductionSpec, ReductionPipeline } from '../src/pool/index.js';
import type { MultiVector } from '../src/shared/multivector.js';

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const docsCount = argument('docs', 400);
const dim = argument('dim', 100);
const rows = argument('rows', 150);

function makeDocs(): MultiVector[] {
  let s = 12345;
  const random = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const docs: MultiVector[] = [];
  for (let t = 0; t < docsCount; t++) {
    const count = rows - 20 + Math.floor(random() * 41);
    const data = new Float32Array(count * dim);
    for (let i = 0; i < count; i++) {
      let norm = 0;
      for (let d = 0; d < dim; d++) {
        const v = Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
        data[i * dim + d] = v;
        norm += v * v;
      }
      for (let d = 0; d < dim; d++) data[i * dim + d]! /= Math.sqrt(norm);
    }
    const tokens = Array.from({ length: count }, (_, i) => (i % 4 === 0 ? 'the' : `w${i}`));
    docs.push({ dim, count, data, tokens });
  }
  return docs;
}

const JS_WARD = 'ward:2 (js linkage)';
const specsArgument = process.argv.indexOf('--specs');
const specs = specsArgument >= 0 ? process.argv[specsArgument + 1]!.split(';') : [
  'ward:2', JS_WARD, 'ward:4', 'average:2', 'complete:2', 'single:2', 'lightcolpali:3', 'adaptive:0.5',
  'kmeans:0.5', 'kmeans:32', 'spatial1d:2', 'skiplist', 'first:64', 'idf-top:0.5', 'random:0.5',
  'divprune:0.5', 'dart:0.5', 'skiplist,idf-top:0.9,ward:2',
];
const docs = makeDocs();
const ctx = { protectedLeadingTokens: 1, seed: 1, idf: (t: string) => t.length };
const totalRows = docs.reduce((a, d) => a + d.count, 0);
process.stdout.write(`${docsCount} docs, ${(totalRows / docsCount).toFixed(1)} rows/doc, dim ${dim}, node ${process.version}\n`);
// Docs per CPU-second of this (single-threaded) process, beside wall-clock docs/s: on a shared machine the wall
// clock also counts time spent waiting for a core, CPU time does not.
process.stdout.write(`${'spec'.padEnd(30)} ${'docs/cpu-s'.padStart(10)} ${'docs/s wall'.padStart(12)} ${'rows out/doc'.padStart(13)}\n`);
for (const spec of specs) {
  const pipeline = spec === JS_WARD
    ? new ReductionPipeline([new HierarchicalPooler('ward', 2, true, undefined, 'js')])
    : parseReductionSpec(spec);
  for (let i = 0; i < Math.min(50, docs.length); i++) pipeline.apply(docs[i]!, ctx); // warm-up
  let out = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (const doc of docs) out += pipeline.apply(doc, ctx).vectors.count;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(
    `${spec.padEnd(30)} ${(docs.length / cpuSeconds).toFixed(0).padStart(10)} ${(docs.length / seconds).toFixed(0).padStart(12)} ${(out / docs.length).toFixed(1).padStart(13)}\n`,
  );
}
