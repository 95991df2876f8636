import type { CodecTrainingReport } from '../../index/index.js';
import type { EvalReport } from '../eval-report.js';
import { retention, RETENTION_MEASURE, type Retention } from './retention.js';
import type { SearchMode } from './sweep-config.js';

/** `config` of a sweep row's eval object. */
export interface SweepRowConfig {
  readonly name: string;
  readonly slug: string;
  readonly reduction: string;
  readonly quantization: string;
  readonly mode: SearchMode;
  readonly baseline: boolean;
  readonly encoder: string;
  readonly candidatesPerToken: number | 'default';
  /** HNSW parameters the index was built with. */
  readonly hnsw?: { readonly m: number; readonly efConstruction: number; readonly efSearch: number; readonly seed: number };
  /** Whether the index kept exact-match recovery data (absent in results stored before it existed). */
  readonly exactMatchRecovery?: boolean;
  /** Index directory, relative to the sweep's --out (absent when indexes were discarded). */
  readonly index?: string;
}

/** One configuration's measurement as stored in `configs/<slug>/result.json` (no baseline-relative figures). */
export interface SweepMeasurement extends EvalReport<SweepRowConfig> {
  /** Share of the exhaustive unreduced top-10 recovered by this configuration's top-10. */
  readonly indexRecall: { readonly k: number; readonly value: number };
  /** Wall times: index build, evaluation, and (baseline only) the exhaustive exact-MaxSim reference search. */
  readonly timings: { readonly buildSeconds: number; readonly evalSeconds: number; readonly referenceSeconds?: number };
  /** Trained codecs (residual): the codebook stored once per index (not in `storage.bytes`) and its training figures. */
  readonly codec?: { readonly codebookBytes: number; readonly training?: CodecTrainingReport };
}

/** A row of report.json: the measurement plus retention relative to the unreduced float32 baseline. */
export interface SweepRow extends SweepMeasurement {
  readonly retention: Retention;
}

export interface SweepReport {
  readonly dataset: string;
  readonly split: string;
  readonly encoder: string;
  readonly createdAt: string;
  /** Slug of the row every retention figure is relative to. */
  readonly baseline: string;
  /** BM25 nDCG@10 for the charts' reference line, when known. */
  readonly bm25: { readonly [RETENTION_MEASURE]: number; readonly source: 'given' | 'computed' } | null;
  /** Input problems the sweep worked around (skipped queries, unknown documents ...). */
  readonly notes: readonly string[];
  /** In configuration order (baseline first). */
  readonly rows: readonly SweepRow[];
}

/** Attaches retention to every measurement; `measurements` must contain the baseline (slug `baselineSlug`). */
export function assembleRows(measurements: readonly SweepMeasurement[], baselineSlug: string): SweepRow[] {
  const baseline = measurements.find((m) => m.config.slug === baselineSlug);
  if (!baseline) throw new RangeError(`the baseline configuration "${baselineSlug}" has no measurement`);
  return measurements.map((m) => ({ ...m, retention: retention(m, baseline) }));
}

/** Rows ordered by bytes per document (ascending), ties by nDCG@10 descending, then name. */
export function rowsByStorage(rows: readonly SweepRow[]): SweepRow[] {
  return [...rows].sort(
    (a, b) =>
      a.storage.bytesPerDoc - b.storage.bytesPerDoc ||
      (b.metrics[RETENTION_MEASURE] ?? 0) - (a.metrics[RETENTION_MEASURE] ?? 0) ||
      (a.config.name < b.config.name ? -1 : a.config.name > b.config.name ? 1 : 0),
  );
}

function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** report.md: a header, the notes, and one table row per configuration sorted by storage. */
export function renderMarkdownReport(report: SweepReport): string {
  const lines: string[] = [];
  lines.push(`# Sweep: ${report.dataset} (${report.split})`, '');
  const queries = report.rows[0]?.queries ?? 0;
  const docs = report.rows[0]?.storage.documents ?? 0;
  lines.push(
    `Encoder \`${report.encoder}\`, ${docs} documents, ${queries} judged queries. ` +
      `Retention is relative to the unreduced float32 index (\`${report.baseline}\`); ` +
      'index recall@10 is the share of the exhaustive exact-MaxSim top-10 of that index that each configuration recovers. ' +
      'Storage counts vector payload bytes and exact-match recovery lists (configurations marked "+ exact"); ' +
      "documents' text, sparse postings and the HNSW graph are excluded.",
  );
  if (report.bm25) lines.push('', `BM25 nDCG@10 (${report.bm25.source}): ${fixed(report.bm25[RETENTION_MEASURE], 4)}`);
  if (report.notes.length > 0) {
    lines.push('', '**Notes**', '');
    for (const note of report.notes) lines.push(`- ${note}`);
  }
  lines.push(
    '',
    '| configuration | vectors/doc | bytes/doc | storage % | nDCG@10 | retained % | R@100 | RR@10 | index recall@10 | p50 ms | p95 ms | qps |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const row of rowsByStorage(report.rows)) {
    lines.push(
      `| ${escapeCell(row.config.name)}${row.config.exactMatchRecovery ? ' + exact' : ''}${row.config.baseline ? ' (baseline)' : ''} | ${fixed(row.storage.vectorsPerDoc, 1)} | ` +
        `${fixed(row.storage.bytesPerDoc, 0)} | ${fixed(row.retention.storagePct, 1)} | ${fixed(row.metrics['nDCG@10'], 4)} | ` +
        `${fixed(row.retention.ndcg10Pct, 1)} | ${fixed(row.metrics['R@100'], 4)} | ${fixed(row.metrics['RR@10'], 4)} | ` +
        `${fixed(row.indexRecall.value, 3)} | ${fixed(row.latency.p50Ms, 2)} | ${fixed(row.latency.p95Ms, 2)} | ${fixed(row.latency.qps, 1)} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
