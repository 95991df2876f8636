/**
 * `npm run bench -- compression [--dataset scifact] [--reduce "none;ward:2;ward:4"] [--quantize codecs] [--work dir]
 *   [--resume]`  |  `npm run bench -- compression --codec-speed`
 *
 * Issue #5: pooling x compression on a BEIR dataset with the default (embedded static) encoder, through the sweep
 * machinery (`lateindex sweep`): per configuration bytes per document and nDCG@10, relative to unreduced float32.
 * Copies the sweep report into bench/results/compression-<dataset>/ and writes summary.md there: the full table,
 * the residual codebooks (stored once per index, outside the per-document bytes), and whether the goals
 * were met (<= 10% of the bytes keeping >= 97% of nDCG@10; <= 5% keeping >= 95%).
 *
 * `--codec-speed` instead times encode and decode of every codec in one run over the same 100k seeded random unit
 * rows of dim 100 (residual codecs trained first on 16,384 of them, not timed) and prints ns per vector and the
 * ratio to float16 (the default codec).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ProgressReporter } from '../src/cli/progress.js';
import { loadEncoder } from '../src/encode/index.js';
import { runSweep, type SweepRow } from '../src/eval/index.js';
import { CODEC_NAMES, RESIDUAL_SAMPLE_VECTORS, createCodec, isTrainableCodec } from '../src/index/index.js';
import { mulberry32, normalizeRows } from '../src/shared/index.js';
import { DATA } from './_common.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'scifact' },
    reduce: { type: 'string', default: 'none;ward:2;ward:4' },
    quantize: { type: 'string', default: 'float32;float16;int8;binary;residual:1;residual:2;residual:4' },
    work: { type: 'string', default: path.join(os.tmpdir(), 'lateindex-compression') },
    resume: { type: 'boolean', default: false },
    'codec-speed': { type: 'boolean', default: false },
  },
});

if (values['codec-speed']) {
  codecSpeed();
  process.exit(0);
}

function codecSpeed(): void {
  const dim = 100;
  const count = 100_000;
  const random = mulberry32(7);
  const rows = new Float32Array(count * dim);
  for (let i = 0; i < rows.length; i++) rows[i] = Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  normalizeRows(rows, dim);
  const out = new Float32Array(count * dim);
  const results: { name: string; encodeNs: number; decodeNs: number }[] = [];
  for (const name of CODEC_NAMES) {
    const codec = createCodec(name);
    if (isTrainableCodec(codec)) codec.train(rows.subarray(0, RESIDUAL_SAMPLE_VECTORS * dim), dim);
    codec.decode(codec.encode(rows.subarray(0, 1000 * dim), dim), 1000, dim, out); // warm-up
    let t = performance.now();
    const bytes = codec.encode(rows, dim);
    const encodeNs = ((performance.now() - t) * 1e6) / count;
    t = performance.now();
    codec.decode(bytes, count, dim, out);
    const decodeNs = ((performance.now() - t) * 1e6) / count;
    results.push({ name, encodeNs, decodeNs });
  }
  const base = results.find((r) => r.name === 'float16')!;
  const lines = [
    `codec speed, dim ${dim}, ${count} random unit rows (one run; ratios to float16)`,
    '| codec | encode ns/vector | x float16 | decode ns/vector | x float16 |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.encodeNs.toFixed(0)} | ${(r.encodeNs / base.encodeNs).toFixed(1)} | ${r.decodeNs.toFixed(0)} | ${(r.decodeNs / base.decodeNs).toFixed(1)} |`,
    ),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

const GOALS = [
  { storagePct: 10, retainedPct: 97 },
  { storagePct: 5, retainedPct: 95 },
] as const;
const COPIED = ['report.md', 'report.json', 'ndcg-vs-storage.png', 'ndcg-vs-storage.svg'];

const dataRoot = process.env.LATEINDEX_DATA ?? DATA;
const out = path.join(values.work, values.dataset);
const encoder = await loadEncoder({ onStatus: (m) => process.stderr.write(`${m}\n`) });
const started = performance.now();
let rows: readonly SweepRow[];
try {
  const report = await runSweep({
    dataset: path.join(dataRoot, values.dataset),
    split: 'test',
    out,
    reduce: values.reduce,
    quantize: values.quantize,
    resume: values.resume,
    encoder,
    keepIndexes: false,
    progress: (label, total, unit) => new ProgressReporter(label.padEnd(24), total, unit),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  rows = report.rows;
} finally {
  await encoder.close();
}
const seconds = (performance.now() - started) / 1000;

const base = rows.find((r) => r.config.baseline)!;
const pct = (x: number): string => `${x.toFixed(1)}%`;
const table = [...rows]
  .sort((a, b) => a.storage.bytesPerDoc - b.storage.bytesPerDoc)
  .map((r) => {
    const codebook = r.codec ? `${(r.codec.codebookBytes / 1024).toFixed(0)} KiB (${(r.codec.codebookBytes / r.storage.documents).toFixed(1)} B/doc)` : '';
    const training = r.codec?.training ? r.codec.training.meanCosine.toFixed(4) : '';
    return (
      `| ${r.config.reduction} | ${r.config.quantization} | ${r.storage.vectorsPerDoc.toFixed(1)} | ${r.storage.bytesPerDoc.toFixed(0)} | ` +
      `${pct(r.retention.storagePct ?? Number.NaN)} | ${r.metrics['nDCG@10']!.toFixed(4)} | ${pct(r.retention.ndcg10Pct ?? Number.NaN)} | ` +
      `${codebook} | ${training} | ${r.timings.buildSeconds.toFixed(0)} |`
    );
  });

/** Storage including the codebook, so a goal is never met by leaving the codebook out. */
const storagePctWithCodebook = (r: SweepRow): number =>
  (100 * (r.storage.bytes + (r.codec?.codebookBytes ?? 0))) / base.storage.bytes;
const goalLines = GOALS.map((goal) => {
  const hits = rows
    .filter((r) => storagePctWithCodebook(r) <= goal.storagePct && (r.retention.ndcg10Pct ?? 0) >= goal.retainedPct)
    .sort((a, b) => (b.retention.ndcg10Pct ?? 0) - (a.retention.ndcg10Pct ?? 0));
  const best = hits[0];
  return best
    ? `- <= ${goal.storagePct}% of the bytes keeping >= ${goal.retainedPct}% of nDCG@10: **met** by ${hits.length} configuration(s); ` +
        `best ${best.config.name} at ${pct(storagePctWithCodebook(best))} of the bytes (codebook included), ${pct(best.retention.ndcg10Pct!)} of nDCG@10`
    : `- <= ${goal.storagePct}% of the bytes keeping >= ${goal.retainedPct}% of nDCG@10: **not met**`;
});

const summary = [
  `# Compression x pooling: ${values.dataset} (test), embedded static encoder`,
  '',
  `Command: \`npm run bench -- compression --dataset ${values.dataset} --reduce "${values.reduce}" --quantize "${values.quantize}"\` ` +
    `(${rows.length} configurations, ${Math.round(seconds)} s wall on a shared 2-core machine)`,
  '',
  `Baseline (none / float32): ${base.storage.bytesPerDoc.toFixed(0)} B/doc, nDCG@10 ${base.metrics['nDCG@10']!.toFixed(4)}.`,
  'Bytes per document count vector payloads; a residual index also stores its codebook once (listed separately,',
  'and counted in the goal check below). Training cosine: held-out reconstruction cosine at training. Build s: index',
  'build wall time from the encoded corpus (shared machine: compare within this table only).',
  '',
  '| reduction | codec | vectors/doc | bytes/doc | storage % | nDCG@10 | retained % | codebook | training cosine | build s |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
  ...table,
  '',
  '## Goals (issue #5)',
  '',
  ...goalLines,
  '',
].join('\n');

const target = path.join(import.meta.dirname, 'results', `compression-${values.dataset}`);
mkdirSync(target, { recursive: true });
for (const file of COPIED) copyFileSync(path.join(out, file), path.join(target, file));
writeFileSync(path.join(target, 'summary.md'), summary);
process.stdout.write(summary);
