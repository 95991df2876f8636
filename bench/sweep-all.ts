/**
 * `npm run bench -- sweep-all [--datasets med,scifact] [--reduce specs] [--quantize codecs] [--work dir] [--resume]
 *   [--ef-construction n]`
 *
 * Runs `lateindex sweep` with the default (embedded static) encoder on the BEIR datasets in /work/shared/data and
 * copies each report (report.md, report.json, charts) into bench/results/<dataset>/; runs and indexes stay in the
 * work folder (default: $TMPDIR/lateindex-sweeps). Writes bench/results/summary.md and summary.json: per dataset,
 * the smallest configuration keeping >= 99% and >= 97% of the unreduced nDCG@10, and the sweep's wall time.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ProgressReporter } from '../src/cli/progress.js';
import { loadEncoder } from '../src/encode/index.js';
import { runSweep, type SweepReport, type SweepRow } from '../src/eval/index.js';
import { DATA } from './_common.js';

const DATA_ROOT = process.env.LATEINDEX_DATA ?? DATA;
const ALL_DATASETS = ['scifact', 'cranfield', 'med', 'cacm', 'lisa', 'vaswani'];
/** With the float32 baseline the sweep adds: 8 configurations. */
const DEFAULT_REDUCE = 'none;ward:2;ward:3;ward:4;kmeans:32;idf-top:0.5';
const DEFAULT_QUANTIZE = 'float16';
const COPIED = ['report.md', 'report.json', 'ndcg-vs-storage.png', 'ndcg-vs-storage.svg', 'latency-vs-storage.png', 'latency-vs-storage.svg'];
const THRESHOLDS = [99, 97] as const;

const { values } = parseArgs({
  options: {
    datasets: { type: 'string', default: ALL_DATASETS.join(',') },
    reduce: { type: 'string', default: DEFAULT_REDUCE },
    quantize: { type: 'string', default: DEFAULT_QUANTIZE },
    work: { type: 'string', default: path.join(os.tmpdir(), 'lateindex-sweeps') },
    resume: { type: 'boolean', default: false },
    'ef-construction': { type: 'string' },
  },
});

const resultsRoot = path.join(import.meta.dirname, 'results');

/** Smallest row (by vector bytes) whose nDCG@10 retention reaches `pct`. */
function smallestKeeping(rows: readonly SweepRow[], pct: number): SweepRow | undefined {
  return rows
    .filter((r) => r.retention.ndcg10Pct !== null && r.retention.ndcg10Pct >= pct)
    .sort((a, b) => a.storage.bytes - b.storage.bytes)[0];
}

interface DatasetSummary {
  readonly dataset: string;
  readonly documents: number;
  readonly queries: number;
  readonly configurations: number;
  readonly seconds: number;
  readonly baselineNdcg10: number;
  readonly bm25Ndcg10: number | null;
  readonly keeping: Record<string, { name: string; ndcg10: number; retainedPct: number; storagePct: number; bytesPerDoc: number } | null>;
}

function summarize(report: SweepReport, seconds: number): DatasetSummary {
  const base = report.rows.find((r) => r.config.baseline)!;
  const keeping: DatasetSummary['keeping'] = {};
  for (const pct of THRESHOLDS) {
    const row = smallestKeeping(report.rows, pct);
    keeping[`${pct}%`] = row
      ? {
          name: row.config.name,
          ndcg10: row.metrics['nDCG@10']!,
          retainedPct: row.retention.ndcg10Pct!,
          storagePct: row.retention.storagePct!,
          bytesPerDoc: row.storage.bytesPerDoc,
        }
      : null;
  }
  return {
    dataset: report.dataset,
    documents: base.storage.documents,
    queries: base.queries,
    configurations: report.rows.length,
    seconds: Math.round(seconds),
    baselineNdcg10: base.metrics['nDCG@10']!,
    bm25Ndcg10: report.bm25?.['nDCG@10'] ?? null,
    keeping,
  };
}

function summaryMarkdown(summaries: readonly DatasetSummary[]): string {
  const cell = (k: DatasetSummary['keeping'][string]): string =>
    k ? `${k.name} (${k.storagePct.toFixed(1)}% storage, ${k.retainedPct.toFixed(1)}% nDCG@10)` : 'none';
  return [
    '# Sweep summary (embedded static encoder)',
    '',
    `Command: \`npm run bench -- sweep-all --datasets ${values.datasets} --reduce "${values.reduce}" --quantize "${values.quantize}"` +
      `${values['ef-construction'] ? ` --ef-construction ${values['ef-construction']}` : ''}\``,
    '',
    '| dataset | docs | queries | configs | unreduced nDCG@10 | BM25 nDCG@10 | smallest keeping >= 99% | smallest keeping >= 97% | sweep time |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |',
    ...summaries.map(
      (s) =>
        `| ${s.dataset} | ${s.documents} | ${s.queries} | ${s.configurations} | ${s.baselineNdcg10.toFixed(4)} | ` +
        `${s.bm25Ndcg10 === null ? 'n/a' : s.bm25Ndcg10.toFixed(4)} | ${cell(s.keeping['99%'] ?? null)} | ${cell(s.keeping['97%'] ?? null)} | ${s.seconds} s |`,
    ),
    '',
  ].join('\n');
}

const encoder = await loadEncoder({ onStatus: (m) => process.stderr.write(`${m}\n`) });
const summaries: DatasetSummary[] = [];
try {
  for (const dataset of values.datasets.split(',').map((d) => d.trim()).filter(Boolean)) {
    const out = path.join(values.work, dataset);
    process.stderr.write(`\n== ${dataset} -> ${out}\n`);
    const started = performance.now();
    const report = await runSweep({
      dataset: path.join(DATA_ROOT, dataset),
      split: 'test',
      out,
      reduce: values.reduce,
      quantize: values.quantize,
      resume: values.resume,
      encoder,
      ...(values['ef-construction'] !== undefined && { hnsw: { efConstruction: Number(values['ef-construction']) } }),
      keepIndexes: false,
      progress: (label, total, unit) => new ProgressReporter(label.padEnd(24), total, unit),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const seconds = (performance.now() - started) / 1000;
    const target = path.join(resultsRoot, dataset);
    mkdirSync(target, { recursive: true });
    for (const file of COPIED) copyFileSync(path.join(out, file), path.join(target, file));
    const summary = summarize(report, seconds);
    summaries.push(summary);
    process.stderr.write(`${dataset}: ${summary.configurations} configurations in ${summary.seconds} s\n`);
  }
} finally {
  await encoder.close();
}
// Datasets swept earlier keep their summary entries; this run's replace theirs.
mkdirSync(resultsRoot, { recursive: true });
const summaryFile = path.join(resultsRoot, 'summary.json');
const earlier = existsSync(summaryFile) ? (JSON.parse(readFileSync(summaryFile, 'utf8')) as DatasetSummary[]) : [];
const merged = [...earlier.filter((e) => !summaries.some((s) => s.dataset === e.dataset)), ...summaries].sort(
  (a, b) => ALL_DATASETS.indexOf(a.dataset) - ALL_DATASETS.indexOf(b.dataset),
);
writeFileSync(summaryFile, `${JSON.stringify(merged, null, 2)}\n`);
writeFileSync(path.join(resultsRoot, 'summary.md'), summaryMarkdown(merged));
process.stdout.write(summaryMarkdown(merged));
